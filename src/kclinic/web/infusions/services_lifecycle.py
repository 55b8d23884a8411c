"""The one place a session's state moves. Every other service that changes the state (check-in,
pre-checks, double check, infusion events, discharge, cancel) checks its own preconditions and
then calls `apply_event` inside its transaction; this module persists the step the pure state
machine (kclinic.domain.session_states) allows, with who and when, and writes the audit row.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kclinic.domain import session_states as sm
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import PlannedSession
from kclinic.web.infusions.models import InfusionSession, SessionTransition
from kclinic.web.patients.services import ConflictError

# Which permission each lifecycle event needs (docs/security.md).
EVENT_ACTION: dict[sm.Event, Action] = {
    sm.Event.CHECK_IN: Action.CHECK_IN,
    sm.Event.COMPLETE_PRECHECKS: Action.RECORD_PRECHECKS,
    sm.Event.VERIFY_DOSE: Action.VERIFY_DOSE,
    sm.Event.START_INFUSION: Action.RUN_SESSION,
    sm.Event.PAUSE: Action.RUN_SESSION,
    sm.Event.RESUME: Action.RUN_SESSION,
    sm.Event.END_INFUSION: Action.RUN_SESSION,
    sm.Event.START_RECOVERY: Action.RUN_SESSION,
    sm.Event.DISCHARGE: Action.DISCHARGE_PATIENT,
    sm.Event.CANCEL: Action.CANCEL_SESSION,
    sm.Event.ABORT: Action.RUN_SESSION,
}


def session_for(planned: PlannedSession) -> InfusionSession:
    """The chair-side session of a planned session, created (state scheduled) on first use.

    It shares the planned session's public id, so one id names the booking, the chair-side
    record and the ledger account of the drug drawn for it."""
    existing = InfusionSession.objects.filter(planned=planned).first()
    if existing is not None:
        return existing
    course = planned.course
    session, _ = InfusionSession.objects.get_or_create(
        planned=planned,
        defaults={
            "public_id": planned.public_id,
            "patient": course.patient,
            "site": course.patient.site,
            "chair": planned.chair,
            "modality": course.modality,
            "protocol_version": course.protocol_version,
            "created_at": timezone.now(),
        },
    )
    return session


def domain_session(session: InfusionSession) -> sm.Session:
    """Rebuild the pure session (state and history) from the stored steps."""
    steps = tuple(
        sm.Transition(
            sm.Event(step.event),
            sm.State(step.from_state),
            sm.State(step.to_state),
            step.at,
            step.reason or None,
        )
        for step in session.transitions.order_by("seq")
    )
    return sm.Session(state=sm.State(session.state), history=steps)


def lock(session: InfusionSession, expected_version: int | None = None) -> InfusionSession:
    """Lock the session row for the rest of the transaction and return it fresh. With an
    `expected_version`, refuse (ConflictError) when someone moved it on since the page loaded."""
    fresh = InfusionSession.objects.select_for_update().get(pk=session.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise ConflictError(
            "this session was changed by someone else since you opened it; reload to see it"
        )
    return fresh


def apply_event(
    actor: Actor,
    session: InfusionSession,
    event: sm.Event,
    *,
    reason: str | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
    detail: dict[str, object] | None = None,
) -> InfusionSession:
    """Move the session by `event` (the caller has checked the event's own preconditions).

    Checks the event's permission at the session's site, locks the row, applies the pure
    transition (refusing an illegal step with a message naming the state and the allowed
    events), stores the step and the audit row, all in one transaction. Returns the session
    as stored.
    """
    user = actor.signed_in()
    require(user, EVENT_ACTION[event], session.site)
    at = at or timezone.now()
    with transaction.atomic():
        fresh = lock(session, expected_version)
        moved = sm.transition(domain_session(fresh), event, at, reason)
        step = moved.history[-1]
        SessionTransition.objects.create(
            session=fresh,
            seq=len(moved.history),
            event=step.event.value,
            from_state=step.from_state.value,
            to_state=step.to_state.value,
            at=step.at,
            by=user,
            reason=step.reason or "",
        )
        InfusionSession.objects.filter(pk=fresh.pk).update(
            state=step.to_state.value, version=F("version") + 1
        )
        record(
            actor,
            f"session_{event.value}",
            patient_public_id=fresh.patient.public_id,
            object_type="infusion_session",
            object_id=fresh.public_id,
            detail={"from": step.from_state.value, "to": step.to_state.value}
            | ({"reason": step.reason} if step.reason else {})
            | (detail or {}),
            at=at,
        )
        fresh.refresh_from_db()
    session.state, session.version = fresh.state, fresh.version
    return fresh
