"""/api/v1/sessions/{session_id}: a session's state, checklist and dose order, and the steps
before the drug (check-in, checklist, review, completion, dose order, double check, cancel)
through the same services, permissions and audit as the pages.

Writes that move the session name the `version` they started from; a stale one gets 409 and
changes nothing. Front-desk tokens see the state and schedule; the checklist and the order
come back as null. A double check that does not match answers 422 naming the fields (the
failed check is kept) and never the ordered values.

No `from __future__ import annotations`: ninja resolves the annotations at run time.
"""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from ninja import Router, Schema, Status

from kclinic.domain import session_states as sm
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Chair
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.infusions import services_orders as orders
from kclinic.web.infusions import services_session as services
from kclinic.web.infusions.api_common import ErrorOut
from kclinic.web.infusions.models import DoseCheck, DoseOrder, InfusionSession
from kclinic.web.infusions.selectors import session_of

router = Router(tags=["sessions"])
SESSION = "/{uuid:session_id}"


class ItemOut(Schema):
    item: str
    label: str
    status: str | None
    hard_stop: bool
    blocking: bool
    message: str
    source: str
    override_reason: str
    recorded_at: dt.datetime | None
    recorded_by: str | None


class ChecklistOut(Schema):
    complete: bool
    missing: list[str]
    blocking: list[str]
    items: list[ItemOut]


class CheckOut(Schema):
    order: uuid.UUID
    checked_at: dt.datetime
    checked_by: str
    matched: bool
    mismatched: list[str]
    lot: uuid.UUID | None


class OrderOut(Schema):
    id: uuid.UUID
    ordered_at: dt.datetime
    ordered_by: str
    dose_mg: Decimal
    weight_kg: Decimal
    weight_basis: str
    mg_per_kg: Decimal | None
    duration_min: int | None
    vial_mg_per_ml: Decimal | None
    bag_ml: Decimal | None
    drug_volume_ml: Decimal | None
    final_mg_per_ml: Decimal | None
    rate_ml_per_h: Decimal | None
    vtbi_ml: Decimal | None
    devices: int | None
    titration_reason: str
    override_reason: str
    verified: bool
    plan: dict[str, Any]
    checks: list[CheckOut]


class TransitionOut(Schema):
    seq: int
    event: str
    from_state: str
    to_state: str
    at: dt.datetime
    by: str
    reason: str


class SessionOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    state: str
    version: int
    scheduled_at: dt.datetime
    chair: str | None
    allowed_events: list[str]
    transitions: list[TransitionOut]
    modality: str | None = None
    checklist: ChecklistOut | None = None
    order: OrderOut | None = None


class CheckInIn(Schema):
    version: int
    chair: uuid.UUID | None = None


class VitalsIn(Schema):
    sbp_mmhg: int
    dbp_mmhg: int
    hr_bpm: int | None = None
    spo2_pct: int | None = None
    rr_per_min: int | None = None
    symptoms: list[str] = []
    taken_at: dt.datetime | None = None


class PrechecksIn(Schema):
    version: int | None = None
    fasting_hours: Decimal | None = None
    liquids_hours: Decimal | None = None
    escort_confirmed: bool | None = None
    escort_name: str | None = None
    pregnancy: str | None = None
    pregnancy_note: str | None = None
    new_contraindication: bool | None = None
    contraindication_note: str | None = None
    vitals: VitalsIn | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None


class ReviewIn(Schema):
    version: int | None = None
    item: str
    reason: str


class VersionIn(Schema):
    version: int


class OrderIn(Schema):
    supersedes: uuid.UUID | None = None  # the active order you saw; null when none
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    basis: str | None = None
    mg_per_kg: Decimal | None = None
    minutes: int | None = None
    vial_mg_per_ml: Decimal | None = None
    vial_ml: Decimal | None = None
    bag_ml: Decimal | None = None
    dilution: str = "add"
    dose_mg: Decimal | None = None
    label: str | None = None
    titration_reason: str = ""
    override_reason: str = ""


class DoubleCheckIn(Schema):
    version: int
    order: uuid.UUID
    weight_kg: Decimal | None = None
    vial_mg_per_ml: Decimal | None = None
    rate_ml_per_h: Decimal | None = None
    devices: int | None = None
    lot: uuid.UUID | None = None


class CancelIn(Schema):
    version: int
    reason: str


def _name(user: Any) -> str:
    return str(user.signature_name) if user is not None else ""


def _check(check: DoseCheck) -> dict[str, object]:
    return {
        "order": check.order.public_id,
        "checked_at": check.checked_at,
        "checked_by": _name(check.checked_by),
        "matched": check.matched,
        "mismatched": [m["field"] for m in check.mismatches],
        "lot": check.lot.public_id if check.lot else None,
    }


def _order(order: DoseOrder) -> dict[str, object]:
    checks = list(order.checks.select_related("checked_by", "lot", "order"))
    return {
        "id": order.public_id,
        "ordered_at": order.ordered_at,
        "ordered_by": _name(order.ordered_by),
        "dose_mg": order.dose_mg,
        "weight_kg": order.weight_kg,
        "weight_basis": order.weight_basis,
        "mg_per_kg": order.mg_per_kg,
        "duration_min": order.duration_min,
        "vial_mg_per_ml": order.vial_mg_per_ml,
        "bag_ml": order.bag_ml,
        "drug_volume_ml": order.drug_volume_ml,
        "final_mg_per_ml": order.final_mg_per_ml,
        "rate_ml_per_h": order.rate_ml_per_h,
        "vtbi_ml": order.vtbi_ml,
        "devices": order.devices,
        "titration_reason": order.titration_reason,
        "override_reason": order.override_reason,
        "verified": any(c.matched for c in checks),
        "plan": order.plan,
        "checks": [_check(c) for c in checks],
    }


def _checklist(session: InfusionSession) -> dict[str, object]:
    current = services.checklist(session)
    items = []
    for label, item, result, row in current.lines():
        items.append(
            {
                "item": item.value,
                "label": label,
                "status": result.status if result else None,
                "hard_stop": bool(result and result.hard_stop),
                "blocking": bool(result and result.blocking),
                "message": result.message if result else "",
                "source": result.source.id if result else "",
                "override_reason": result.override_reason if result else "",
                "recorded_at": row.recorded_at if row else None,
                "recorded_by": _name(row.recorded_by) if row else None,
            }
        )
    return {
        "complete": current.complete,
        "missing": [i.value for i in current.completion.missing],
        "blocking": [r.item.value for r in current.completion.blocking],
        "items": items,
    }


def _out(request: AuthedRequest, session: InfusionSession) -> dict[str, object]:
    session.refresh_from_db()
    planned = session.planned
    out: dict[str, object] = {
        "id": session.public_id,
        "patient": session.patient.public_id,
        "state": session.state,
        "version": session.version,
        "scheduled_at": planned.scheduled_at,
        "chair": session.chair.name if session.chair else None,
        "allowed_events": [e.value for e in sm.allowed_events(sm.State(session.state))],
        "transitions": [
            {
                "seq": t.seq,
                "event": t.event,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "at": t.at,
                "by": _name(t.by),
                "reason": t.reason,
            }
            for t in session.transitions.select_related("by").order_by("seq")
        ],
    }
    if allowed(request.user, Action.VIEW_CLINICAL, session.site):
        active = orders.active_order(session)
        out |= {
            "modality": session.modality,
            "checklist": _checklist(session),
            "order": _order(active) if active else None,
        }
    return out


def _session(request: AuthedRequest, session_id: uuid.UUID, read: bool = False) -> InfusionSession:
    """The session of a patient the user may see (404 otherwise); a read writes a view row."""
    session = session_of(request.user, session_id)
    if read:
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=session.patient.public_id,
            object_type="api",
            object_id="infusion_session",
        )
    return session


Out = Status[dict[str, object]]
RESPONSES: dict[int, Any] = {200: SessionOut, 409: ErrorOut, 422: ErrorOut}


@router.get(SESSION, response=SessionOut)
def get_infusion_session(request: AuthedRequest, session_id: uuid.UUID) -> dict[str, object]:
    """The session's state, steps, checklist and active dose order."""
    return _out(request, _session(request, session_id, read=True))


@router.post(SESSION + "/check-in", response=RESPONSES)
def check_in_session(request: AuthedRequest, session_id: uuid.UUID, payload: CheckInIn) -> Out:
    session = _session(request, session_id)
    chair = None
    if payload.chair is not None:
        chair = Chair.objects.filter(site=session.site, public_id=payload.chair).first()
        if chair is None:
            raise ValidationError("chair", str(payload.chair), f"a chair at {session.site.name}")
    services.check_in(
        Actor.from_request(request), session, chair=chair, expected_version=payload.version
    )
    return Status(200, _out(request, session))


@router.post(SESSION + "/prechecks", response=RESPONSES)
def record_session_prechecks(
    request: AuthedRequest, session_id: uuid.UUID, payload: PrechecksIn
) -> Out:
    session = _session(request, session_id)
    data = payload.dict()
    vitals = data.pop("vitals")
    baseline = None
    if vitals is not None:
        vitals["symptoms"] = tuple(vitals.get("symptoms") or ())
        baseline = services.BaselineVitals(**vitals)
    services.record_prechecks(
        Actor.from_request(request),
        session,
        vitals=baseline,
        expected_version=data.pop("version"),
        **data,
    )
    return Status(200, _out(request, session))


@router.post(SESSION + "/review", response=RESPONSES)
def review_session_precheck(
    request: AuthedRequest, session_id: uuid.UUID, payload: ReviewIn
) -> Out:
    """A prescriber releases a failed hard stop (e.g. a high C-SSRS) with a reason."""
    session = _session(request, session_id)
    services.review_precheck(
        Actor.from_request(request),
        session,
        item=payload.item,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return Status(200, _out(request, session))


@router.post(SESSION + "/complete-prechecks", response=RESPONSES)
def complete_session_prechecks(
    request: AuthedRequest, session_id: uuid.UUID, payload: VersionIn
) -> Out:
    session = _session(request, session_id)
    services.complete_prechecks(
        Actor.from_request(request), session, expected_version=payload.version
    )
    return Status(200, _out(request, session))


@router.post(SESSION + "/order", response={201: OrderOut, 409: ErrorOut, 422: ErrorOut})
def order_session_dose(request: AuthedRequest, session_id: uuid.UUID, payload: OrderIn) -> Out:
    """Order the dose; `supersedes` names the active order you are replacing (null: none)."""
    session = _session(request, session_id)
    data = payload.dict()
    seen = data.pop("supersedes")
    order = orders.order_dose(
        Actor.from_request(request),
        session,
        expected_order=seen,
        **{k: v for k, v in data.items() if v is not None},
    )
    return Status(201, _order(order))


@router.post(SESSION + "/double-check", response={201: CheckOut, 409: ErrorOut, 422: ErrorOut})
def double_check_session_dose(
    request: AuthedRequest, session_id: uuid.UUID, payload: DoubleCheckIn
) -> Out:
    """A second clinician's own readings, compared with the active order."""
    session = _session(request, session_id)
    check = orders.double_check(
        Actor.from_request(request),
        session,
        order_id=payload.order,
        entered={
            "weight_kg": payload.weight_kg,
            "vial_mg_per_ml": payload.vial_mg_per_ml,
            "rate_ml_per_h": payload.rate_ml_per_h,
            "devices": payload.devices,
        },
        lot_id=payload.lot,
        expected_version=payload.version,
    )
    return Status(201, _check(check))


@router.post(SESSION + "/cancel", response=RESPONSES)
def cancel_infusion_session(
    request: AuthedRequest, session_id: uuid.UUID, payload: CancelIn
) -> Out:
    session = _session(request, session_id)
    services.cancel(
        Actor.from_request(request),
        session,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return Status(200, _out(request, session))
