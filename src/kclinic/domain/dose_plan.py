"""The result every dose calculation returns, and the patient checks all routes share.

`DosePlan` has one shape for every route and drug, so the CLI's `--json` and later API
clients read the same keys everywhere; fields that do not apply to a route are None. All
quantities in a plan are rounded once, by `dosing_rounding.ROUNDING`, when the plan is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from kclinic.domain import dosing_rounding as rounded
from kclinic.domain.body_size import (
    ACTUAL_BELOW_IDEAL_RULE,
    Basis,
    BodySize,
    DosingWeight,
    Sex,
    WeightUsed,
    choose_dosing_weight,
)
from kclinic.domain.dosing_limits import DoseWarning, DosingProtocol, plausible, warn_outside
from kclinic.domain.dosing_rounding import ROUNDING, RoundingRule
from kclinic.domain.dosing_sources import SINGH_2019_SANACORA
from kclinic.domain.units import Number, round_half_up

Route = Literal["iv", "im", "in"]
Drug = Literal["ketamine", "esketamine"]
Dilution = Literal["add", "replace"]


@dataclass(frozen=True)
class DosePlan:
    """A dose and how to give it. Units are in the names; values are rounded (see ROUNDING).

    `minutes` is the infusion duration (IV) or the time from first to last nasal application.
    `warnings` holds soft-limit breaches (`override_required`) and notices.
    """

    route: Route
    drug: Drug
    protocol_version: str
    dose_mg: Decimal
    dosing_weight_kg: Decimal | None = None
    dosing_weight_basis: Basis | None = None
    dosing_weight_used: WeightUsed | None = None
    body: BodySummary | None = None
    mg_per_kg: Decimal | None = None
    minutes: Decimal | None = None
    vial_mg_per_ml: Decimal | None = None
    vial_ml: Decimal | None = None
    vials_needed: int | None = None
    bag_ml: Decimal | None = None
    dilution: Dilution | None = None
    drug_volume_ml: Decimal | None = None
    final_volume_ml: Decimal | None = None
    final_mg_per_ml: Decimal | None = None
    rate_ml_per_h: Decimal | None = None
    rate_mg_per_min: Decimal | None = None
    vtbi_ml: Decimal | None = None
    applications: int | None = None
    application_mg: Decimal | None = None
    application_volume_ml: Decimal | None = None
    interval_min: Decimal | None = None
    devices: int | None = None
    label: str | None = None
    first_session: bool | None = None
    label_first_dose_mg: Decimal | None = None
    warnings: tuple[DoseWarning, ...] = ()
    rounding: RoundingRule = field(default=ROUNDING)

    @property
    def override_required(self) -> bool:
        """True when any warning is a soft-limit breach needing a prescriber's reason."""
        return any(warning.override_required for warning in self.warnings)

    def as_dict(self) -> dict[str, object]:
        """The stable JSON shape documented in docs/clinical/dosing.md (Decimals kept)."""
        data: dict[str, object] = {
            "route": self.route,
            "drug": self.drug,
            "dosing_weight_kg": self.dosing_weight_kg,
            "dosing_weight_basis": self.dosing_weight_basis,
            "dosing_weight_used": self.dosing_weight_used,
            "body": None if self.body is None else self.body.as_dict(),
        }
        for name in (
            "mg_per_kg",
            "dose_mg",
            "minutes",
            "vial_mg_per_ml",
            "vial_ml",
            "vials_needed",
            "bag_ml",
            "dilution",
            "drug_volume_ml",
            "final_volume_ml",
            "final_mg_per_ml",
            "rate_ml_per_h",
            "rate_mg_per_min",
            "vtbi_ml",
            "applications",
            "application_mg",
            "application_volume_ml",
            "interval_min",
            "devices",
            "label",
            "first_session",
            "label_first_dose_mg",
        ):
            data[name] = getattr(self, name)
        data["warnings"] = [warning.as_dict() for warning in self.warnings]
        data["override_required"] = self.override_required
        data["rounding"] = self.rounding.as_dict()
        data["protocol_version"] = self.protocol_version
        return data


def measure(
    protocol: DosingProtocol,
    weight_kg: Number,
    height_cm: Number | None = None,
    sex: str | None = None,
) -> BodySize:
    """Validate measurements against the protocol's plausible ranges (kg, cm) and hold them."""
    limits = protocol.patient
    height = None if height_cm is None else plausible(height_cm, limits.height_cm, "height_cm")
    return BodySize.of(
        weight_kg=plausible(weight_kg, limits.weight_kg, "weight_kg"),
        height_cm=height,
        sex=sex,
        below_60_in=protocol.below_60_in.value,
    )


def weigh(
    protocol: DosingProtocol,
    weight_kg: Number,
    height_cm: Number | None,
    sex: str | None,
    basis: str | None,
) -> tuple[DosingWeight, tuple[DoseWarning, ...]]:
    """The dosing weight under `basis` (protocol default if None) and the warnings it brings."""
    body = measure(protocol, weight_kg, height_cm, sex)
    chosen = protocol.default_basis.value if basis is None else basis
    weight = choose_dosing_weight(body, chosen, protocol.obese_bmi.value)
    warnings = warn_outside(
        body.weight_kg,
        protocol.patient.studied_weight_kg,
        "weight-outside-studied-range",
        "actual body weight",
    )
    return weight, warnings + _basis_notices(protocol, weight)


def _basis_notices(protocol: DosingProtocol, weight: DosingWeight) -> tuple[DoseWarning, ...]:
    notices: list[DoseWarning] = []
    threshold = protocol.obese_bmi
    if weight.actual_below_ideal:
        notices.append(
            DoseWarning(
                "actual-weight-below-ideal",
                f"actual weight is below ideal body weight, so the {weight.basis!r} basis "
                "doses on actual weight",
                "dosing weight <= actual weight",
                ACTUAL_BELOW_IDEAL_RULE.source,
                override_required=False,
            )
        )
    if weight.basis == "ideal-if-obese" and weight.used == "actual" and not weight.obese:
        notices.append(
            DoseWarning(
                "not-obese-actual-weight",
                f"BMI below {threshold.value}: 'ideal-if-obese' doses on actual weight",
                f"BMI >= {threshold.value} kg/m2 for ideal body weight",
                threshold.source,
                override_required=False,
            )
        )
    if weight.basis == "actual" and weight.obese:
        notices.append(
            DoseWarning(
                "obese-dosed-on-actual-weight",
                f"BMI >= {threshold.value}: the APA consensus suggested ideal body weight; the "
                "landmark trials dosed on actual weight",
                f"BMI >= {threshold.value} kg/m2",
                SINGH_2019_SANACORA,
                override_required=False,
            )
        )
    if weight.used in ("ideal", "adjusted") and weight.body.below_devine_range:
        rule = protocol.below_60_in
        notices.append(
            DoseWarning(
                "height-below-devine-range",
                f"height is under 60 in, where Devine is not defined; ideal body weight uses "
                f"the {rule.value!r} rule",
                "Devine formula: height >= 60 in",
                rule.source,
                override_required=False,
            )
        )
    return tuple(notices)


@dataclass(frozen=True)
class BodySummary:
    """A patient's measurements as reported in a plan: kg, cm, kg/m², rounded."""

    actual_weight_kg: Decimal
    height_cm: Decimal | None
    sex: Sex | None
    bmi_kg_per_m2: Decimal | None
    ideal_body_weight_kg: Decimal | None
    adjusted_body_weight_kg: Decimal | None

    @classmethod
    def of(cls, body: BodySize) -> BodySummary:
        return cls(
            actual_weight_kg=round_half_up(body.weight_kg, ROUNDING.weight_kg),
            height_cm=body.height_cm,
            sex=body.sex,
            bmi_kg_per_m2=rounded.bmi_kg_per_m2(body.bmi_kg_per_m2),
            ideal_body_weight_kg=rounded.weight_kg(body.ideal_kg),
            adjusted_body_weight_kg=rounded.weight_kg(body.adjusted_kg),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "actual_weight_kg": self.actual_weight_kg,
            "height_cm": self.height_cm,
            "sex": self.sex,
            "bmi_kg_per_m2": self.bmi_kg_per_m2,
            "ideal_body_weight_kg": self.ideal_body_weight_kg,
            "adjusted_body_weight_kg": self.adjusted_body_weight_kg,
        }
