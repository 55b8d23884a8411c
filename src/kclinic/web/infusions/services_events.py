"""What happens at the chair besides vital signs: pump events (start, pause, resume, rate
change, stop), aborting a session after drug was given, scales at protocol time points
(CADSS, MOAA/S, modified Aldrete, BPRS+), side effects, interventions and adverse events.

Pump events that move the lifecycle (start, pause, resume, stop, and abort) store their
InfusionEvent and call `services_lifecycle.apply_event` in one transaction, so an event is
never stored without its step nor a step without its event. A rate change leaves the state
alone. Every rate is checked by the core (`kclinic.domain.infusion_volume.check_rate`: above
0, at most the ordered rate) and every new pump history by `check_events`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Any, Final

from django.db import transaction
from django.utils import timezone

from kclinic.domain import session_states as sm
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.infusion_volume import PumpEvent, check_events, check_rate
from kclinic.domain.instruments.aldrete import circulation_score
from kclinic.domain.monitoring_protocol import SCALE_TIME_POINTS, SESSION_SCALES
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor, record
from kclinic.web.infusions.board import (
    active_order,
    baseline_vitals,
    latest_vitals,
    phase_at,
    pump_events,
)
from kclinic.web.infusions.models import (
    ClinicalEvent,
    InfusionEvent,
    InfusionSession,
    SessionScale,
)
from kclinic.web.infusions.services_lifecycle import apply_event, lock
from kclinic.web.infusions.services_monitoring import MAX_NOTE_CHARS, check_time

Kind = InfusionEvent.Kind
# The lifecycle step each pump event takes (a rate change takes none).
STEP: Final = {
    Kind.START: sm.Event.START_INFUSION,
    Kind.PAUSE: sm.Event.PAUSE,
    Kind.RESUME: sm.Event.RESUME,
    Kind.STOP: sm.Event.END_INFUSION,
}
# Routes of administration for interventions (the usual chart abbreviations).
ROUTES: Final = ("IV", "IM", "PO", "SL", "SC", "IN", "INH", "topical", "other")
# Seriousness criteria of an adverse event (ICH E2A; FDA 21 CFR 312.32).
SERIOUSNESS: Final = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
GRADES: Final = range(1, 6)
# Modalities given by pump; the others (nasal spray, IM) start without a rate.
PUMP_MODALITIES: Final = (
    "iv-racemic",
)  # CTCAE-style grade 1 (mild) to 5 (death related to the event)


def _text(field: str, value: str, *, required: bool, limit: int = MAX_NOTE_CHARS) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationError(field, value, "a non-blank text")
    if len(cleaned) > limit:
        raise ValidationError(field, f"{len(cleaned)} characters", f"at most {limit}")
    return cleaned


def _when(at: datetime | None, field: str = "at") -> datetime:
    now = timezone.now()
    return check_time(field, at or now, now)


def _rate(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValidationError("rate_ml_per_h", value, "a number of mL/h") from None


def _check_verified(session: InfusionSession) -> None:
    # The session part decides what "verified" means when it is installed; the state
    # machine (dose_verified -> start_infusion) is the check otherwise.
    try:
        orders: Any = import_module("kclinic.web.infusions.services_orders")
        verified = orders.verified_order
    except (ImportError, AttributeError):
        return
    if verified(session) is None:
        raise ValidationError(
            "order", None, "a dose order with a matching independent double check"
        )


def record_infusion_event(
    actor: Actor,
    session: InfusionSession,
    kind: str,
    *,
    rate_ml_per_h: object = None,
    note: str = "",
    at: datetime | None = None,
) -> InfusionEvent:
    """Store one pump event and, for start/pause/resume/stop, the lifecycle step it takes.

    start: needs the session dose_verified (and a verified order); the rate defaults to the
    order's (a nasal spray has none). resume: optionally at a new rate. rate_change: a new
    rate and a reason (`note`). Rates must be above 0 and at most the ordered rate.
    """
    if kind not in Kind.values:
        raise UnknownNameError("kind", kind, Kind.values)
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, session.site)
    when = _when(at)
    text = _text("note", note, required=kind == Kind.RATE_CHANGE)
    rate = _rate(rate_ml_per_h)
    with transaction.atomic():
        fresh = lock(session)
        step = STEP.get(Kind(kind))
        if step is not None:
            # An illegal step is refused first, naming the state and the allowed events.
            sm.next_state(sm.State(fresh.state), step)
        history = pump_events(fresh)
        order = active_order(fresh)
        ordered = order.rate_ml_per_h if order is not None else None
        if kind == Kind.START:
            if fresh.state == sm.State.DOSE_VERIFIED:
                _check_verified(fresh)
            rate = rate if rate is not None else ordered
            if rate is None and fresh.modality in PUMP_MODALITIES:
                raise ValidationError("rate_ml_per_h", None, "the pump rate in mL/h")
        pumped = (history[0].rate_ml_per_h is not None) if history else rate is not None
        if rate is not None:
            if not pumped:
                raise ValidationError("rate_ml_per_h", rate, "none: no pump runs in this session")
            rate = check_rate(rate, ordered_ml_per_h=ordered)
        elif kind == Kind.RATE_CHANGE:
            raise ValidationError("rate_ml_per_h", None, "the new rate in mL/h")
        if pumped:
            check_events([*history, PumpEvent(kind, when, rate)])  # type: ignore[arg-type]
        event = InfusionEvent.objects.create(
            session=fresh, kind=kind, at=when, rate_ml_per_h=rate, note=text, recorded_by=user
        )
        detail: dict[str, object] = {
            "infusion_event": kind,
            "rate_ml_per_h": str(rate) if rate is not None else None,
        }
        if step is not None:
            apply_event(actor, fresh, step, at=when, reason=text or None, detail=detail)
        else:
            # The state does not move, but the change is part of the record.
            record(
                actor,
                "infusion_rate_change",
                patient_public_id=fresh.patient.public_id,
                object_type="infusion_session",
                object_id=fresh.public_id,
                detail=detail | {"reason": text},
                at=when,
            )
    session.refresh_from_db()
    return event


def abort_session(
    actor: Actor, session: InfusionSession, *, reason: str, at: datetime | None = None
) -> InfusionSession:
    """Abort a session after drug was given (before that, it is cancelled), with a reason.
    A running or paused pump is stopped by the same step."""
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, session.site)
    text = _text("reason", reason, required=True)
    when = _when(at)
    with transaction.atomic():
        fresh = lock(session)
        if fresh.state in (sm.State.INFUSING, sm.State.PAUSED):
            InfusionEvent.objects.create(
                session=fresh, kind=Kind.STOP, at=when, note=f"aborted: {text}", recorded_by=user
            )
        moved = apply_event(actor, fresh, sm.Event.ABORT, reason=text, at=when)
    session.refresh_from_db()
    return moved


# --- scales ---------------------------------------------------------------------------


def _context(time_point: str) -> str:
    # How the assessments app files it: before dosing, at the end, or during the session.
    if time_point == "pre-dose":
        return "pre-session"
    if time_point == "pre-discharge":
        return "post-session"
    return "other"


def record_scale(
    actor: Actor,
    session: InfusionSession,
    instrument_id: str,
    answers: Mapping[str, object] | Sequence[object],
    time_point: str,
    *,
    administered_at: datetime | None = None,
    options: Mapping[str, str] | None = None,
) -> SessionScale:
    """Score and store a chair-side scale (assessments.record_assessment) and link it to
    the session with its protocol time point, in one transaction.

    For the modified Aldrete score the circulation item may be left out: it is computed
    from the baseline and latest systolic pressure (kclinic.domain.instruments.aldrete).
    """
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, session.site)
    if instrument_id not in SESSION_SCALES.value:
        raise UnknownNameError("instrument_id", instrument_id, SESSION_SCALES.value)
    if time_point not in SCALE_TIME_POINTS.value:
        raise UnknownNameError("time_point", time_point, SCALE_TIME_POINTS.value)
    when = _when(administered_at, "administered_at")
    phase_at(session, when)  # refused before check-in and after discharge
    given: Any = answers
    if instrument_id == "aldrete" and isinstance(answers, Mapping):
        given = _with_circulation(session, answers, (options or {}).get("circulation_rule"))
    with transaction.atomic():
        recorded = record_assessment(
            actor,
            session.patient,
            instrument_id,
            given,
            _context(time_point),
            when,
            options=options,
        )
        scale = SessionScale.objects.create(
            session=session, assessment=recorded.assessment, time_point=time_point
        )
        record(
            actor,
            "record_session_scale",
            patient_public_id=session.patient.public_id,
            object_type="infusion_session",
            object_id=session.public_id,
            detail={
                "instrument": instrument_id,
                "time_point": time_point,
                "assessment": str(recorded.assessment.public_id),
                "total": recorded.assessment.total,
            },
        )
    return scale


def _with_circulation(
    session: InfusionSession, answers: Mapping[str, object], rule: str | None
) -> dict[str, object]:
    given = dict(answers)
    if given.get("circulation") not in (None, ""):
        return given
    base, last = baseline_vitals(session), latest_vitals(session)
    if base is None or last is None or base.systolic is None or last.systolic is None:
        raise ValidationError(
            "circulation",
            None,
            "a score 0-2, or baseline and current vital signs to compute it from",
        )
    given["circulation"] = circulation_score(base.systolic, last.systolic, rule or "mmhg")
    return given


# --- side effects, interventions, adverse events ----------------------------------------


def record_clinical_event(
    actor: Actor,
    session: InfusionSession,
    kind: str,
    description: str,
    *,
    at: datetime | None = None,
    medication: str = "",
    dose: str = "",
    route: str = "",
    grade: int | None = None,
    serious: bool = False,
    seriousness: Sequence[str] = (),
    outcome: str = "",
) -> ClinicalEvent:
    """Store a side effect, an intervention (medication, dose and route when a drug was
    given, e.g. ondansetron 4 mg IV) or an adverse event (grade 1-5; when serious, at least
    one seriousness criterion; grade 5 is death, so serious with "death")."""
    user = actor.signed_in()
    require(user, Action.RUN_SESSION, session.site)
    if kind not in ClinicalEvent.Kind.values:
        raise UnknownNameError("kind", kind, ClinicalEvent.Kind.values)
    text = _text("description", description, required=True)
    when = _when(at)
    phase_at(session, when)
    drug = _text("medication", medication, required=False, limit=100)
    amount = _text("dose", dose, required=bool(drug), limit=40)
    chosen_route = (route or "").strip()
    if drug and chosen_route not in ROUTES:
        raise UnknownNameError("route", chosen_route, ROUTES)
    if not drug and (amount or chosen_route):
        raise ValidationError("medication", medication, "the medication given with this dose")
    criteria = sorted(set(seriousness))
    if kind == ClinicalEvent.Kind.ADVERSE_EVENT:
        _check_adverse(grade, serious, criteria)
    elif grade is not None or serious or criteria:
        raise ValidationError("grade", grade, "only for an adverse event")
    with transaction.atomic():
        event = ClinicalEvent.objects.create(
            session=session,
            kind=kind,
            at=when,
            description=text,
            medication=drug,
            dose=amount,
            route=chosen_route if drug else "",
            grade=grade,
            serious=serious,
            seriousness=criteria,
            outcome=_text("outcome", outcome, required=False, limit=200),
            recorded_at=timezone.now(),
            recorded_by=user,
        )
        record(
            actor,
            "record_clinical_event",
            patient_public_id=session.patient.public_id,
            object_type="clinical_event",
            object_id=event.public_id,
            detail={
                "session": str(session.public_id),
                "kind": kind,
                "grade": grade,
                "serious": serious,
                "seriousness": criteria,
                "medication": drug,
            },
        )
    return event


def _check_adverse(grade: int | None, serious: bool, criteria: list[str]) -> None:
    if isinstance(grade, bool) or grade not in GRADES:
        raise ValidationError("grade", grade, "a grade 1 to 5")
    for name in criteria:
        if name not in SERIOUSNESS:
            raise UnknownNameError("seriousness", name, SERIOUSNESS)
    if serious and not criteria:
        raise ValidationError("seriousness", [], "at least one criterion of a serious event")
    if not serious and criteria:
        raise ValidationError("serious", serious, "true when a seriousness criterion is given")
    if grade == 5 and "death" not in criteria:
        raise ValidationError("seriousness", criteria, "includes death for a grade 5 event")
