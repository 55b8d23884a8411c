"""A session's dose order and its independent double check (clinical reference 1.1-1.7, 8.1).

- `plan_for`: the core dose plan for a course's modality (IV, IM, intranasal racemic
  ketamine or esketamine) from what the prescriber entered.
- `titration_reason`: a dose that differs from the previous session's order of the same
  course is a titration (reference 1.4: e.g. 0.5 -> 0.75 mg/kg) and needs a reason.
- `compare`: the second clinician's independent entries against the order, field by field.
- `dosing_protocol_from_overrides`: the clinic's "dosing" protocol section applied to the
  cited defaults. A clinic may narrow the hard limits, never widen them past the highest
  studied dose (Fava 2018) or the derived mg cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Final

from kclinic.domain.body_size import BASES
from kclinic.domain.courses_phases import REASON_MIN_CHARS
from kclinic.domain.courses_templates import MODALITIES
from kclinic.domain.dose_plan import DosePlan
from kclinic.domain.dosing import DEFAULT_PROTOCOL, DosingProtocol, plan_im, plan_iv
from kclinic.domain.dosing_limits import JURISDICTIONS, Range
from kclinic.domain.dosing_nasal import plan_esketamine, plan_intranasal
from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.prechecks_policy import section_source
from kclinic.domain.sources import Cited, Source
from kclinic.domain.units import Number, to_decimal

# What the second clinician re-enters, per modality: the weight and the strength of what is
# drawn up, and for an IV infusion the rate programmed on the pump (design rule 3).
CHECK_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "iv-racemic": ("weight_kg", "vial_mg_per_ml", "rate_ml_per_h"),
    "im-racemic": ("weight_kg", "vial_mg_per_ml"),
    "intranasal-racemic": ("weight_kg", "vial_mg_per_ml"),
    "esketamine": ("weight_kg", "devices"),
}
WEIGHT_BASED: Final = ("iv-racemic", "im-racemic")


def _modality(value: str) -> str:
    if value not in MODALITIES:
        raise UnknownNameError("modality", value, MODALITIES)
    return value


@dataclass(frozen=True)
class OrderInput:
    """What a prescriber orders: kg, cm, mg/kg, minutes, mg/mL, mL, mg. Unused fields None.

    `age_years` and `first_session` matter for esketamine (label doses by session and age).
    """

    modality: str
    weight_kg: Number
    age_years: int
    first_session: bool = False
    height_cm: Number | None = None
    sex: str | None = None
    basis: str | None = None
    mg_per_kg: Number | None = None
    minutes: Number | None = None
    vial_mg_per_ml: Number | None = None
    vial_ml: Number | None = None
    bag_ml: Number | None = None
    dilution: str = "add"
    dose_mg: Number | None = None
    label: str | None = None


def _required(value: Number | None, field: str, what: str) -> Number:
    if value is None or value == "":
        raise ValidationError(field, None, what)
    return value


def plan_for(order: OrderInput, protocol: DosingProtocol = DEFAULT_PROTOCOL) -> DosePlan:
    """The dose plan for `order.modality`, checked against `protocol`.

    IV and IM need mg/kg and the vial strength (the double check re-enters it); IV also the
    minutes. Intranasal racemic ketamine and esketamine take a fixed dose in mg. Raises
    LimitError above a hard limit and ValidationError for missing or implausible input.
    """
    modality = _modality(order.modality)
    sex = order.sex if order.sex in ("male", "female") else None
    if modality == "iv-racemic":
        return plan_iv(
            weight_kg=order.weight_kg,
            mg_per_kg=_required(order.mg_per_kg, "mg_per_kg", "a dose in mg/kg"),
            minutes=_required(order.minutes, "minutes", "an infusion time in minutes"),
            height_cm=order.height_cm,
            sex=sex,
            basis=order.basis,
            vial_mg_per_ml=_required(order.vial_mg_per_ml, "vial_mg_per_ml", "a vial strength"),
            vial_ml=order.vial_ml,
            bag_ml=order.bag_ml,
            dilution=order.dilution,
            protocol=protocol,
        )
    if modality == "im-racemic":
        return plan_im(
            weight_kg=order.weight_kg,
            mg_per_kg=_required(order.mg_per_kg, "mg_per_kg", "a dose in mg/kg"),
            height_cm=order.height_cm,
            sex=sex,
            basis=order.basis,
            vial_mg_per_ml=_required(order.vial_mg_per_ml, "vial_mg_per_ml", "a vial strength"),
            vial_ml=order.vial_ml,
            protocol=protocol,
        )
    dose = _required(order.dose_mg, "dose_mg", "a dose in mg")
    if modality == "intranasal-racemic":
        return plan_intranasal(
            dose_mg=dose,
            concentration_mg_per_ml=order.vial_mg_per_ml,
            weight_kg=order.weight_kg,
            height_cm=order.height_cm,
            sex=sex,
            protocol=protocol,
        )
    return plan_esketamine(
        dose_mg=dose,
        first_session=order.first_session,
        age_years=order.age_years,
        label=order.label,
        weight_kg=order.weight_kg,
        height_cm=order.height_cm,
        sex=sex,
        protocol=protocol,
    )


def titration_amount(modality: str, plan: DosePlan) -> tuple[Decimal, str]:
    """What titration compares between sessions: mg/kg for weight-based routes, else mg."""
    if _modality(modality) in WEIGHT_BASED and plan.mg_per_kg is not None:
        return plan.mg_per_kg, "mg/kg"
    return plan.dose_mg, "mg"


def _plain(value: Decimal) -> str:
    # 0.500 (as stored) and 0.5 (as typed) read the same: no trailing zeros, no exponent.
    return f"{value.normalize():f}"


def titration_reason(previous: Decimal | None, new: Decimal, unit: str, reason: str) -> str:
    """The stripped reason a titration needs, "" when the dose is unchanged (or first).

    A change from the previous session's order needs a reason of at least REASON_MIN_CHARS
    characters (reference 1.4: escalation steps are the prescriber's documented decision).
    """
    if previous is None or previous == new:
        return ""
    text = reason.strip()
    if len(text) < REASON_MIN_CHARS:
        raise ValidationError(
            "titration_reason",
            text,
            f"a reason of at least {REASON_MIN_CHARS} characters",
            f"the dose changes from {_plain(previous)} {unit} last session to {_plain(new)} {unit}",
        )
    return text


@dataclass(frozen=True)
class Mismatch:
    """One re-entered field that differs from the order (values as text)."""

    field: str
    ordered: str
    entered: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "ordered": self.ordered, "entered": self.entered}


def check_fields(modality: str) -> tuple[str, ...]:
    return CHECK_FIELDS[_modality(modality)]


def compare(
    modality: str,
    ordered: Mapping[str, Decimal | int | None],
    entered: Mapping[str, Number | None],
) -> tuple[dict[str, Decimal], tuple[Mismatch, ...]]:
    """The checker's entries (parsed) and the fields that differ from the order.

    Numbers are compared by value (80 = 80.00); every field of CHECK_FIELDS must be given.
    An order without a value for a field (none was ordered) counts as a mismatch.
    """
    parsed: dict[str, Decimal] = {}
    mismatches: list[Mismatch] = []
    for name in check_fields(modality):
        raw = entered.get(name)
        if raw is None or raw == "":
            raise ValidationError(name, None, "your own reading (re-enter it independently)")
        value = to_decimal(raw, name)
        if value <= 0:
            raise ValidationError(name, raw, "a number greater than 0")
        parsed[name] = value
        expected = ordered.get(name)
        if expected is None or Decimal(expected) != value:
            mismatches.append(Mismatch(name, "" if expected is None else str(expected), str(value)))
    return parsed, tuple(mismatches)


# --- the clinic's overrides -----------------------------------------------------------------

OVERRIDE_KEYS: Final[tuple[str, ...]] = (
    "source",
    "version",
    "default_basis",
    "iv_mg_per_kg_max",
    "iv_mg_per_kg_usual",
    "iv_minutes_usual",
    "iv_dose_mg_max",
    "esketamine_label",
)
CLINIC_DOSING: Final = Source(
    id="clinic-protocol",
    citation="the clinic's own protocol (KCLINIC_PROTOCOL_FILE, section dosing)",
    confidence="policy",
)


def _key(name: str) -> str:
    return f"dosing.{name}"


def _at_most(name: str, value: object, ceiling: Decimal, unit: str) -> Decimal:
    number = to_decimal(value, _key(name))
    if not Decimal(0) < number <= ceiling:
        raise OutOfRangeError(_key(name), value, "> 0", ceiling, unit)
    return number


def _pair(name: str, value: object, within: Range) -> Range:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValidationError(_key(name), value, f"[lowest, highest] {within.unit}")
    low, high = (to_decimal(v, _key(name)) for v in value)
    if not within.low <= low < high <= within.high:
        raise ValidationError(_key(name), value, f"lowest < highest within {within}")
    return Range(low, high, within.unit)


def dosing_protocol_from_overrides(
    overrides: Mapping[str, Any],
    source: Source = CLINIC_DOSING,
    base: DosingProtocol = DEFAULT_PROTOCOL,
) -> DosingProtocol:
    """`base` with the clinic's dosing choices, each cited to `source`.

    iv_mg_per_kg_max (the hard ceiling) and iv_dose_mg_max may only be lowered; the usual
    (soft) ranges must lie inside the hard ones; names must exist. The version becomes the
    clinic's "version" or "<base version>+clinic"; "source" is the section's own citation.
    """
    for name in overrides:
        if name not in OVERRIDE_KEYS:
            raise UnknownNameError("dosing", name, OVERRIDE_KEYS)
    source = section_source(overrides, "dosing", source)
    iv = base.iv
    protocol = base
    if "iv_mg_per_kg_max" in overrides:
        ceiling = _at_most(
            "iv_mg_per_kg_max", overrides["iv_mg_per_kg_max"], iv.mg_per_kg_max.value, "mg/kg"
        )
        iv = replace(iv, mg_per_kg_max=Cited(ceiling, source))
    if "iv_dose_mg_max" in overrides:
        cap = _at_most("iv_dose_mg_max", overrides["iv_dose_mg_max"], iv.dose_mg_max.value, "mg")
        iv = replace(iv, dose_mg_max=Cited(cap, source))
    if "iv_mg_per_kg_usual" in overrides:
        hard = Range(Decimal(0), iv.mg_per_kg_max.value, "mg/kg")
        usual = _pair("iv_mg_per_kg_usual", overrides["iv_mg_per_kg_usual"], hard)
        iv = replace(iv, mg_per_kg_usual=Cited(usual, source))
    elif iv.mg_per_kg_usual.value.high > iv.mg_per_kg_max.value:
        raise ValidationError(
            _key("iv_mg_per_kg_usual"),
            str(iv.mg_per_kg_usual.value),
            f"a usual range at or below the ceiling {iv.mg_per_kg_max.value} mg/kg",
        )
    if "iv_minutes_usual" in overrides:
        usual = _pair("iv_minutes_usual", overrides["iv_minutes_usual"], iv.minutes.value)
        iv = replace(iv, minutes_usual=Cited(usual, source))
    protocol = replace(protocol, iv=iv)
    if "default_basis" in overrides:
        basis = overrides["default_basis"]
        if basis not in BASES:
            raise UnknownNameError(_key("default_basis"), basis, BASES)
        protocol = replace(protocol, default_basis=Cited(basis, source))
    if "esketamine_label" in overrides:
        label = overrides["esketamine_label"]
        if label not in JURISDICTIONS:
            raise UnknownNameError(_key("esketamine_label"), label, JURISDICTIONS)
        esketamine = replace(protocol.esketamine, default_label=Cited(label, source))
        protocol = replace(protocol, esketamine=esketamine)
    version = overrides.get("version")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise ValidationError(_key("version"), version, "a non-blank protocol version")
    if overrides:
        protocol = replace(protocol, version=(version or f"{base.version}+clinic").strip())
    return protocol
