"""Decimal quantities with their unit in the type.

Every clinical amount in kclinic is a `Decimal` whose unit is named by its type (`Mass` holds
milligrams, `Volume` millilitres, ...) or by the variable (`weight_kg`). Strings such as
"25 mg" or "176 lb" are parsed only at the edge (CLI, forms, API) by `parse_*`. Floats are
accepted at the edge and converted through their shortest decimal representation, so 0.1
becomes Decimal("0.1"), never 0.1000000000000000055511151231257827.

Rounding happens once, at the end of a calculation, with `round_half_up` and a stated step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from kclinic.domain.errors import UnitError, ValidationError

Number = int | float | str | Decimal

# 1 lb = 0.45359237 kg exactly (international yard and pound agreement, 1959).
KG_PER_LB: Final = Decimal("0.45359237")
CM_PER_INCH: Final = Decimal("2.54")


def to_decimal(value: object, field: str) -> Decimal:
    """Return `value` as a finite Decimal or raise ValidationError naming `field`."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(field, value, "a finite number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(field, value, "a finite number") from None
    else:
        raise ValidationError(field, value, "a finite number")
    if not result.is_finite():
        raise ValidationError(field, value, "a finite number")
    return result


def round_half_up(value: Decimal, step: Decimal) -> Decimal:
    """Round to a multiple of `step` (e.g. Decimal("0.01")), halves away from zero."""
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


@dataclass(frozen=True, order=True)
class Mass:
    """An amount of drug, in milligrams."""

    mg: Decimal

    def __truediv__(self, other: Concentration) -> Volume:
        return Volume(self.mg / other.mg_per_ml)

    def __str__(self) -> str:
        return f"{self.mg} mg"


@dataclass(frozen=True, order=True)
class Volume:
    """A liquid volume, in millilitres."""

    ml: Decimal

    def __add__(self, other: Volume) -> Volume:
        return Volume(self.ml + other.ml)

    def __str__(self) -> str:
        return f"{self.ml} mL"


@dataclass(frozen=True, order=True)
class Concentration:
    """A drug concentration, in milligrams per millilitre."""

    mg_per_ml: Decimal

    def __str__(self) -> str:
        return f"{self.mg_per_ml} mg/mL"


@dataclass(frozen=True, order=True)
class Rate:
    """A pump rate, in millilitres per hour."""

    ml_per_h: Decimal

    def __str__(self) -> str:
        return f"{self.ml_per_h} mL/h"


@dataclass(frozen=True, order=True)
class DoseRate:
    """A drug delivery rate, in milligrams per minute."""

    mg_per_min: Decimal

    def __str__(self) -> str:
        return f"{self.mg_per_min} mg/min"


_QUANTITY = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-zµμ/]+)\s*$")

_MASS_MG: Final = {
    "mg": Decimal(1),
    "g": Decimal(1000),
    "mcg": Decimal("0.001"),
    "ug": Decimal("0.001"),
    "µg": Decimal("0.001"),
    "μg": Decimal("0.001"),
}
_VOLUME_ML: Final = {"ml": Decimal(1), "l": Decimal(1000)}
_CONC_MG_PER_ML: Final = {"mg/ml": Decimal(1), "g/l": Decimal(1), "mcg/ml": Decimal("0.001")}
_BODY_KG: Final = {"kg": Decimal(1), "lb": KG_PER_LB, "lbs": KG_PER_LB}
_LENGTH_CM: Final = {"cm": Decimal(1), "m": Decimal(100), "in": CM_PER_INCH}


def _parse(text: str, field: str, table: dict[str, Decimal], what: str) -> Decimal:
    match = _QUANTITY.match(text)
    units = ", ".join(table)
    if not match:
        raise UnitError(field, text, f"a number and a unit of {what} ({units})")
    number, unit = match.groups()
    factor = table.get(unit.lower())
    if factor is None:
        raise UnitError(field, text, f"a unit of {what}: {units}")
    return Decimal(number) * factor


def parse_mass(text: str, field: str = "mass") -> Mass:
    """Parse "25 mg", "0.025 g" or "25000 mcg" into a Mass."""
    return Mass(_parse(text, field, _MASS_MG, "mass"))


def parse_volume(text: str, field: str = "volume") -> Volume:
    """Parse "100 mL" or "0.1 L" into a Volume."""
    return Volume(_parse(text, field, _VOLUME_ML, "volume"))


def parse_concentration(text: str, field: str = "concentration") -> Concentration:
    """Parse "50 mg/mL" into a Concentration."""
    return Concentration(_parse(text, field, _CONC_MG_PER_ML, "concentration"))


def parse_body_weight_kg(text: str, field: str = "weight") -> Decimal:
    """Parse "80 kg" or "176 lb" into kilograms (unrounded)."""
    return _parse(text, field, _BODY_KG, "body weight")


def parse_length_cm(text: str, field: str = "height") -> Decimal:
    """Parse "178 cm", "1.78 m" or "70 in" into centimetres (unrounded)."""
    return _parse(text, field, _LENGTH_CM, "length")
