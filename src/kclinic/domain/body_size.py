"""Body size for dosing: BMI, ideal body weight (Devine), adjusted body weight, dosing weight.

All functions return unrounded Decimals (kilograms, kg/m²); plans round once at the end
(`dosing_rounding`). Which weight a dose is computed on is a named basis because the sources
disagree (clinical reference 1.2):

- "actual": actual body weight, as the landmark trials dosed (Murrough 2013, Mayo via Singh
  2019) and as the one formula analysis supports (Kwaśna 2024). kclinic's default.
- "ideal": Devine ideal body weight (the consensus suggestion, Sanacora 2017 via Singh 2019).
- "adjusted": ideal + 0.4 x (actual - ideal).
- "ideal-if-obese": ideal when BMI >= 30, otherwise actual (Sanacora 2017 via Singh 2019).
  This rule is not monotonic in weight: crossing BMI 30 switches to the lower ideal weight.

Two kclinic policies (no source gives them; see docs/clinical/dosing.md):

- Actual below ideal: the "ideal" and "adjusted" bases dose on the actual weight when it is
  lower than the ideal weight, so no basis ever doses on more than the patient weighs.
- Height under 60 inches: Devine is defined from 60 in upwards. By default ("extrapolate")
  the formula is applied as written, taking 2.3 kg off per inch below 60 in, which gives the
  lower weight; "floor" holds the ideal weight at its 60-inch value (50 / 45.5 kg).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, get_args

from kclinic.domain.dosing_sources import (
    ADJUSTED_WEIGHT_04,
    BMI_DEFINITION,
    DEVINE_1974,
    SINGH_2019_SANACORA,
    policy,
)
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.sources import Cited
from kclinic.domain.units import CM_PER_INCH, Number, to_decimal

Sex = Literal["male", "female"]
Basis = Literal["actual", "ideal", "adjusted", "ideal-if-obese"]
WeightUsed = Literal["actual", "ideal", "adjusted"]
ShortStatureRule = Literal["extrapolate", "floor"]

SEXES: Final[tuple[str, ...]] = get_args(Sex)
BASES: Final[tuple[str, ...]] = get_args(Basis)
SHORT_STATURE_RULES: Final[tuple[str, ...]] = get_args(ShortStatureRule)

DEVINE_MALE_BASE_KG: Final = Cited(Decimal("50"), DEVINE_1974)
DEVINE_FEMALE_BASE_KG: Final = Cited(Decimal("45.5"), DEVINE_1974)
DEVINE_KG_PER_INCH: Final = Cited(Decimal("2.3"), DEVINE_1974)
DEVINE_BASE_HEIGHT_IN: Final = Cited(Decimal("60"), DEVINE_1974)
ADJUSTMENT_FACTOR: Final = Cited(Decimal("0.4"), ADJUSTED_WEIGHT_04)
OBESE_BMI: Final = Cited(Decimal("30"), SINGH_2019_SANACORA)
ACTUAL_BELOW_IDEAL_RULE: Final = Cited(
    "dose on actual weight",
    policy(
        "when actual weight is below ideal, the ideal and adjusted bases use actual weight "
        "(common practice) so no basis doses on more than the patient weighs"
    ),
)
# Every source behind the body-size numbers, for docs and plan output.
SOURCES: Final = (BMI_DEFINITION, DEVINE_1974, ADJUSTED_WEIGHT_04, SINGH_2019_SANACORA)
SHORT_STATURE_DEFAULT: Final = Cited[ShortStatureRule](
    "extrapolate",
    policy(
        "Devine is defined from 60 in; below it kclinic applies the formula as written "
        "(2.3 kg less per inch), the lower of the two common choices"
    ),
)


def _positive(value: Number, field: str, unit: str) -> Decimal:
    number = to_decimal(value, field)
    if number <= 0:
        raise ValidationError(field, value, f"a number of {unit} greater than 0")
    return number


def _sex(value: str) -> Sex:
    if value == "male":
        return "male"
    if value == "female":
        return "female"
    raise UnknownNameError("sex", value, SEXES)


def height_in(height_cm: Number) -> Decimal:
    """Height in inches from centimetres (1 in = 2.54 cm exactly), unrounded."""
    return _positive(height_cm, "height_cm", "cm") / CM_PER_INCH


def bmi_kg_per_m2(weight_kg: Number, height_cm: Number) -> Decimal:
    """Body mass index in kg/m², unrounded: weight (kg) / height (m)². Source: BMI_DEFINITION."""
    weight = _positive(weight_kg, "weight_kg", "kg")
    height_m = _positive(height_cm, "height_cm", "cm") / 100
    return weight / (height_m * height_m)


def ideal_body_weight_kg(
    height_cm: Number, sex: str, below_60_in: ShortStatureRule = "extrapolate"
) -> Decimal:
    """Devine ideal body weight in kg, unrounded (Devine 1974, as in clinical reference 1.2).

    Male 50 kg, female 45.5 kg, plus 2.3 kg per inch of height over 60 in. Below 60 in,
    `below_60_in` decides: "extrapolate" (formula as written) or "floor" (60-inch value).
    """
    if below_60_in not in SHORT_STATURE_RULES:
        raise UnknownNameError("below_60_in", below_60_in, SHORT_STATURE_RULES)
    base = DEVINE_MALE_BASE_KG if _sex(sex) == "male" else DEVINE_FEMALE_BASE_KG
    inches_over = height_in(height_cm) - DEVINE_BASE_HEIGHT_IN.value
    if inches_over < 0 and below_60_in == "floor":
        inches_over = Decimal(0)
    return base.value + DEVINE_KG_PER_INCH.value * inches_over


def adjusted_body_weight_kg(weight_kg: Number, ideal_kg: Number) -> Decimal:
    """Adjusted body weight in kg, unrounded: IBW + 0.4 x (actual - IBW) (ADJUSTED_WEIGHT_04).

    The formula as written; `choose_dosing_weight` applies the actual-below-ideal policy.
    """
    weight = _positive(weight_kg, "weight_kg", "kg")
    ideal = _positive(ideal_kg, "ideal_kg", "kg")
    return ideal + ADJUSTMENT_FACTOR.value * (weight - ideal)


@dataclass(frozen=True)
class BodySize:
    """A patient's measurements (kg, cm) and what follows from them, all unrounded."""

    weight_kg: Decimal
    height_cm: Decimal | None = None
    sex: Sex | None = None
    below_60_in: ShortStatureRule = "extrapolate"

    @classmethod
    def of(
        cls,
        weight_kg: Number,
        height_cm: Number | None = None,
        sex: str | None = None,
        below_60_in: ShortStatureRule = "extrapolate",
    ) -> BodySize:
        """Validate and hold measurements: weight in kg, height in cm, sex male|female."""
        return cls(
            weight_kg=_positive(weight_kg, "weight_kg", "kg"),
            height_cm=None if height_cm is None else _positive(height_cm, "height_cm", "cm"),
            sex=None if sex is None else _sex(sex),
            below_60_in=below_60_in,
        )

    @property
    def bmi_kg_per_m2(self) -> Decimal | None:
        if self.height_cm is None:
            return None
        return bmi_kg_per_m2(self.weight_kg, self.height_cm)

    @property
    def ideal_kg(self) -> Decimal | None:
        if self.height_cm is None or self.sex is None:
            return None
        return ideal_body_weight_kg(self.height_cm, self.sex, self.below_60_in)

    @property
    def adjusted_kg(self) -> Decimal | None:
        ideal = self.ideal_kg
        if ideal is None or ideal <= 0:
            return None
        return adjusted_body_weight_kg(self.weight_kg, ideal)

    @property
    def below_devine_range(self) -> bool:
        """True when the height is under 60 in, where Devine is extrapolated or floored."""
        if self.height_cm is None:
            return False
        return height_in(self.height_cm) < DEVINE_BASE_HEIGHT_IN.value


@dataclass(frozen=True)
class DosingWeight:
    """The weight a dose is computed on (kg, unrounded), the basis asked for and the one used.

    `used` differs from `basis` when a rule chose another weight: "ideal-if-obese" below BMI
    30 uses actual; "ideal"/"adjusted" use actual when actual is below ideal.
    """

    kg: Decimal
    basis: Basis
    used: WeightUsed
    body: BodySize
    actual_below_ideal: bool = False
    obese: bool | None = None


_BASIS_BY_NAME: Final[dict[str, Basis]] = {name: name for name in get_args(Basis)}


def _ideal_for(body: BodySize, basis: str) -> Decimal:
    why = f"required for dosing-weight basis {basis!r}"
    if body.height_cm is None:
        raise ValidationError("height_cm", None, "a height in cm", detail=why)
    if body.sex is None:
        raise ValidationError("sex", None, "male or female", detail=why)
    ideal = body.ideal_kg
    if ideal is None or ideal <= 0:
        raise ValidationError(
            "height_cm", body.height_cm, "a height whose ideal body weight is above 0 kg", why
        )
    return ideal


def choose_dosing_weight(
    body: BodySize, basis: str = "actual", obese_bmi: Decimal = OBESE_BMI.value
) -> DosingWeight:
    """Pick the dosing weight (kg, unrounded) for `basis` (see the module docstring).

    Height and sex are required for every basis except "actual"; a missing one raises
    ValidationError naming it. BMI >= `obese_bmi` (30, Sanacora 2017) counts as obese; the
    comparison uses the unrounded BMI.
    """
    chosen = _BASIS_BY_NAME.get(basis)
    if chosen is None:
        raise UnknownNameError("basis", basis, BASES)
    bmi = body.bmi_kg_per_m2
    obese = None if bmi is None else bmi >= obese_bmi
    if chosen == "actual":
        return DosingWeight(body.weight_kg, chosen, "actual", body, obese=obese)
    ideal = _ideal_for(body, chosen)
    if chosen == "ideal-if-obese" and not obese:
        return DosingWeight(body.weight_kg, chosen, "actual", body, obese=obese)
    if body.weight_kg < ideal:
        return DosingWeight(
            body.weight_kg, chosen, "actual", body, actual_below_ideal=True, obese=obese
        )
    if chosen == "adjusted":
        adjusted = adjusted_body_weight_kg(body.weight_kg, ideal)
        return DosingWeight(adjusted, chosen, "adjusted", body, obese=obese)
    return DosingWeight(ideal, chosen, "ideal", body, obese=obese)
