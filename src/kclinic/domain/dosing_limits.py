"""The dosing protocol as data: every limit a cited value, hard limits refuse, soft ones warn.

A `DosingProtocol` is a frozen, versioned bundle of `Cited` numbers (clinical reference
1.1-1.7). Three kinds of check use it:

- validation (`ValidationError`/`OutOfRangeError`): a value no patient or product could have,
  such as a weight of 800 kg or a vial of 500 mg/mL; almost always a typing slip;
- hard limits (`LimitError`): a dose the protocol refuses outright, with no override;
- soft limits (`DoseWarning` with `override_required=True`): a dose outside the usual range
  that a prescriber may still order, with a recorded reason. Warnings with
  `override_required=False` are notices that need no override.

`DEFAULT_PROTOCOL` holds the reference's numbers; a clinic replaces values with
`dataclasses.replace` and a new `version`, and every plan reports the version it used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from typing import Final, Literal, get_args

from kclinic.domain import dosing_rounding
from kclinic.domain.body_size import (
    OBESE_BMI,
    SHORT_STATURE_DEFAULT,
    Basis,
    ShortStatureRule,
)
from kclinic.domain.dosing_sources import (
    ANDRADE_2017,
    CHILUKURI_2014,
    DERIVED_MG_CAP,
    FAVA_2018,
    KETAMINE_PRODUCTS,
    LAPIDUS_2014,
    MURROUGH_2013,
    NCT05803551,
    SPRAVATO_HK,
    SPRAVATO_US,
    policy,
)
from kclinic.domain.errors import LimitError, OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.sources import Cited, Source
from kclinic.domain.units import Number, to_decimal

Jurisdiction = Literal["us", "hk"]
JURISDICTIONS: Final[tuple[str, ...]] = get_args(Jurisdiction)


@dataclass(frozen=True)
class Range:
    """An inclusive range of a quantity in `unit`."""

    low: Decimal
    high: Decimal
    unit: str

    def __contains__(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low} to {self.high} {self.unit}"


def _range(low: str, high: str, unit: str) -> Range:
    return Range(Decimal(low), Decimal(high), unit)


@dataclass(frozen=True)
class DoseWarning:
    """A soft-limit breach (override with a reason) or, when not `override_required`, a notice."""

    code: str
    message: str
    limit: str
    source: Source
    override_required: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "limit": self.limit,
            "source": self.source.as_dict(),
            "override_required": self.override_required,
        }


@dataclass(frozen=True)
class EsketamineLabel:
    """One jurisdiction's labelled esketamine doses (mg) by session and age.

    `older_adult_age_years` is None where the label has no age rule for the first session.
    """

    jurisdiction: Jurisdiction
    first_dose_mg: Cited[Decimal]
    later_doses_mg: Cited[tuple[Decimal, ...]]
    older_adult_age_years: Cited[int] | None = None
    older_adult_first_dose_mg: Cited[Decimal] | None = None
    older_adult_later_doses_mg: Cited[tuple[Decimal, ...]] | None = None

    def is_older_adult(self, age_years: int | None) -> bool:
        limit = self.older_adult_age_years
        return limit is not None and age_years is not None and age_years >= limit.value

    def first_dose(self, age_years: int | None) -> Cited[Decimal]:
        if self.is_older_adult(age_years) and self.older_adult_first_dose_mg is not None:
            return self.older_adult_first_dose_mg
        return self.first_dose_mg

    def later_doses(self, age_years: int | None) -> Cited[tuple[Decimal, ...]]:
        if self.is_older_adult(age_years) and self.older_adult_later_doses_mg is not None:
            return self.older_adult_later_doses_mg
        return self.later_doses_mg


@dataclass(frozen=True)
class PatientLimits:
    """Plausible measurements (outside: validation error) and the studied weight range (soft)."""

    weight_kg: Cited[Range]
    height_cm: Cited[Range]
    age_years: Cited[Range]
    studied_weight_kg: Cited[Range]


@dataclass(frozen=True)
class IvLimits:
    """IV racemic ketamine infusion limits."""

    mg_per_kg_max: Cited[Decimal]
    mg_per_kg_usual: Cited[Range]
    minutes: Cited[Range]
    minutes_usual: Cited[Range]
    dose_mg_max: Cited[Decimal]
    vial_mg_per_ml_max: Cited[Decimal]
    vial_strengths_mg_per_ml: Cited[tuple[Decimal, ...]]
    bag_ml: Cited[Range]
    bag_headroom_fraction: Cited[Decimal]


@dataclass(frozen=True)
class ImLimits:
    """IM racemic ketamine limits."""

    mg_per_kg_max: Cited[Decimal]
    mg_per_kg_usual: Cited[Range]
    dose_mg_max: Cited[Decimal]
    volume_ml_max: Cited[Decimal]


@dataclass(frozen=True)
class IntranasalLimits:
    """Intranasal racemic ketamine, as given in the one trial (Lapidus 2014)."""

    dose_mg_max: Cited[Decimal]
    dose_mg_studied: Cited[Decimal]
    application_mg: Cited[Decimal]
    interval_min: Cited[Decimal]
    concentration_mg_per_ml: Cited[Decimal]


@dataclass(frozen=True)
class EsketamineLimits:
    """Esketamine nasal spray devices and the labels kclinic knows."""

    device_mg: Cited[Decimal]
    dose_mg_max: Cited[Decimal]
    interval_min: Cited[Decimal]
    labels: tuple[EsketamineLabel, ...]
    default_label: Cited[Jurisdiction]

    def label(self, jurisdiction: str | None) -> EsketamineLabel:
        wanted = self.default_label.value if jurisdiction is None else jurisdiction
        for label in self.labels:
            if label.jurisdiction == wanted:
                return label
        raise UnknownNameError("label", wanted, [label.jurisdiction for label in self.labels])


@dataclass(frozen=True)
class DosingProtocol:
    """A versioned set of cited dosing limits; every plan reports `version`."""

    version: str
    default_basis: Cited[Basis]
    obese_bmi: Cited[Decimal]
    below_60_in: Cited[ShortStatureRule]
    patient: PatientLimits
    iv: IvLimits
    im: ImLimits
    intranasal: IntranasalLimits
    esketamine: EsketamineLimits

    def cited_values(self) -> tuple[tuple[str, Cited[object]], ...]:
        """Every cited value in the protocol with its dotted path, for docs and audits."""
        found: list[tuple[str, Cited[object]]] = []
        _collect(self, "", found)
        return tuple(found)


def _collect(node: object, path: str, found: list[tuple[str, Cited[object]]]) -> None:
    if isinstance(node, Cited):
        found.append((path, node))
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            _collect(item, f"{path}[{index}]", found)
    elif is_dataclass(node) and not isinstance(node, type):
        for field in fields(node):
            child = f"{path}.{field.name}" if path else field.name
            _collect(getattr(node, field.name), child, found)


def _mg(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(value) for value in values)


PLAUSIBLE = policy(
    "physiologically plausible adult range; a value outside is treated as a typing slip "
    "(for example metres or pounds typed into a kg or cm field)"
)

US_LABEL = EsketamineLabel(
    jurisdiction="us",
    first_dose_mg=Cited(Decimal("56"), SPRAVATO_US),
    later_doses_mg=Cited(_mg("56", "84"), SPRAVATO_US),
)
HK_LABEL = EsketamineLabel(
    jurisdiction="hk",
    first_dose_mg=Cited(Decimal("56"), SPRAVATO_HK),
    later_doses_mg=Cited(_mg("56", "84"), SPRAVATO_HK),
    older_adult_age_years=Cited(65, SPRAVATO_HK),
    older_adult_first_dose_mg=Cited(Decimal("28"), SPRAVATO_HK),
    older_adult_later_doses_mg=Cited(_mg("28", "56", "84"), SPRAVATO_HK),
)

DEFAULT_PROTOCOL: Final = DosingProtocol(
    version="kclinic-dosing-default-2025.1",
    default_basis=Cited[Basis]("actual", MURROUGH_2013),
    obese_bmi=OBESE_BMI,
    below_60_in=SHORT_STATURE_DEFAULT,
    patient=PatientLimits(
        weight_kg=Cited(_range("25", "350", "kg"), PLAUSIBLE),
        height_cm=Cited(_range("120", "230", "cm"), PLAUSIBLE),
        age_years=Cited(_range("18", "120", "years"), PLAUSIBLE),
        studied_weight_kg=Cited(_range("45", "115", "kg"), NCT05803551),
    ),
    iv=IvLimits(
        mg_per_kg_max=Cited(Decimal("1.0"), FAVA_2018),
        mg_per_kg_usual=Cited(_range("0.1", "0.75", "mg/kg"), ANDRADE_2017),
        minutes=Cited(_range("2", "100", "min"), ANDRADE_2017),
        minutes_usual=Cited(_range("40", "100", "min"), ANDRADE_2017),
        dose_mg_max=Cited(Decimal("115"), DERIVED_MG_CAP),
        vial_mg_per_ml_max=Cited(Decimal("100"), KETAMINE_PRODUCTS),
        vial_strengths_mg_per_ml=Cited(_mg("10", "50", "100"), KETAMINE_PRODUCTS),
        bag_ml=Cited(
            _range("10", "1000", "mL"),
            policy("plausible diluent bag or syringe volumes for a 2-100 min infusion"),
        ),
        bag_headroom_fraction=Cited(
            Decimal("0.1"),
            policy(
                "in 'add' mode a drug volume above 10% of the bag is flagged so the preparer "
                "confirms the bag can take it"
            ),
        ),
    ),
    im=ImLimits(
        mg_per_kg_max=Cited(
            Decimal("1.0"),
            policy("no IM dose-ranging source; the IV hard ceiling (Fava 2018) is applied"),
        ),
        mg_per_kg_usual=Cited(_range("0.25", "0.5", "mg/kg"), CHILUKURI_2014),
        dose_mg_max=Cited(Decimal("115"), DERIVED_MG_CAP),
        volume_ml_max=Cited(
            Decimal("5"),
            policy("more than 5 mL in one IM site is unusual; use a stronger vial"),
        ),
    ),
    intranasal=IntranasalLimits(
        dose_mg_max=Cited(Decimal("50"), LAPIDUS_2014),
        dose_mg_studied=Cited(Decimal("50"), LAPIDUS_2014),
        application_mg=Cited(Decimal("10"), LAPIDUS_2014),
        interval_min=Cited(Decimal("5"), LAPIDUS_2014),
        concentration_mg_per_ml=Cited(Decimal("100"), LAPIDUS_2014),
    ),
    esketamine=EsketamineLimits(
        device_mg=Cited(Decimal("28"), SPRAVATO_HK),
        dose_mg_max=Cited(Decimal("84"), SPRAVATO_US),
        interval_min=Cited(Decimal("5"), SPRAVATO_HK),
        labels=(US_LABEL, HK_LABEL),
        default_label=Cited[Jurisdiction](
            "us", policy("the US label is the main source of clinical reference 1.7")
        ),
    ),
)


# --- checks shared by the plans -------------------------------------------------------------


def positive(value: Number, field: str, unit: str) -> Decimal:
    """`value` as a Decimal greater than 0, or ValidationError naming `field`."""
    number = to_decimal(value, field)
    if number <= 0:
        raise ValidationError(field, value, f"a number of {unit} greater than 0")
    return number


def plausible(value: Number, limit: Cited[Range], field: str) -> Decimal:
    """`value` as a Decimal inside the plausible `limit`, or OutOfRangeError naming `field`."""
    number = to_decimal(value, field)
    bounds = limit.value
    if number not in bounds:
        raise OutOfRangeError(field, value, bounds.low, bounds.high, bounds.unit)
    return number


def refuse_above(value: Decimal, limit: Cited[Decimal], field: str, unit: str) -> None:
    """Raise LimitError when `value` exceeds the hard maximum `limit`."""
    if value > limit.value:
        raise LimitError(field, _show(value, unit), f"maximum {limit.value} {unit}", _cite(limit))


def refuse_outside(value: Decimal, limit: Cited[Range], field: str) -> None:
    """Raise LimitError when `value` is outside the hard range `limit`."""
    if value not in limit.value:
        raise LimitError(field, _show(value, limit.value.unit), str(limit.value), _cite(limit))


def warn_outside(
    value: Decimal, limit: Cited[Range], code: str, what: str
) -> tuple[DoseWarning, ...]:
    """A soft-limit warning (override required) when `value` is outside `limit`, else ()."""
    if value in limit.value:
        return ()
    shown = _show(value, limit.value.unit)
    message = f"{what} {shown} is outside {limit.value}; needs a prescriber override with a reason"
    return (DoseWarning(code, message, str(limit.value), limit.source),)


def _show(value: Decimal, unit: str) -> str:
    # Messages show computed doses at the plan's rounding step; inputs are shown as typed.
    if unit == "mg":
        return f"{dosing_rounding.dose_mg(value)} mg"
    return f"{value} {unit}"


def _cite(limit: Cited[Decimal] | Cited[Range]) -> str:
    return limit.source.id


def vial_concentration(
    value: Number, limits: IvLimits, field: str = "vial_mg_per_ml"
) -> tuple[Decimal, tuple[DoseWarning, ...]]:
    """A ketamine vial strength in mg/mL: validated, with a warning if no product has it.

    Above the strongest marketed product (100 mg/mL) is a validation error; a strength between
    that is not 10, 50 or 100 mg/mL (a compounded or pharmacy-diluted product) needs an
    override so someone confirms the label on the vial.
    """
    number = to_decimal(value, field)
    highest = limits.vial_mg_per_ml_max
    if not 0 < number <= highest.value:
        raise ValidationError(field, value, f"greater than 0 and at most {highest.value} mg/mL")
    strengths = limits.vial_strengths_mg_per_ml
    if number in strengths.value:
        return number, ()
    listed = ", ".join(str(strength) for strength in strengths.value)
    warning = DoseWarning(
        "vial-strength-not-marketed",
        f"vial strength {number} mg/mL is not a marketed ketamine injection ({listed} mg/mL); "
        "confirm the label on the vial",
        f"{listed} mg/mL",
        strengths.source,
    )
    return number, (warning,)
