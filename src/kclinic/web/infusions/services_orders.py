"""A session's dose order (prescriber) and its independent double check (a second clinician).

The dose comes from the core dose plan (kclinic.domain.session_orders.plan_for) under the
clinic's dosing protocol: a hard-limit breach is refused, a soft-limit breach needs the
prescriber's reason, a dose different from the previous session of the same course needs a
titration reason. An order is never edited: a new one supersedes it. The double check stores
every attempt (matched or not); a match moves the session to dose_verified, a mismatch is
refused naming the fields but never showing the ordered values (the check stays independent).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from kclinic.domain import session_orders as rules
from kclinic.domain import session_states as sm
from kclinic.domain.dose_plan import DosePlan
from kclinic.domain.dosing import DosingProtocol
from kclinic.domain.errors import ValidationError
from kclinic.domain.sources import Cited
from kclinic.domain.units import Number, round_half_up, to_decimal
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import PlannedSession, SessionStatus
from kclinic.web.infusions.models import DoseCheck, DoseOrder, InfusionSession
from kclinic.web.infusions.policies import dosing_protocol
from kclinic.web.infusions.services_lifecycle import apply_event, lock
from kclinic.web.inventory.models import Balance, Lot
from kclinic.web.patients.services import ConflictError

ORDERABLE: Final = (sm.State.SCHEDULED, sm.State.CHECKED_IN, sm.State.PRECHECKS_DONE)
# States of a session in which drug has been given.
GIVEN: Final = tuple(
    s.value
    for s in (
        sm.State.INFUSING,
        sm.State.PAUSED,
        sm.State.INFUSION_ENDED,
        sm.State.RECOVERY,
        sm.State.DISCHARGED,
        sm.State.ABORTED,
    )
)
# The pump takes a volume to be infused in 0.1 mL steps (the plan keeps 0.01 mL).
VTBI_STEP: Final = Decimal("0.1")


class Unchecked:
    """Marker: the caller did not say which order it saw (scripts, the demo loader)."""


UNCHECKED: Final = Unchecked()


class CheckMismatch(ValidationError):
    """The checker's entries differ from the order. Names the fields, never the ordered
    values, so that a second attempt is still an independent reading."""

    def __init__(self, check: DoseCheck, fields: list[str]) -> None:
        self.check = check
        self.fields = fields
        super().__init__(
            fields[0],
            check.entered.get(fields[0]),
            "the value on the order: re-check the scale, the vial label and the pump; if the "
            "order is wrong, the prescriber orders again",
            "do not match the order: " + ", ".join(fields),
        )


# --- reads (the contract with the monitoring and discharge parts) -------------------------


def active_order(session: InfusionSession) -> DoseOrder | None:
    """The latest order no later one has superseded."""
    return (
        session.orders.filter(superseded_by__isnull=True)
        .select_related("ordered_by")
        .order_by("ordered_at", "id")
        .last()
    )


def verified_order(session: InfusionSession) -> DoseOrder | None:
    """The active order when a second clinician's check of it matched."""
    order = active_order(session)
    if order is not None and order.checks.filter(matched=True).exists():
        return order
    return None


def orders_of(session: InfusionSession) -> QuerySet[DoseOrder]:
    return session.orders.select_related("ordered_by", "superseded_by").order_by("ordered_at", "id")


def previous_order(session: InfusionSession) -> DoseOrder | None:
    """The verified order of the latest earlier session of the same course (not cancelled):
    the dose the patient last had prepared, which a titration is measured against."""
    planned = session.planned
    earlier = (
        InfusionSession.objects.filter(
            planned__course_id=planned.course_id, planned__scheduled_at__lt=planned.scheduled_at
        )
        .exclude(state=sm.State.CANCELLED)
        .order_by("-planned__scheduled_at")
    )
    for other in earlier:
        found = verified_order(other)
        if found is not None:
            return found
    return None


def first_session(session: InfusionSession) -> bool:
    """No other session of the course has been given yet (the esketamine label's day 1)."""
    course_id = session.planned.course_id
    completed = PlannedSession.objects.filter(
        course_id=course_id, status=SessionStatus.COMPLETED
    ).exclude(pk=session.planned_id)
    given = InfusionSession.objects.filter(planned__course_id=course_id, state__in=GIVEN).exclude(
        pk=session.pk
    )
    return not completed.exists() and not given.exists()


# --- order -------------------------------------------------------------------------------


def _places(value: Decimal | None, field: str, places: int) -> Decimal | None:
    if value is not None and value != round_half_up(value, Decimal(1).scaleb(-places)):
        raise ValidationError(field, str(value), f"a number with at most {places} decimal places")
    return value


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _limits(plan: DosePlan, dosing: DosingProtocol) -> dict[str, Any]:
    """The protocol limits the plan was checked against, each with its source."""
    cited: dict[str, Cited[Any]]
    if plan.drug == "esketamine":
        cited = {"dose_mg_max": dosing.esketamine.dose_mg_max}
    elif plan.route == "iv":
        cited = {
            "mg_per_kg_max": dosing.iv.mg_per_kg_max,
            "mg_per_kg_usual": dosing.iv.mg_per_kg_usual,
            "minutes": dosing.iv.minutes,
            "dose_mg_max": dosing.iv.dose_mg_max,
        }
    elif plan.route == "im":
        cited = {"mg_per_kg_max": dosing.im.mg_per_kg_max, "dose_mg_max": dosing.im.dose_mg_max}
    else:
        cited = {"dose_mg_max": dosing.intranasal.dose_mg_max}
    return {k: {"value": str(c.value), "source": c.source.as_dict()} for k, c in cited.items()}


def order_dose(
    actor: Actor,
    session: InfusionSession,
    *,
    weight_kg: Number | None = None,
    height_cm: Number | None = None,
    mg_per_kg: Number | None = None,
    minutes: Number | None = None,
    vial_mg_per_ml: Number | None = None,
    vial_ml: Number | None = None,
    bag_ml: Number | None = None,
    dilution: str = "add",
    basis: str | None = None,
    dose_mg: Number | None = None,
    label: str | None = None,
    titration_reason: str = "",
    override_reason: str = "",
    expected_order: uuid.UUID | Unchecked | None = UNCHECKED,
    at: dt.datetime | None = None,
) -> DoseOrder:
    """Order the session's dose; it supersedes the active order, if any.

    Without a weight the patient's latest measured weight (and height) is used. The order is
    refused after the dose is verified, above a hard limit (LimitError), outside a soft limit
    without `override_reason`, and as a titration without `titration_reason`.
    `expected_order` is the active order the prescriber saw (None: none); if another order
    has been placed since, ConflictError."""
    user = actor.signed_in()
    require(user, Action.ORDER_DOSE, session.site)
    at = at or timezone.now()
    patient = session.patient
    measured = patient.measurements.order_by("-measured_at").first()
    if weight_kg is None or weight_kg == "":
        if measured is None:
            raise ValidationError("weight_kg", None, "a weight in kg (weigh the patient first)")
        weight_kg = measured.weight_kg
        if height_cm is None and measured.height_cm is not None:
            height_cm = measured.height_cm
    if height_cm is None:
        height_cm = (
            patient.measurements.exclude(height_cm=None).values_list("height_cm", flat=True).first()
        )
    # Inputs finer than the record keeps are refused, not silently rounded.
    for value, field, places in (
        (weight_kg, "weight_kg", 2),
        (height_cm, "height_cm", 1),
        (mg_per_kg, "mg_per_kg", 3),
        (vial_mg_per_ml, "vial_mg_per_ml", 2),
        (bag_ml, "bag_ml", 1),
    ):
        if value is not None and value != "":
            _places(to_decimal(value, field), field, places)
    with transaction.atomic():
        fresh = lock(session)
        if fresh.state not in ORDERABLE:
            raise ValidationError(
                "state",
                fresh.state,
                ", ".join(s.value for s in ORDERABLE),
                "a verified dose is not re-ordered; cancel the session if it must change",
            )
        current = active_order(fresh)
        if not isinstance(expected_order, Unchecked) and expected_order != (
            current.public_id if current else None
        ):
            raise ConflictError(
                "another dose order was placed since you opened the page; reload to see it"
            )
        dosing = dosing_protocol()
        wanted = rules.OrderInput(
            modality=fresh.modality,
            weight_kg=weight_kg,
            age_years=patient.age_on(timezone.localdate(at)),
            first_session=first_session(fresh),
            height_cm=height_cm,
            sex=patient.sex,
            basis=basis or None,
            mg_per_kg=mg_per_kg,
            minutes=minutes,
            vial_mg_per_ml=vial_mg_per_ml,
            vial_ml=vial_ml,
            bag_ml=bag_ml,
            dilution=dilution,
            dose_mg=dose_mg,
            label=label or None,
        )
        plan = rules.plan_for(wanted, dosing)
        amount, unit = rules.titration_amount(fresh.modality, plan)
        before = previous_order(fresh)
        previous = None
        if before is not None:
            previous = before.mg_per_kg if unit == "mg/kg" else before.dose_mg
        titration = rules.titration_reason(previous, amount, unit, titration_reason)
        override = ""
        if plan.override_required:
            override = override_reason.strip()
            if not override:
                needing = "; ".join(w.message for w in plan.warnings if w.override_required)
                raise ValidationError("override_reason", "", "a prescriber's reason", needing)
        order = _store(fresh, plan, user, at, wanted, dosing, titration, override, before)
        if current is not None:
            current.superseded_by = order
            current.save(update_fields=["superseded_by"])
        record(
            actor,
            "order_dose",
            patient_public_id=patient.public_id,
            object_type="dose_order",
            object_id=order.public_id,
            detail={
                "session": str(fresh.public_id),
                "dose_mg": str(order.dose_mg),
                "mg_per_kg": str(order.mg_per_kg) if order.mg_per_kg is not None else None,
                "supersedes": str(current.public_id) if current else None,
                "titration_reason": titration,
                "override_reason": override,
                "warnings": [w.code for w in plan.warnings],
                "protocol_version": plan.protocol_version,
            },
            at=at,
        )
    return order


def _store(
    session: InfusionSession,
    plan: DosePlan,
    user: Any,
    at: dt.datetime,
    wanted: rules.OrderInput,
    dosing: DosingProtocol,
    titration: str,
    override: str,
    before: DoseOrder | None,
) -> DoseOrder:
    minutes = plan.minutes
    if minutes is not None and minutes != minutes.to_integral_value():
        raise ValidationError("minutes", str(minutes), "whole minutes")
    weight = plan.body.actual_weight_kg if plan.body else Decimal(str(wanted.weight_kg))
    data = plan.as_dict() | {
        "limits": _limits(plan, dosing),
        "previous_order": str(before.public_id) if before else None,
    }
    return DoseOrder.objects.create(
        session=session,
        ordered_at=at,
        ordered_by=user,
        weight_kg=weight,
        height_cm=plan.body.height_cm if plan.body else None,
        weight_basis=plan.dosing_weight_basis or "",
        mg_per_kg=plan.mg_per_kg,
        dose_mg=plan.dose_mg,
        duration_min=int(minutes) if minutes is not None else None,
        vial_mg_per_ml=plan.vial_mg_per_ml,
        bag_ml=plan.bag_ml,
        drug_volume_ml=plan.drug_volume_ml,
        final_mg_per_ml=plan.final_mg_per_ml,
        rate_ml_per_h=plan.rate_ml_per_h,
        vtbi_ml=None if plan.vtbi_ml is None else round_half_up(plan.vtbi_ml, VTBI_STEP),
        devices=plan.devices,
        plan=_json(data),
        titration_reason=titration,
        override_reason=override,
    )


# --- double check ------------------------------------------------------------------------


def eligible_lots(session: InfusionSession, order: DoseOrder, today: dt.date) -> QuerySet[Lot]:
    """Lots the checker may record: the ordered product, not expired, in stock at the
    session's site (in one of its safes, or already dispensed to this session)."""
    held = Balance.objects.filter(mg__gt=0).filter(
        Q(account__startswith=f"loc:{session.site.code}/") | Q(account=session.ledger_account)
    )
    lots = Lot.objects.filter(pk__in=held.values("lot_id"), expiry_date__gte=today)
    if order.devices is not None:
        lots = lots.filter(product__form="nasal_device")
    else:
        lots = lots.filter(
            product__form="vial", product__concentration_mg_per_ml=order.vial_mg_per_ml
        )
    return lots.select_related("product").order_by("expiry_date", "lot_number")


def _lot(session: InfusionSession, order: DoseOrder, lot_id: uuid.UUID, today: dt.date) -> Lot:
    lot = Lot.objects.select_related("product").filter(public_id=lot_id).first()
    if lot is None:
        raise ValidationError("lot", str(lot_id), "a lot in the inventory")
    shown = f"{lot.product.name} lot {lot.lot_number}"
    if lot.expiry_date < today:
        raise ValidationError("lot", shown, "a lot not expired", f"expired {lot.expiry_date}")
    if not eligible_lots(session, order, today).filter(pk=lot.pk).exists():
        raise ValidationError(
            "lot", shown, f"a lot of the ordered product in stock at {session.site.name}"
        )
    return lot


def double_check(
    actor: Actor,
    session: InfusionSession,
    *,
    order_id: uuid.UUID,
    entered: Mapping[str, Number | None],
    lot_id: uuid.UUID | None = None,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> DoseCheck:
    """A second clinician's independent check of the active order `order_id`.

    `entered` holds their own readings of the fields of session_orders.CHECK_FIELDS (weight,
    vial strength and, for IV, the pump rate). The check is stored either way. On a match
    the session moves to dose_verified; on a mismatch CheckMismatch names the fields (the
    failed check is kept). The prescriber who ordered may not check their own order."""
    user = actor.signed_in()
    require(user, Action.VERIFY_DOSE, session.site)
    at = at or timezone.now()
    with transaction.atomic():
        fresh = lock(session, expected_version)
        if fresh.state != sm.State.PRECHECKS_DONE:
            raise ValidationError(
                "state", fresh.state, "prechecks_done (the checklist completed, not yet verified)"
            )
        order = active_order(fresh)
        if order is None:
            raise ValidationError("order", None, "an active dose order (a prescriber orders first)")
        if order.public_id != order_id:
            raise ConflictError("the dose was ordered again since you opened the page; reload")
        if order.ordered_by_id == user.pk:
            raise ValidationError(
                "checked_by",
                user.username,
                "a clinician other than the prescriber who ordered the dose",
            )
        ordered = {
            "weight_kg": order.weight_kg,
            "vial_mg_per_ml": order.vial_mg_per_ml,
            "rate_ml_per_h": order.rate_ml_per_h,
            "devices": order.devices,
        }
        parsed, mismatches = rules.compare(fresh.modality, ordered, entered)
        lot = None if lot_id is None else _lot(fresh, order, lot_id, timezone.localdate(at))
        check = DoseCheck.objects.create(
            order=order,
            checked_at=at,
            checked_by=user,
            entered={k: str(v) for k, v in parsed.items()},
            mismatches=[m.as_dict() for m in mismatches],
            matched=not mismatches,
            lot=lot,
        )
        record(
            actor,
            "double_check",
            patient_public_id=fresh.patient.public_id,
            object_type="dose_order",
            object_id=order.public_id,
            detail={
                "matched": check.matched,
                "mismatched": [m.field for m in mismatches],
                "lot": f"{lot.product.ndc} {lot.lot_number}" if lot else None,
            },
            at=at,
        )
        if not mismatches:
            apply_event(
                actor,
                fresh,
                sm.Event.VERIFY_DOSE,
                at=at,
                expected_version=expected_version,
                detail={"order": str(order.public_id)},
            )
    if mismatches:
        # Raised after the commit: the failed check stays in the record.
        raise CheckMismatch(check, [m.field for m in mismatches])
    session.refresh_from_db()
    return check
