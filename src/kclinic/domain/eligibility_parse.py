"""Read an eligibility profile from plain data (a decoded JSON object).

`parse_profile(data)` returns an `EligibilityProfile` or raises a ValidationError whose field
is the path of the bad value ("trials[2].weeks_at_dose") and whose message lists what is
allowed. Unknown keys are refused too: a misspelt "pregnent" must not silently become
"pregnancy not recorded". The schema is documented in docs/clinical/eligibility.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Final, TypeVar, cast

from kclinic.domain.eligibility_profile import (
    ADHERENCES,
    COMORBIDITIES,
    DRUG_CLASSES,
    EPISODE_SEVERITIES,
    OUTCOMES,
    PSYCHOTIC_EPISODE_CODES,
    SEXES,
    TREATMENTS,
    Adherence,
    BloodPressure,
    Comorbidity,
    CurrentEpisode,
    Diagnoses,
    EctCourse,
    EligibilityProfile,
    EpisodeSeverity,
    Hypersensitivity,
    Medications,
    Outcome,
    Psychosis,
    Sex,
    SubstanceUse,
    Treatment,
    TreatmentTrial,
)
from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.units import to_decimal

T = TypeVar("T")

# An ICD-10-CM code: letter, two characters, then an optional dot and up to four more.
_ICD10CM: Final = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")

_TOP_KEYS: Final = (
    "description",
    "planned_treatment",
    "age_years",
    "date_of_birth",
    "sex",
    "diagnoses",
    "current_episode",
    "trials",
    "ect",
    "comorbidities",
    "blood_pressure",
    "medications",
    "substance_use",
    "pregnant",
    "breastfeeding",
    "psychosis",
    "allergies",
    "capacity_to_consent",
)


def _path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


class _Object:
    """A JSON object being read, which knows its path and its allowed keys."""

    def __init__(self, value: object, path: str, keys: Sequence[str]) -> None:
        if not isinstance(value, Mapping):
            raise ValidationError(path or "profile", _short(value), "a JSON object")
        for key in value:
            if key not in keys:
                raise UnknownNameError(_path(path, str(key)), key, keys)
        self.data = cast(Mapping[str, object], value)
        self.path = path

    def at(self, key: str) -> str:
        return _path(self.path, key)

    def raw(self, key: str) -> object:
        return self.data.get(key)

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise ValidationError(self.at(key), _short(value), "true, false or null")

    def whole(self, key: str, low: int, high: int, unit: str = "") -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.at(key), _short(value), f"a whole number {low} to {high}")
        if not low <= value <= high:
            raise OutOfRangeError(self.at(key), value, low, high, unit)
        return value

    def decimal(self, key: str, low: Decimal, high: Decimal, unit: str = "") -> Decimal | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str | bool):  # numbers must be JSON numbers, not text or flags
            raise ValidationError(self.at(key), value, f"a number {low} to {high}")
        number = to_decimal(value, self.at(key))
        if not low <= number <= high:
            raise OutOfRangeError(self.at(key), value, low, high, unit)
        return number

    def iso_date(self, key: str) -> date | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValidationError(self.at(key), _short(value), "a date YYYY-MM-DD")

    def choice(self, key: str, allowed: Sequence[T]) -> T | None:
        value = self.data.get(key)
        if value is None:
            return None
        if value not in allowed:
            raise UnknownNameError(self.at(key), value, (str(a) for a in allowed))
        return cast(T, value)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise ValidationError(self.at(key), _short(value), "a non-empty text")
        return value.strip()

    def items(self, key: str, read: Callable[[object, str], T]) -> tuple[T, ...] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ValidationError(self.at(key), _short(value), "a JSON array (empty = none)")
        return tuple(read(entry, f"{self.at(key)}[{index}]") for index, entry in enumerate(value))


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."


# -- the blocks of a profile ----------------------------------------------------------------


def _diagnoses(value: object, path: str) -> Diagnoses:
    block = _Object(value, path, ("codes", "psychotic_features", "bipolar", "episode_severity"))
    codes = block.items("codes", _icd_code) or ()
    diagnoses = Diagnoses(
        codes=codes,
        psychotic_features=block.boolean("psychotic_features"),
        bipolar=block.boolean("bipolar"),
        episode_severity=cast(
            EpisodeSeverity | None, block.choice("episode_severity", EPISODE_SEVERITIES)
        ),
    )
    # A flag that contradicts a code is a recording error the clinician must resolve.
    bipolar_codes = [code for code in codes if code.startswith("F31")]
    if diagnoses.bipolar is False and bipolar_codes:
        raise ValidationError(
            block.at("bipolar"), False, "true or null", f"code {bipolar_codes[0]} is bipolar"
        )
    psychotic_codes = sorted(PSYCHOTIC_EPISODE_CODES.intersection(codes))
    if diagnoses.psychotic_features is False and psychotic_codes:
        raise ValidationError(
            block.at("psychotic_features"),
            False,
            "true or null",
            f"code {psychotic_codes[0]} states psychotic features",
        )
    return diagnoses


def _icd_code(value: object, path: str) -> str:
    if not isinstance(value, str) or not _ICD10CM.match(value.strip().upper()):
        raise ValidationError(path, _short(value), "an ICD-10-CM code such as F33.2")
    return value.strip().upper()


def _episode(value: object, path: str) -> CurrentEpisode:
    block = _Object(value, path, ("start_date", "months"))
    episode = CurrentEpisode(block.iso_date("start_date"), block.whole("months", 0, 1200, "months"))
    if episode.start_date is not None and episode.months is not None:
        raise ValidationError(block.at("months"), episode.months, "null when start_date is given")
    return episode


def _trial(value: object, path: str) -> TreatmentTrial:
    block = _Object(
        value,
        path,
        (
            "drug",
            "class",
            "max_daily_dose_mg",
            "weeks_at_dose",
            "adequate_dose",
            "adherence",
            "outcome",
            "current_episode",
            "augmentation",
        ),
    )
    drug_class = block.choice("class", DRUG_CLASSES)
    if drug_class is None:
        raise UnknownNameError(block.at("class"), None, DRUG_CLASSES)
    return TreatmentTrial(
        drug=cast(str, block.text("drug", required=True)),
        drug_class=drug_class,
        max_daily_dose_mg=block.decimal("max_daily_dose_mg", Decimal(0), Decimal(10000), "mg"),
        weeks_at_dose=block.decimal("weeks_at_dose", Decimal(0), Decimal(520), "weeks"),
        adequate_dose=block.boolean("adequate_dose"),
        adherence=cast(Adherence | None, block.choice("adherence", ADHERENCES)),
        outcome=cast(Outcome | None, block.choice("outcome", OUTCOMES)),
        current_episode=block.boolean("current_episode"),
        augmentation=block.boolean("augmentation"),
    )


def _ect(value: object, path: str) -> EctCourse:
    block = _Object(value, path, ("sessions", "current_episode", "outcome"))
    return EctCourse(
        sessions=block.whole("sessions", 0, 200, "sessions"),
        current_episode=block.boolean("current_episode"),
        outcome=cast(Outcome | None, block.choice("outcome", OUTCOMES)),
    )


def _comorbidity(value: object, path: str) -> Comorbidity:
    if value not in COMORBIDITIES:
        raise UnknownNameError(path, value, COMORBIDITIES)
    return cast(Comorbidity, value)


def _blood_pressure(value: object, path: str) -> BloodPressure:
    block = _Object(value, path, ("systolic_mmhg", "diastolic_mmhg", "measured_on"))
    systolic = block.whole("systolic_mmhg", 50, 300, "mmHg")
    diastolic = block.whole("diastolic_mmhg", 20, 200, "mmHg")
    if systolic is None or diastolic is None:
        missing = "systolic_mmhg" if systolic is None else "diastolic_mmhg"
        raise ValidationError(block.at(missing), None, "a reading in mmHg (or no blood_pressure)")
    if diastolic >= systolic:
        raise ValidationError(
            block.at("diastolic_mmhg"), diastolic, f"less than systolic_mmhg ({systolic})"
        )
    return BloodPressure(systolic, diastolic, block.iso_date("measured_on"))


def _medications(value: object, path: str) -> Medications:
    block = _Object(
        value,
        path,
        (
            "benzodiazepine_lorazepam_eq_mg_per_day",
            "benzodiazepine_morning_dose",
            "maoi",
            "psychostimulant",
            "other_cns_depressant",
        ),
    )
    return Medications(
        benzodiazepine_lorazepam_eq_mg_per_day=block.decimal(
            "benzodiazepine_lorazepam_eq_mg_per_day", Decimal(0), Decimal(100), "mg/day"
        ),
        benzodiazepine_morning_dose=block.boolean("benzodiazepine_morning_dose"),
        maoi=block.boolean("maoi"),
        psychostimulant=block.boolean("psychostimulant"),
        other_cns_depressant=block.boolean("other_cns_depressant"),
    )


def _substance_use(value: object, path: str) -> SubstanceUse:
    block = _Object(value, path, ("current_use_disorder", "months_since_last_use", "cannabis"))
    raw = block.raw("months_since_last_use")
    never = raw == "never"
    if isinstance(raw, str) and not never:
        raise ValidationError(
            block.at("months_since_last_use"), raw, 'a number of months 0 to 1200, "never" or null'
        )
    months = None if never else block.decimal("months_since_last_use", Decimal(0), Decimal(1200))
    return SubstanceUse(
        current_use_disorder=block.boolean("current_use_disorder"),
        months_since_last_use=months,
        never_used=never,
        cannabis=block.boolean("cannabis"),
    )


def _psychosis(value: object, path: str) -> Psychosis:
    block = _Object(value, path, ("current", "history"))
    return Psychosis(block.boolean("current"), block.boolean("history"))


def _allergies(value: object, path: str) -> Hypersensitivity:
    block = _Object(value, path, ("ketamine", "esketamine"))
    return Hypersensitivity(block.boolean("ketamine"), block.boolean("esketamine"))


def _optional(block: _Object, key: str, read: Callable[[object, str], T]) -> T | None:
    value = block.raw(key)
    return None if value is None else read(value, block.at(key))


def parse_profile(data: object) -> EligibilityProfile:
    """Build an EligibilityProfile from a decoded JSON object; ValidationError on bad input."""
    top = _Object(data, "", _TOP_KEYS)
    age = top.whole("age_years", 0, 120, "years")
    born = top.iso_date("date_of_birth")
    if age is not None and born is not None:
        raise ValidationError("age_years", age, "null when date_of_birth is given")
    comorbidities = top.items("comorbidities", _comorbidity)
    return EligibilityProfile(
        planned_treatment=cast(Treatment | None, top.choice("planned_treatment", TREATMENTS)),
        age_years=age,
        date_of_birth=born,
        sex=cast(Sex | None, top.choice("sex", SEXES)),
        diagnoses=_optional(top, "diagnoses", _diagnoses),
        current_episode=_optional(top, "current_episode", _episode),
        trials=top.items("trials", _trial),
        ect=top.items("ect", _ect),
        comorbidities=None if comorbidities is None else frozenset(comorbidities),
        blood_pressure=_optional(top, "blood_pressure", _blood_pressure),
        medications=_optional(top, "medications", _medications),
        substance_use=_optional(top, "substance_use", _substance_use),
        pregnant=top.boolean("pregnant"),
        breastfeeding=top.boolean("breastfeeding"),
        psychosis=_optional(top, "psychosis", _psychosis),
        allergies=_optional(top, "allergies", _allergies),
        capacity_to_consent=top.boolean("capacity_to_consent"),
        description=top.text("description") or "",
    )
