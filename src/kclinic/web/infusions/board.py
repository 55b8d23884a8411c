"""Reads of live sessions: the clinic's vital-sign policy, a session's sets, alarms, pump and
observation clock (`services_monitoring` re-exports the ones the chair-side contract names),
and what a screen shows about a session (the monitor page and each chair on the board):
state, time since dosing started, the pump, the last vitals, when the next set is due and
the open alarms. Reads only: the views call `services_monitoring.check_overdue` first, so an
overdue set is already an open alarm when a snapshot is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any, Final

from django.db.models import QuerySet

from kclinic.domain import session_states as sm
from kclinic.domain.errors import ValidationError
from kclinic.domain.infusion_volume import PumpEvent, PumpProgress, progress
from kclinic.domain.monitoring_schedule import next_vitals_due, phase_for, seconds_overdue
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.infusions.models import (
    Alarm,
    DoseOrder,
    InfusionEvent,
    InfusionSession,
    VitalSet,
)
from kclinic.web.infusions.policies import vital_policy
from kclinic.web.infusions.services_lifecycle import domain_session
from kclinic.web.infusions.vitals_chart import Reading, VitalsChart, build_chart
from kclinic.web.patients.selectors import visible_patients

# --- reads of one session (re-exported by services_monitoring) -------------------------


# --- readers --------------------------------------------------------------------------


def baseline_vitals(session: InfusionSession) -> VitalSet | None:
    """The last set taken before dosing (phase pre_dose)."""
    return session.vitals.filter(phase="pre_dose").order_by("taken_at", "id").last()


def latest_vitals(session: InfusionSession) -> VitalSet | None:
    """The set taken last (by the time it was taken, not entered)."""
    return session.vitals.order_by("taken_at", "id").last()


def open_alarms(session: InfusionSession) -> QuerySet[Alarm]:
    """Alarms not yet acknowledged, oldest first."""
    return session.alarms.filter(acknowledged_at__isnull=True).order_by("raised_at", "id")


def active_order(session: InfusionSession) -> DoseOrder | None:
    """The session part's `active_order` when installed; else the latest order no later one
    superseded."""
    try:
        orders: Any = import_module("kclinic.web.infusions.services_orders")
        found: DoseOrder | None = orders.active_order(session)
    except (ImportError, AttributeError):
        found = (
            session.orders.filter(superseded_by__isnull=True).order_by("ordered_at", "id").last()
        )
    return found


def pump_events(session: InfusionSession) -> list[PumpEvent]:
    """The stored infusion events as the core's pump events, oldest first."""
    return [
        PumpEvent(event.kind, event.at, event.rate_ml_per_h)  # type: ignore[arg-type]
        for event in session.infusion_events.order_by("at", "id")
    ]


def pump_progress(session: InfusionSession, now: datetime) -> PumpProgress | None:
    """Where the pump is at `now`; None when no pump runs in this session (not started, or
    a nasal spray, whose start carries no rate)."""
    events = pump_events(session)
    if not events or events[0].rate_ml_per_h is None:
        return None
    order = active_order(session)
    vtbi = order.vtbi_ml if order is not None else None
    return progress(events, now, vtbi)


def volume_infused_ml(session: InfusionSession, now: datetime) -> Decimal:
    """Millilitres the pump has delivered by `now` (rounded down to 0.1 mL, never above the
    order's VTBI); 0.0 when no pump runs in this session."""
    state = pump_progress(session, now)
    return state.volume_ml if state is not None else Decimal("0.0")


def state_at(session: InfusionSession, when: datetime) -> sm.State:
    """The session's state at `when`, from its stored steps."""
    state = sm.State.SCHEDULED
    for step in session.transitions.order_by("seq"):
        if step.at > when:
            break
        state = sm.State(step.to_state)
    return state


def phase_at(session: InfusionSession, when: datetime) -> str:
    """The monitoring phase at `when`: pre_dose, infusion or recovery. After an abort the
    patient is still watched, so an aborted session is in recovery. Refused before check-in
    and after discharge or cancellation."""
    state = state_at(session, when)
    if state == sm.State.ABORTED:
        return "recovery"
    phase = phase_for(state)
    if phase is None or state == sm.State.SCHEDULED:
        raise ValidationError(
            "taken_at",
            when.isoformat(timespec="minutes"),
            "a time from check-in until discharge",
            detail=f"the session was {state.value.replace('_', ' ')} then",
        )
    return phase


def phase_started_at(session: InfusionSession, phase: str) -> datetime | None:
    """When the timed phase began: the infusion start, or its end for recovery."""
    event = {"infusion": sm.Event.START_INFUSION, "recovery": sm.Event.END_INFUSION}.get(phase)
    if event is None:
        return None
    step = session.transitions.filter(event=event.value).order_by("seq").first()
    return step.at if step is not None else None


@dataclass(frozen=True)
class VitalsClock:
    """When the next set is due and how late it is (seconds; None outside timed phases)."""

    phase: str | None
    due_at: datetime | None
    overdue_s: int | None
    interval_minutes: int | None


def vitals_clock(session: InfusionSession, now: datetime) -> VitalsClock:
    """The observation schedule of a live session (infusing, paused, ended, recovery)."""
    phase = phase_for(sm.State(session.state))
    if phase not in ("infusion", "recovery"):
        return VitalsClock(phase, None, None, None)
    policy = vital_policy()
    started = phase_started_at(session, phase)
    last = latest_vitals(session)
    last_at = last.taken_at if last is not None else None
    anchor = started or last_at
    if anchor is None:
        return VitalsClock(phase, None, None, None)
    due = next_vitals_due(last_at, phase, anchor, policy)
    # A set "taken" a little after now (a fast clock) is simply not overdue.
    late = 0 if last_at is not None and now < last_at else None
    if late is None:
        late = seconds_overdue(last_at, phase, now, policy, started)
    interval = (
        policy.infusion_interval_minutes
        if phase == "infusion"
        else policy.recovery_interval_minutes
    )
    return VitalsClock(phase, due, late, interval.value)


# --- what a screen shows ---------------------------------------------------------------

# Sessions with a patient in the chair: from check-in until discharge.
ACTIVE_STATES: Final = (
    sm.State.CHECKED_IN,
    sm.State.PRECHECKS_DONE,
    sm.State.DOSE_VERIFIED,
    sm.State.INFUSING,
    sm.State.PAUSED,
    sm.State.INFUSION_ENDED,
    sm.State.RECOVERY,
)
ALARM_ORDER: Final = {"emergency": 0, "stop": 1, "pause": 2, "warn": 3, "info": 4}


def duration(seconds: int | None) -> str:
    """h:mm:ss or m:ss ("" for None)."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Snapshot:
    session: InfusionSession
    now: datetime
    checked_in_at: datetime | None
    dosing_started_at: datetime | None
    dosing_ended_at: datetime | None
    infusing_s: int
    paused_s: int
    pump: PumpProgress | None
    last_vitals: VitalSet | None
    clock: VitalsClock
    alarms: tuple[Alarm, ...]

    @property
    def state_label(self) -> str:
        return self.session.state.replace("_", " ")

    @property
    def elapsed_s(self) -> int | None:
        """Seconds since dosing started (pauses included), else since check-in."""
        anchor = self.dosing_started_at or self.checked_in_at
        return None if anchor is None else int((self.now - anchor).total_seconds())

    @property
    def elapsed(self) -> str:
        return duration(self.elapsed_s)

    @property
    def elapsed_since(self) -> str:
        return "since the start" if self.dosing_started_at else "since check-in"

    @property
    def infusing(self) -> str:
        return duration(self.infusing_s)

    @property
    def overdue(self) -> str:
        return duration(self.clock.overdue_s) if self.clock.overdue_s else ""

    @property
    def worst_alarm(self) -> Alarm | None:
        return self.alarms[0] if self.alarms else None


def snapshot(session: InfusionSession, now: datetime) -> Snapshot:
    history = domain_session(session)
    started = sm.time_of(history, sm.Event.START_INFUSION)
    alarms = sorted(open_alarms(session), key=lambda a: (ALARM_ORDER.get(a.level, 9), a.raised_at))
    # Times in the history never lie after `now` in practice; a clock running behind a
    # tablet's is tolerated by counting from the later of the two.
    moment = max([now, *(step.at for step in history.history)])
    return Snapshot(
        session=session,
        now=now,
        checked_in_at=sm.time_of(history, sm.Event.CHECK_IN),
        dosing_started_at=started,
        dosing_ended_at=sm.time_of(history, sm.Event.END_INFUSION),
        infusing_s=sm.infusing_seconds(history, moment),
        paused_s=sm.paused_seconds(history, moment),
        pump=pump_progress(session, now),
        last_vitals=latest_vitals(session),
        clock=vitals_clock(session, now),
        alarms=tuple(alarms),
    )


def board_sessions(user: User) -> QuerySet[InfusionSession]:
    """Sessions with a patient in a chair at the sites where the user sees clinical data."""
    sites = [site for site in user.sites.all() if allowed(user, Action.VIEW_CLINICAL, site)]
    return (
        InfusionSession.objects.filter(
            site__in=sites, state__in=ACTIVE_STATES, patient__in=visible_patients(user)
        )
        .select_related("patient", "chair", "site", "planned")
        .order_by("site__name", "chair__name", "planned__scheduled_at")
    )


def chart_for(session: InfusionSession, snap: Snapshot) -> VitalsChart:
    """The vitals chart from check-in (or the first set) to now."""
    rows = list(session.vitals.order_by("taken_at", "id"))
    readings = [Reading(r.taken_at, r.systolic, r.diastolic, r.heart_rate, r.spo2) for r in rows]
    first = [t for t in (snap.checked_in_at, rows[0].taken_at if rows else None) if t]
    start = min(first) if first else snap.now - timedelta(minutes=30)
    end = max([snap.now, *(r.taken_at for r in rows)])
    return build_chart(readings, start, end, snap.dosing_started_at)


def events_of(session: InfusionSession) -> QuerySet[InfusionEvent]:
    return session.infusion_events.select_related("recorded_by").order_by("at", "id")
