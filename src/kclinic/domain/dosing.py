"""Dose plans for ketamine and esketamine (clinical reference 1.1-1.7, acceptance check 8.1).

The entry points:

- `plan_iv`: weight-based IV racemic ketamine infusion, with the drug volume to draw, the
  final bag volume and concentration, the pump rate (mL/h), mg/min and VTBI.
- `plan_im`: weight-based IM racemic ketamine and the volume to draw.
- `plan_intranasal` and `plan_esketamine` (from `dosing_nasal`): fixed nasal doses.

Every plan is checked against a `DosingProtocol` (`dosing_limits.DEFAULT_PROTOCOL` unless
given): hard limits raise `LimitError`, soft limits and notices come back as warnings, and
the plan records the protocol version, the dosing-weight basis used (`body_size`) and the
rounding rule (`dosing_rounding`), applied once to unrounded intermediates.

Preparing an IV infusion (the vial holds `vial_mg_per_ml`):

    drug volume = dose / vial concentration
    "add"      final volume = bag + drug volume   (the drug is added to a full bag)
    "replace"  final volume = bag                 (that volume of diluent is withdrawn first)
    no bag     final volume = drug volume         (undiluted, by syringe pump)
    final concentration = dose / final volume; pump rate = final volume x 60 / minutes

In "replace" mode a drug volume as large as the bag is refused (nothing would be left to
withdraw). In "add" mode a drug volume above the protocol's headroom fraction of the bag is a
notice. A drug volume above one vial (`vial_ml`) is a notice giving the number of vials.
"""

from __future__ import annotations

import math
from decimal import Decimal

from kclinic.domain import dosing_rounding as rounded
from kclinic.domain.body_size import (
    BASES,
    BodySize,
    DosingWeight,
    adjusted_body_weight_kg,
    bmi_kg_per_m2,
    choose_dosing_weight,
    height_in,
    ideal_body_weight_kg,
)
from kclinic.domain.dose_plan import BodySummary, Dilution, DosePlan, Drug, Route, weigh
from kclinic.domain.dosing_limits import (
    DEFAULT_PROTOCOL,
    DoseWarning,
    DosingProtocol,
    IvLimits,
    positive,
    refuse_above,
    refuse_outside,
    vial_concentration,
    warn_outside,
)
from kclinic.domain.dosing_nasal import plan_esketamine, plan_intranasal
from kclinic.domain.dosing_rounding import ROUNDING, RoundingRule
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.sources import Source
from kclinic.domain.units import Number

__all__ = [
    "BASES",
    "DEFAULT_PROTOCOL",
    "ROUNDING",
    "BodySize",
    "Dilution",
    "DosePlan",
    "DoseWarning",
    "DosingProtocol",
    "DosingWeight",
    "Drug",
    "RoundingRule",
    "Route",
    "adjusted_body_weight_kg",
    "bmi_kg_per_m2",
    "choose_dosing_weight",
    "height_in",
    "ideal_body_weight_kg",
    "plan_esketamine",
    "plan_im",
    "plan_intranasal",
    "plan_iv",
]

DILUTIONS: tuple[str, ...] = ("add", "replace")
VIAL_ARITHMETIC = Source(
    id="kclinic-vial-arithmetic",
    citation="Arithmetic: vials needed = drug volume / vial size, rounded up",
    confidence="derived",
)


def _dilution(value: str) -> Dilution:
    if value == "add":
        return "add"
    if value == "replace":
        return "replace"
    raise UnknownNameError("dilution", value, DILUTIONS)


def _vials(
    drug_volume_ml: Decimal, vial_ml: Number | None
) -> tuple[Decimal | None, int | None, tuple[DoseWarning, ...]]:
    """Vial size (mL), vials needed, and a notice when one vial is not enough."""
    if vial_ml is None:
        return None, None, ()
    size = positive(vial_ml, "vial_ml", "mL")
    needed = math.ceil(drug_volume_ml / size)
    if needed <= 1:
        return size, needed, ()
    notice = DoseWarning(
        "multiple-vials",
        f"the drug volume needs {needed} vials of {size} mL; record each vial and the waste",
        f"{size} mL per vial",
        VIAL_ARITHMETIC,
        override_required=False,
    )
    return size, needed, (notice,)


def _final_volume(
    drug_volume_ml: Decimal,
    bag_ml: Number | None,
    dilution: str,
    limits: IvLimits,
) -> tuple[Decimal | None, Decimal, Dilution | None, tuple[DoseWarning, ...]]:
    """Bag (mL), final volume (mL), dilution mode used, and warnings; see module docstring."""
    if bag_ml is None:
        return None, drug_volume_ml, None, ()
    mode = _dilution(dilution)
    bag_range = limits.bag_ml.value
    bag = positive(bag_ml, "bag_ml", "mL")
    if bag not in bag_range:
        raise ValidationError("bag_ml", bag_ml, str(bag_range))
    if mode == "replace":
        if drug_volume_ml >= bag:
            raise ValidationError(
                "bag_ml",
                bag_ml,
                f"more than the drug volume {rounded.volume_ml(drug_volume_ml)} mL",
                "'replace' withdraws that volume of diluent from the bag first",
            )
        return bag, bag, mode, ()
    headroom = limits.bag_headroom_fraction
    warnings: tuple[DoseWarning, ...] = ()
    if drug_volume_ml > bag * headroom.value:
        warnings = (
            DoseWarning(
                "bag-headroom",
                f"{rounded.volume_ml(drug_volume_ml)} mL of drug is added to a {bag} mL bag; "
                "confirm the bag can take it, or use 'replace' or a stronger vial",
                f"drug volume <= {headroom.value} x bag volume",
                headroom.source,
                override_required=False,
            ),
        )
    return bag, bag + drug_volume_ml, mode, warnings


def plan_iv(
    *,
    weight_kg: Number,
    mg_per_kg: Number,
    minutes: Number,
    height_cm: Number | None = None,
    sex: str | None = None,
    basis: str | None = None,
    vial_mg_per_ml: Number | None = None,
    vial_ml: Number | None = None,
    bag_ml: Number | None = None,
    dilution: str = "add",
    protocol: DosingProtocol = DEFAULT_PROTOCOL,
) -> DosePlan:
    """Plan an IV racemic ketamine infusion (Andrade 2017; Fava 2018; clinical reference 1.1).

    Inputs: weight in kg, height in cm, sex male|female, dose in mg/kg, duration in minutes,
    vial strength in mg/mL, vial size and diluent bag in mL, dilution "add"|"replace", and
    the dosing-weight basis (protocol default "actual"). Without a vial strength only the dose
    and mg/min are computed; a bag needs a vial strength.

    Raises ValidationError for implausible or missing input and LimitError for a hard-limit
    breach (mg/kg above 1.0, minutes outside 2-100, dose above the derived 115 mg cap).
    """
    limits = protocol.iv
    weight, warnings = weigh(protocol, weight_kg, height_cm, sex, basis)
    dose_per_kg = positive(mg_per_kg, "mg_per_kg", "mg/kg")
    refuse_above(dose_per_kg, limits.mg_per_kg_max, "mg_per_kg", "mg/kg")
    duration = positive(minutes, "minutes", "min")
    refuse_outside(duration, limits.minutes, "minutes")
    dose = weight.kg * dose_per_kg
    refuse_above(dose, limits.dose_mg_max, "dose_mg", "mg")
    warnings += warn_outside(dose_per_kg, limits.mg_per_kg_usual, "mg-per-kg-outside-usual", "dose")
    warnings += warn_outside(duration, limits.minutes_usual, "minutes-outside-usual", "duration")

    strength: Decimal | None = None
    drug_volume = final_volume = final_concentration = rate = None
    bag: Decimal | None = None
    size: Decimal | None = None
    needed: int | None = None
    mode: Dilution | None = None
    if vial_mg_per_ml is not None:
        strength, found = vial_concentration(vial_mg_per_ml, limits)
        drug_volume = dose / strength
        size, needed, vial_notes = _vials(drug_volume, vial_ml)
        bag, final_volume, mode, bag_notes = _final_volume(drug_volume, bag_ml, dilution, limits)
        warnings += found + vial_notes + bag_notes
        final_concentration = dose / final_volume
        rate = final_volume * 60 / duration
    elif bag_ml is not None:
        raise ValidationError(
            "vial_mg_per_ml", None, "a vial strength in mg/mL", "required to prepare a bag"
        )

    return DosePlan(
        route="iv",
        drug="ketamine",
        protocol_version=protocol.version,
        dose_mg=rounded.dose_mg(dose),
        dosing_weight_kg=rounded.weight_kg(weight.kg),
        dosing_weight_basis=weight.basis,
        dosing_weight_used=weight.used,
        body=BodySummary.of(weight.body),
        mg_per_kg=dose_per_kg,
        minutes=duration,
        vial_mg_per_ml=strength,
        vial_ml=size,
        vials_needed=needed,
        bag_ml=bag,
        dilution=mode,
        drug_volume_ml=rounded.volume_ml(drug_volume),
        final_volume_ml=rounded.volume_ml(final_volume),
        final_mg_per_ml=rounded.concentration_mg_per_ml(final_concentration),
        rate_ml_per_h=rounded.rate_ml_per_h(rate),
        rate_mg_per_min=rounded.rate_mg_per_min(dose / duration),
        vtbi_ml=rounded.volume_ml(final_volume),
        warnings=warnings,
    )


def plan_im(
    *,
    weight_kg: Number,
    mg_per_kg: Number,
    height_cm: Number | None = None,
    sex: str | None = None,
    basis: str | None = None,
    vial_mg_per_ml: Number | None = None,
    vial_ml: Number | None = None,
    protocol: DosingProtocol = DEFAULT_PROTOCOL,
) -> DosePlan:
    """Plan an IM racemic ketamine dose (Chilukuri 2014: 0.25-0.5 mg/kg; reference 1.6).

    Weight in kg, dose in mg/kg, vial strength in mg/mL; returns the dose (mg) and, given a
    vial strength, the volume to draw (mL). Same weight bases and hard caps as `plan_iv`.
    """
    limits = protocol.im
    weight, warnings = weigh(protocol, weight_kg, height_cm, sex, basis)
    dose_per_kg = positive(mg_per_kg, "mg_per_kg", "mg/kg")
    refuse_above(dose_per_kg, limits.mg_per_kg_max, "mg_per_kg", "mg/kg")
    dose = weight.kg * dose_per_kg
    refuse_above(dose, limits.dose_mg_max, "dose_mg", "mg")
    warnings += warn_outside(dose_per_kg, limits.mg_per_kg_usual, "mg-per-kg-outside-usual", "dose")

    strength: Decimal | None = None
    volume: Decimal | None = None
    size: Decimal | None = None
    needed: int | None = None
    if vial_mg_per_ml is not None:
        strength, found = vial_concentration(vial_mg_per_ml, protocol.iv)
        volume = dose / strength
        size, needed, vial_notes = _vials(volume, vial_ml)
        warnings += found + vial_notes
        largest = limits.volume_ml_max
        if volume > largest.value:
            warnings += (
                DoseWarning(
                    "im-volume-large",
                    f"{rounded.volume_ml(volume)} mL is a large IM injection; use a stronger "
                    "vial or split sites",
                    f"at most {largest.value} mL per IM injection",
                    largest.source,
                ),
            )

    return DosePlan(
        route="im",
        drug="ketamine",
        protocol_version=protocol.version,
        dose_mg=rounded.dose_mg(dose),
        dosing_weight_kg=rounded.weight_kg(weight.kg),
        dosing_weight_basis=weight.basis,
        dosing_weight_used=weight.used,
        body=BodySummary.of(weight.body),
        mg_per_kg=dose_per_kg,
        vial_mg_per_ml=strength,
        vial_ml=size,
        vials_needed=needed,
        drug_volume_ml=rounded.volume_ml(volume),
        final_volume_ml=rounded.volume_ml(volume),
        final_mg_per_ml=rounded.concentration_mg_per_ml(strength),
        warnings=warnings,
    )
