"""Vital signs and alarms of a chair-side session.

`record_vitals` checks a set against the physiological ranges and the clinic's vital-sign
policy (kclinic.domain.monitoring.assess, with the session's earlier sets for confirmation
rules such as "two readings 5 min apart"), stores the verdict on the VitalSet and raises one
Alarm per alert at warn or above; a crisis symptom raises an emergency alarm whatever the
numbers. `acknowledge_alarm` closes an alarm with the action taken. `check_overdue` raises
the overdue-vitals alarm (one open at a time) when a screen showing the session refreshes.

Appends need no version: two nurses recording at once both land, ordered by the time each
set was taken. Each write holds the session row lock for its short transaction so the
confirmation rules always see every earlier set and never race a state change.

The readers other parts use (`baseline_vitals`, `latest_vitals`, `open_alarms`,
`volume_infused_ml`, `pump_progress`) live with the other reads in `board` and are
re-exported here, where the chair-side contract names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import transaction
from django.utils import timezone

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.monitoring import SOURCES, Alert, VitalSigns, assess, highest_level, level_rank
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.infusions.board import (
    active_order,
    baseline_vitals,
    latest_vitals,
    open_alarms,
    phase_at,
    pump_progress,
    vitals_clock,
    volume_infused_ml,
)
from kclinic.web.infusions.models import Alarm, InfusionSession, VitalSet
from kclinic.web.infusions.policies import vital_policy
from kclinic.web.infusions.services_lifecycle import lock
from kclinic.web.patients.services import ConflictError

# The chair-side contract's readers are re-exported from here (their home is `board`).
__all__ = [
    "acknowledge_alarm",
    "active_order",
    "baseline_vitals",
    "check_overdue",
    "check_time",
    "domain_reading",
    "latest_vitals",
    "open_alarms",
    "pump_progress",
    "record_vitals",
    "stored_alerts",
    "volume_infused_ml",
]

# A tablet whose clock runs slightly ahead does not make a reading "in the future".
CLOCK_TOLERANCE: Final = timedelta(minutes=5)
ALARM_FROM: Final = "warn"  # alerts at this level or above raise an alarm
OVERDUE_CODE: Final = "vitals-overdue"
MAX_NOTE_CHARS: Final = 500
MAX_DEVICE_ID_CHARS: Final = 80


# --- writes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedVitals:
    """A stored set, the alarms it raised and the overdue alarms it closed."""

    vital_set: VitalSet
    alarms: tuple[Alarm, ...]
    resolved: tuple[Alarm, ...]


def check_time(field: str, when: datetime, now: datetime) -> datetime:
    if timezone.is_naive(when):
        raise ValidationError(field, when.isoformat(), "a date and time with a time zone")
    if when > now + CLOCK_TOLERANCE:
        raise ValidationError(
            field,
            when.isoformat(timespec="minutes"),
            f"a time not in the future (up to {now:%Y-%m-%d %H:%M} UTC)",
        )
    return when


def _source(source: str, device_id: str) -> tuple[str, str]:
    if source not in SOURCES:
        raise UnknownNameError("source", source, SOURCES)
    device = device_id.strip()
    if source == "device" and not device:
        raise ValidationError("device_id", device_id, "the id of the bedside monitor")
    if source == "manual" and device:
        raise ValidationError("device_id", device_id, "blank for a manual reading")
    if len(device) > MAX_DEVICE_ID_CHARS:
        raise ValidationError("device_id", device, f"at most {MAX_DEVICE_ID_CHARS} characters")
    return source, device


def domain_reading(row: VitalSet) -> VitalSigns:
    """A stored set as the core's reading (stored sets passed the same checks)."""
    return VitalSigns(
        int(row.systolic or 0),
        int(row.diastolic or 0),
        row.taken_at,
        hr_bpm=row.heart_rate,
        spo2_pct=row.spo2,
        rr_per_min=row.respiratory_rate,
        source=row.source,
    )


def stored_alerts(alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """The core's alerts as a VitalSet keeps them (JSON), for the chart and the record."""
    return [
        {
            "level": a.level,
            "rule": a.rule,
            "message": a.message,
            "source": a.source.id,
            "pending": a.pending,
        }
        for a in alerts
    ]


def record_vitals(
    actor: Actor,
    session: InfusionSession,
    *,
    sbp_mmhg: int,
    dbp_mmhg: int,
    hr_bpm: int | None = None,
    spo2_pct: int | None = None,
    rr_per_min: int | None = None,
    symptoms: Iterable[str] = (),
    source: str = "manual",
    device_id: str = "",
    taken_at: datetime | None = None,
) -> RecordedVitals:
    """Store one set with the policy's verdict, raise its alarms, close any open overdue
    alarm, audit it; all in one transaction.

    Values outside the physiological ranges (e.g. SBP 20 or 400, SpO2 above 100) are
    refused with a ValidationError naming the field and its range; nothing is written.
    `source` is manual or device (with the monitor's `device_id`).
    """
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, session.site)
    now = timezone.now()
    taken = check_time("taken_at", taken_at or now, now)
    source, device = _source(source, device_id)
    chosen = tuple(symptoms)
    reading = VitalSigns(sbp_mmhg, dbp_mmhg, taken, hr_bpm, spo2_pct, rr_per_min, source)
    policy = vital_policy()
    with transaction.atomic():
        fresh = lock(session)
        phase = phase_at(fresh, taken)
        earlier = [
            domain_reading(row)
            for row in fresh.vitals.filter(taken_at__lte=taken).order_by("taken_at", "id")
        ]
        alerts = assess(earlier, reading, chosen, phase, policy)
        vital_set = VitalSet.objects.create(
            session=fresh,
            phase=phase,
            taken_at=taken,
            systolic=sbp_mmhg,
            diastolic=dbp_mmhg,
            heart_rate=hr_bpm,
            spo2=spo2_pct,
            respiratory_rate=rr_per_min,
            symptoms=sorted(set(chosen)),
            source=source,
            device_id=device,
            level=highest_level(alerts) or "",
            alerts=stored_alerts(alerts),
            recorded_at=now,
            recorded_by=user,
        )
        record(
            actor,
            "record_vitals",
            patient_public_id=fresh.patient.public_id,
            object_type="vital_set",
            object_id=vital_set.public_id,
            detail={
                "session": str(fresh.public_id),
                "phase": phase,
                "level": vital_set.level,
                "rules": [a.rule for a in alerts],
                "source": source,
                "device_id": device,
            },
            at=now,
        )
        raised = tuple(
            _raise(
                actor,
                fresh,
                kind="crisis" if alert.rule == "crisis-symptom" else "vitals",
                level=alert.level,
                code=alert.rule,
                message=alert.message,
                vital_set=vital_set,
                at=now,
            )
            for alert in alerts
            if level_rank(alert.level) >= level_rank(ALARM_FROM)
        )
        resolved = _close_overdue(actor, fresh, vital_set, now)
    return RecordedVitals(vital_set, raised, resolved)


def _raise(
    actor: Actor,
    session: InfusionSession,
    *,
    kind: str,
    level: str,
    code: str,
    message: str,
    at: datetime,
    vital_set: VitalSet | None = None,
    detail: dict[str, object] | None = None,
) -> Alarm:
    alarm = Alarm.objects.create(
        session=session,
        kind=kind,
        level=level,
        code=code,
        message=message[:500],
        vital_set=vital_set,
        raised_at=at,
    )
    record(
        actor,
        "raise_alarm",
        patient_public_id=session.patient.public_id,
        object_type="alarm",
        object_id=alarm.public_id,
        detail={"session": str(session.public_id), "kind": kind, "level": level, "code": code}
        | (detail or {}),
        at=at,
    )
    return alarm


def _close_overdue(
    actor: Actor, session: InfusionSession, vital_set: VitalSet, now: datetime
) -> tuple[Alarm, ...]:
    # The overdue alarm asked for a set; recording one is the action it asked for.
    closed = []
    for alarm in open_alarms(session).filter(code=OVERDUE_CODE).select_for_update():
        alarm.acknowledged_at = now
        alarm.acknowledged_by = actor.signed_in()
        alarm.action = Alarm.Action.OBSERVED
        alarm.action_note = (
            f"vital signs recorded (taken {timezone.localtime(vital_set.taken_at):%H:%M})"
        )
        alarm.save(update_fields=["acknowledged_at", "acknowledged_by", "action", "action_note"])
        record(
            actor,
            "acknowledge_alarm",
            patient_public_id=session.patient.public_id,
            object_type="alarm",
            object_id=alarm.public_id,
            detail={"action": alarm.action, "by_vitals": str(vital_set.public_id)},
            at=now,
        )
        closed.append(alarm)
    return tuple(closed)


def acknowledge_alarm(
    actor: Actor, alarm: Alarm, action: str, note: str = "", at: datetime | None = None
) -> Alarm:
    """Close an open alarm with the action taken (one of Alarm.Action) and a note (required
    when a medication was given: what, how much, which route). A second acknowledgement is
    refused (ConflictError naming who acknowledged it and when)."""
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, alarm.session.site)
    if action not in Alarm.Action.values:
        raise UnknownNameError("action", action, Alarm.Action.values)
    text = note.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationError("note", f"{len(text)} characters", f"at most {MAX_NOTE_CHARS}")
    if action == Alarm.Action.MEDICATION and not text:
        raise ValidationError("note", note, "the medication, dose and route given")
    now = timezone.now()
    when = check_time("at", at or now, now)
    with transaction.atomic():
        fresh = (
            Alarm.objects.select_for_update().select_related("session__patient").get(pk=alarm.pk)
        )
        if fresh.acknowledged_at is not None:
            by = fresh.acknowledged_by.signature_name if fresh.acknowledged_by else "someone"
            raise ConflictError(
                f"this alarm was already acknowledged by {by} at "
                f"{timezone.localtime(fresh.acknowledged_at):%H:%M} ({fresh.action})"
            )
        fresh.acknowledged_at = when
        fresh.acknowledged_by = user
        fresh.action = action
        fresh.action_note = text
        fresh.save(update_fields=["acknowledged_at", "acknowledged_by", "action", "action_note"])
        record(
            actor,
            "acknowledge_alarm",
            patient_public_id=fresh.session.patient.public_id,
            object_type="alarm",
            object_id=fresh.public_id,
            detail={"session": str(fresh.session.public_id), "action": action, "note": text},
            at=now,
        )
    return fresh


def check_overdue(
    actor: Actor, session: InfusionSession, now: datetime | None = None
) -> Alarm | None:
    """Raise the overdue-vitals alarm when the next set is overdue and none is open.

    Called when the chair board, the monitor page or the API's alarm list refreshes, so it
    is attributed to whoever looked (detail: trigger). Returns the alarm raised, if any.
    """
    now = now or timezone.now()
    clock = vitals_clock(session, now)
    if not clock.overdue_s or open_alarms(session).filter(code=OVERDUE_CODE).exists():
        return None
    with transaction.atomic():
        fresh = lock(session)
        # Re-read under the lock: two screens refreshing at once raise one alarm.
        if open_alarms(fresh).filter(code=OVERDUE_CODE).exists():
            return None
        clock = vitals_clock(fresh, now)
        if not clock.overdue_s or clock.due_at is None:
            return None
        due = timezone.localtime(clock.due_at)
        message = (
            f"vital signs overdue: due {due:%H:%M} "
            f"(every {clock.interval_minutes} min in {clock.phase})"
        )
        return _raise(
            actor,
            fresh,
            kind="overdue",
            level="warn",
            code=OVERDUE_CODE,
            message=message,
            at=now,
            detail={"trigger": "screen refresh", "due_at": clock.due_at.isoformat()},
        )
