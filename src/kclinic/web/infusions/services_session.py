"""Chair-side session, before the drug: check-in, the pre-infusion checklist, a prescriber's
review of a blocking item, completing the checklist, and cancelling.

The checklist's rules are in kclinic.domain.prechecks; this module takes the facts from the
record (services_prechecks.gather_facts: consent, screening, today's assessments, pre-dose
vitals, weight), adds what the nurse entered, and stores one PrecheckResult row per item
whose verdict changed (a later row for an item replaces the earlier one; both are kept). The
state moves only through services_lifecycle.apply_event. Every write checks its permission,
runs in one transaction and is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kclinic.domain import prechecks as checks
from kclinic.domain import prechecks_record as stored
from kclinic.domain import session_states as sm
from kclinic.domain.courses_phases import check_reason
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.web.accounts.models import Chair
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import SessionStatus, TreatmentCourse
from kclinic.web.courses.session_services import cancel_session
from kclinic.web.infusions.models import InfusionSession, PrecheckResult
from kclinic.web.infusions.policies import precheck_policy, vital_policy
from kclinic.web.infusions.services_lifecycle import apply_event, lock

# BaselineVitals and gather_facts are re-exported: callers import them from this module.
from kclinic.web.infusions.services_prechecks import BaselineVitals as BaselineVitals
from kclinic.web.infusions.services_prechecks import gather_facts as gather_facts
from kclinic.web.infusions.services_prechecks import store_vitals
from kclinic.web.patients.services import record_measurement

# States in which a chair is taken by a session (checked in and not yet gone home).
ACTIVE_STATES = tuple(
    s.value for s in sm.State if s not in sm.TERMINAL and s is not sm.State.SCHEDULED
)


def _check_state(session: InfusionSession, *states: sm.State, doing: str) -> None:
    if session.state not in states:
        allowed = " or ".join(s.value for s in states)
        raise ValidationError(
            "state", session.state, f"a session that is {allowed}", f"needed to {doing}"
        )


# --- check-in ------------------------------------------------------------------------------


def check_in(
    actor: Actor,
    session: InfusionSession,
    *,
    chair: Chair | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> InfusionSession:
    """The patient has arrived: assign a free chair at the session's site and check in.

    Only a scheduled session booked for today can be checked in (one booked for another day
    is rescheduled first, so the record shows when it happened)."""
    user = actor.signed_in()
    require(user, Action.CHECK_IN, session.site)
    at = at or timezone.now()
    planned = session.planned
    if planned.status != SessionStatus.SCHEDULED:
        raise ValidationError("status", planned.status, "a scheduled session (not cancelled)")
    day, today = timezone.localdate(planned.scheduled_at), timezone.localdate(at)
    if day != today:
        raise ValidationError(
            "scheduled_at", day.isoformat(), f"today ({today}); reschedule the session first"
        )
    chosen = chair or session.chair or planned.chair
    if chosen is None or chosen.site_id != session.site_id:
        raise ValidationError("chair", str(chosen or ""), f"a chair at {session.site.name}")
    with transaction.atomic():
        fresh = lock(session, expected_version)
        busy = (
            InfusionSession.objects.filter(chair=chosen, state__in=ACTIVE_STATES)
            .exclude(pk=fresh.pk)
            .select_related("patient")
            .first()
        )
        if busy is not None:
            raise ValidationError(
                "chair", chosen.name, "a free chair", f"{chosen.name} is in use by another session"
            )
        course = planned.course
        InfusionSession.objects.filter(pk=fresh.pk).update(
            chair=chosen, modality=course.modality, protocol_version=course.protocol_version
        )
        moved = apply_event(
            actor,
            fresh,
            sm.Event.CHECK_IN,
            at=at,
            expected_version=expected_version,
            detail={"chair": chosen.name},
        )
    session.chair = moved.chair
    return moved


# --- the checklist -------------------------------------------------------------------------


@dataclass(frozen=True)
class Checklist:
    """The latest result of every item recorded so far (checklist order) and completion."""

    results: tuple[checks.ItemResult, ...]
    rows: dict[checks.Item, PrecheckResult]
    completion: checks.Completion

    @property
    def complete(self) -> bool:
        return self.completion.complete

    def lines(self) -> list[tuple[str, checks.Item, checks.ItemResult | None, Any]]:
        """(label, item, latest result or None, its row or None) for every item, in order."""
        found = {result.item: result for result in self.results}
        return [
            (checks.LABELS[item], item, found.get(item), self.rows.get(item))
            for item in checks.ITEMS
        ]


def latest_rows(session: InfusionSession) -> dict[checks.Item, PrecheckResult]:
    rows: dict[checks.Item, PrecheckResult] = {}
    for row in session.prechecks.select_related("recorded_by").order_by("recorded_at", "id"):
        rows[checks.Item(row.item)] = row
    return rows


def _as_result(row: PrecheckResult) -> checks.ItemResult:
    return stored.from_stored(row.item, row.status, row.value, row.message, row.override_reason)


def checklist(session: InfusionSession) -> Checklist:
    """The checklist as stored (no facts re-read)."""
    rows = latest_rows(session)
    results = tuple(_as_result(rows[item]) for item in checks.ITEMS if item in rows)
    return Checklist(results, rows, checks.completion(results))


def record_prechecks(
    actor: Actor,
    session: InfusionSession,
    *,
    fasting_hours: Decimal | None = None,
    liquids_hours: Decimal | None = None,
    escort_confirmed: bool | None = None,
    escort_name: str | None = None,
    pregnancy: str | None = None,
    pregnancy_note: str | None = None,
    new_contraindication: bool | None = None,
    contraindication_note: str | None = None,
    vitals: BaselineVitals | None = None,
    weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Checklist:
    """Record what the nurse entered (None: keep the earlier answer), re-read the record's
    facts, and store a row for every item whose verdict changed. A weight given here is
    recorded on the patient; baseline vitals become a pre-dose VitalSet (source manual).

    Bad input raises ValidationError naming the field and the allowed range; nothing is
    written then."""
    user = actor.signed_in()
    require(user, Action.RECORD_PRECHECKS, session.site)
    at = at or timezone.now()
    policy = precheck_policy()
    with transaction.atomic():
        fresh = lock(session, expected_version)
        _check_state(fresh, sm.State.CHECKED_IN, doing="record the pre-infusion checklist")
        rows = latest_rows(fresh)
        given = {
            "fasting_hours": fasting_hours,
            "liquids_hours": liquids_hours,
            "escort_confirmed": escort_confirmed,
            "escort_name": escort_name,
            "pregnancy": pregnancy,
            "pregnancy_note": pregnancy_note,
            "new_contraindication": new_contraindication,
            "contraindication_note": contraindication_note,
        }
        entered = stored.answers({i: r.value for i, r in rows.items()}, given)
        if weight_kg is not None:
            record_measurement(actor, fresh.patient, weight_kg, height_cm, measured_at=at)
        vital_set = store_vitals(fresh, vitals, user, at) if vitals is not None else None
        results = checks.evaluate(gather_facts(fresh, entered, policy, at), policy, vital_policy())
        written: dict[str, str] = {}
        for result in results:
            row = rows.get(result.item)
            if row is not None and stored.unchanged((row.status, row.message, row.value), result):
                continue
            PrecheckResult.objects.create(
                session=fresh,
                item=result.item.value,
                status=result.status,
                value=stored.stored_value(result),
                message=result.message[:500],
                recorded_at=at,
                recorded_by=user,
            )
            written[result.item.value] = result.status
        record(
            actor,
            "record_prechecks",
            patient_public_id=fresh.patient.public_id,
            object_type="infusion_session",
            object_id=fresh.public_id,
            detail={
                "items": written,
                "vital_set": str(vital_set.public_id) if vital_set else None,
                "weight_kg": str(weight_kg) if weight_kg is not None else None,
            },
            at=at,
        )
    return checklist(fresh)


def review_precheck(
    actor: Actor,
    session: InfusionSession,
    *,
    item: str,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> PrecheckResult:
    """A prescriber reviews a failed hard stop and releases it with a reason (a high C-SSRS
    result needs the safety-task permission). The reviewed row repeats the verdict with the
    reason; the verdict itself is never changed."""
    try:
        chosen = checks.Item(item)
    except ValueError:
        raise UnknownNameError("item", item, [i.value for i in checks.Item]) from None
    user = actor.signed_in()
    action = Action.RESOLVE_SAFETY_TASK if chosen is checks.Item.CSSRS else Action.ORDER_DOSE
    require(user, action, session.site)
    text = check_reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        fresh = lock(session, expected_version)
        _check_state(fresh, sm.State.CHECKED_IN, doing="review a pre-infusion check")
        current = checklist(fresh)
        waiting = [r.item.value for r in current.completion.blocking]
        latest = current.rows.get(chosen)
        if chosen.value not in waiting or latest is None:
            awaiting = ", ".join(waiting) or "none"
            raise ValidationError(
                "item", chosen.value, f"a failed hard stop awaiting review: {awaiting}"
            )
        reviewed = PrecheckResult.objects.create(
            session=fresh,
            item=chosen.value,
            status=latest.status,
            value=latest.value,
            message=latest.message,
            override_reason=text,
            recorded_at=at,
            recorded_by=user,
        )
        record(
            actor,
            "review_precheck",
            patient_public_id=fresh.patient.public_id,
            object_type="infusion_session",
            object_id=fresh.public_id,
            detail={"item": chosen.value, "status": latest.status, "reason": text},
            at=at,
        )
    return reviewed


def complete_prechecks(
    actor: Actor,
    session: InfusionSession,
    *,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> InfusionSession:
    """Close the checklist: the record's facts are read again first (a consent withdrawn or a
    C-SSRS entered since counts), then the session moves to prechecks_done, or the request is
    refused listing every item still missing or waiting for a prescriber's review."""
    user = actor.signed_in()
    require(user, Action.RECORD_PRECHECKS, session.site)
    at = at or timezone.now()
    record_prechecks(actor, session, expected_version=expected_version, at=at)
    with transaction.atomic():
        fresh = lock(session, expected_version)
        current = checklist(fresh)
        if not current.complete:
            pending = [i.value for i in current.completion.missing] + [
                r.item.value for r in current.completion.blocking
            ]
            raise ValidationError(
                "prechecks",
                ", ".join(pending),
                "every item recorded and every failed hard stop reviewed by a prescriber",
                "; ".join(current.completion.reasons()),
            )
        return apply_event(
            actor,
            fresh,
            sm.Event.COMPLETE_PRECHECKS,
            at=at,
            expected_version=expected_version,
            detail={"items": {r.item.value: r.status for r in current.results}},
        )


# --- cancel --------------------------------------------------------------------------------


def cancel(
    actor: Actor,
    session: InfusionSession,
    *,
    reason: str,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> InfusionSession:
    """Call the session off before any drug is given, with a reason.

    The booking (the course's planned session) is cancelled with the same reason in the same
    transaction, so the course page and the chair-side record agree and the patient can be
    booked again; a booking already completed or cancelled is left as it is and the audit
    row says so."""
    user = actor.signed_in()
    require(user, Action.CANCEL_SESSION, session.site)
    text = check_reason(reason)
    at = at or timezone.now()
    with transaction.atomic():
        planned = session.planned
        planned.refresh_from_db()
        scheduled = planned.status == SessionStatus.SCHEDULED
        moved = apply_event(
            actor,
            session,
            sm.Event.CANCEL,
            reason=text,
            at=at,
            expected_version=expected_version,
            detail={"booking": "cancelled" if scheduled else f"left as {planned.status}"},
        )
        if scheduled:
            course = TreatmentCourse.objects.get(pk=planned.course_id)
            cancel_session(actor, planned, reason=text, expected_version=course.version)
    return moved
