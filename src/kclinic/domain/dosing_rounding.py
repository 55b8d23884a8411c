"""The one rounding rule for dose plans.

Every dosing calculation works on unrounded Decimals and rounds each reported quantity once,
at the end, to the step below (ROUND_HALF_UP through `units.round_half_up`). Nothing rounded
is fed back into arithmetic: the 0.5 mg/kg dose on the ideal body weight of a 178 cm man is
0.5 x 73.1811... = 36.59 mg, not the 36.6 mg of a table that rounds the weight first.

The steps are what a clinician reads or programs: a syringe marking, a pump's 0.1 mL/h rate
resolution. Threshold decisions (BMI >= 30, actual weight below ideal) compare unrounded
values.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kclinic.domain.units import round_half_up


@dataclass(frozen=True)
class RoundingRule:
    """The step each reported quantity is rounded to (halves away from zero)."""

    dose_mg: Decimal = Decimal("0.01")
    volume_ml: Decimal = Decimal("0.01")
    rate_ml_per_h: Decimal = Decimal("0.1")
    rate_mg_per_min: Decimal = Decimal("0.001")
    concentration_mg_per_ml: Decimal = Decimal("0.001")
    weight_kg: Decimal = Decimal("0.01")
    bmi_kg_per_m2: Decimal = Decimal("0.01")
    method: str = "ROUND_HALF_UP"

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "dose_mg": self.dose_mg,
            "volume_ml": self.volume_ml,
            "rate_ml_per_h": self.rate_ml_per_h,
            "rate_mg_per_min": self.rate_mg_per_min,
            "concentration_mg_per_ml": self.concentration_mg_per_ml,
            "weight_kg": self.weight_kg,
            "bmi_kg_per_m2": self.bmi_kg_per_m2,
        }


ROUNDING = RoundingRule()


def _opt(value: Decimal | None, step: Decimal) -> Decimal | None:
    return None if value is None else round_half_up(value, step)


def dose_mg(value: Decimal) -> Decimal:
    return round_half_up(value, ROUNDING.dose_mg)


def volume_ml(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.volume_ml)


def rate_ml_per_h(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.rate_ml_per_h)


def rate_mg_per_min(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.rate_mg_per_min)


def concentration_mg_per_ml(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.concentration_mg_per_ml)


def weight_kg(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.weight_kg)


def bmi_kg_per_m2(value: Decimal | None) -> Decimal | None:
    return _opt(value, ROUNDING.bmi_kg_per_m2)
