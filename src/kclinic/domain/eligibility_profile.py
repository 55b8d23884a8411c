"""The structured eligibility profile: what the screen needs to know about a candidate.

Every field may be unknown. `None` always means "not recorded", never "no": an empty tuple of
trials means "no prior trials", `None` means "nobody asked". Rules that need an unknown
field report a *missing information* finding instead of guessing.

The controlled vocabularies (treatments, drug classes, outcomes, comorbidities) are data
here so that the parser, the rules and the documentation share one list. ICD-10-CM code
groups follow clinical reference 7.6 (F32/F33 MDD, F31 bipolar; codes other than the common
MDD ones are marked there as general knowledge to validate against the current tabular list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from kclinic.domain.errors import ValidationError

Treatment = Literal["iv-ketamine", "im-ketamine", "in-ketamine", "esketamine"]
TREATMENTS: Final[tuple[Treatment, ...]] = (
    "iv-ketamine",
    "im-ketamine",
    "in-ketamine",
    "esketamine",
)
# Racemic ketamine by any route; esketamine (Spravato) is the labelled S-enantiomer.
RACEMIC_TREATMENTS: Final = frozenset({"iv-ketamine", "im-ketamine", "in-ketamine"})

Sex = Literal["female", "male", "other"]
SEXES: Final[tuple[Sex, ...]] = ("female", "male", "other")

DrugClass = Literal[
    "ssri",
    "snri",
    "tca",
    "maoi",
    "bupropion",
    "mirtazapine",
    "serotonin-modulator",
    "other-antidepressant",
    "mood-stabilizer",
    "antipsychotic",
    "other",
]
DRUG_CLASSES: Final[tuple[DrugClass, ...]] = (
    "ssri",
    "snri",
    "tca",
    "maoi",
    "bupropion",
    "mirtazapine",
    "serotonin-modulator",
    "other-antidepressant",
    "mood-stabilizer",
    "antipsychotic",
    "other",
)
ANTIDEPRESSANT_CLASSES: Final = frozenset(
    {
        "ssri",
        "snri",
        "tca",
        "maoi",
        "bupropion",
        "mirtazapine",
        "serotonin-modulator",
        "other-antidepressant",
    }
)

Outcome = Literal["non-response", "partial", "response", "intolerance"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("non-response", "partial", "response", "intolerance")
# An inadequate response is a failure; a partial (< 50 %) response is an inadequate one.
FAILED_OUTCOMES: Final = frozenset({"non-response", "partial"})

Adherence = Literal["good", "partial", "poor"]
ADHERENCES: Final[tuple[Adherence, ...]] = ("good", "partial", "poor")

EpisodeSeverity = Literal["subsyndromal", "mild", "moderate", "severe", "severe-with-psychosis"]
EPISODE_SEVERITIES: Final[tuple[EpisodeSeverity, ...]] = (
    "subsyndromal",
    "mild",
    "moderate",
    "severe",
    "severe-with-psychosis",
)

Comorbidity = Literal[
    "aneurysmal-vascular-disease",
    "arteriovenous-malformation",
    "intracerebral-haemorrhage",
    "hypertensive-encephalopathy",
    "cardiovascular-disease",
    "cerebrovascular-disease",
    "uncontrolled-hypertension",
    "controlled-hypertension",
    "significant-arrhythmia",
    "prolonged-qt",
    "raised-intracranial-pressure",
    "raised-intraocular-pressure",
    "unstable-medical-condition",
    "dementia",
    "diabetes",
]
COMORBIDITIES: Final[tuple[Comorbidity, ...]] = (
    "aneurysmal-vascular-disease",
    "arteriovenous-malformation",
    "intracerebral-haemorrhage",
    "hypertensive-encephalopathy",
    "cardiovascular-disease",
    "cerebrovascular-disease",
    "uncontrolled-hypertension",
    "controlled-hypertension",
    "significant-arrhythmia",
    "prolonged-qt",
    "raised-intracranial-pressure",
    "raised-intraocular-pressure",
    "unstable-medical-condition",
    "dementia",
    "diabetes",
)

# ICD-10-CM codes of a current depressive episode, with the severity each one states
# (None: the code does not say). Clinical reference 7.6.
EPISODE_CODE_SEVERITY: Final[dict[str, EpisodeSeverity | None]] = {
    "F32.0": "mild",
    "F32.1": "moderate",
    "F32.2": "severe",
    "F32.3": "severe-with-psychosis",
    "F32.9": None,
    "F32.A": None,
    "F33.0": "mild",
    "F33.1": "moderate",
    "F33.2": "severe",
    "F33.3": "severe-with-psychosis",
    "F33.8": None,
    "F33.9": None,
    "F31.30": None,
    "F31.31": "mild",
    "F31.32": "moderate",
    "F31.4": "severe",
    "F31.5": "severe-with-psychosis",
}
PSYCHOTIC_EPISODE_CODES: Final = frozenset({"F32.3", "F33.3", "F31.5"})


@dataclass(frozen=True)
class Diagnoses:
    """ICD-10-CM codes plus the clinician's flags for the current illness."""

    codes: tuple[str, ...]
    psychotic_features: bool | None = None
    bipolar: bool | None = None
    episode_severity: EpisodeSeverity | None = None  # overrides the severity a code implies

    @property
    def is_bipolar(self) -> bool | None:
        """True if flagged or coded F31.x; None when neither says."""
        if self.bipolar or any(code.startswith("F31") for code in self.codes):
            return True
        return self.bipolar

    @property
    def has_psychotic_features(self) -> bool | None:
        """Psychotic features in the current episode: flagged, or a 'with psychotic' code."""
        if self.psychotic_features or PSYCHOTIC_EPISODE_CODES.intersection(self.codes):
            return True
        return self.psychotic_features

    @property
    def current_episode_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.codes if code in EPISODE_CODE_SEVERITY)

    def severity(self) -> EpisodeSeverity | None:
        """Baseline severity: the explicit rating, else the one the codes agree on."""
        if self.episode_severity is not None:
            return self.episode_severity
        implied = {EPISODE_CODE_SEVERITY[code] for code in self.current_episode_codes}
        implied.discard(None)
        if len(implied) == 1:
            return implied.pop()
        return None  # no code states a severity, or the codes disagree


@dataclass(frozen=True)
class CurrentEpisode:
    """When the current depressive episode began: a start date or a length in months."""

    start_date: date | None = None
    months: int | None = None


@dataclass(frozen=True)
class TreatmentTrial:
    """One prior medication trial, as the clinician recorded it."""

    drug: str
    drug_class: DrugClass
    max_daily_dose_mg: Decimal | None = None
    weeks_at_dose: Decimal | None = None
    adequate_dose: bool | None = None  # the clinician's judgement for this drug
    adherence: Adherence | None = None
    outcome: Outcome | None = None
    current_episode: bool | None = None
    augmentation: bool | None = None  # added to another antidepressant


@dataclass(frozen=True)
class EctCourse:
    """One course of electroconvulsive therapy."""

    sessions: int | None = None
    current_episode: bool | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True)
class BloodPressure:
    """The latest seated blood pressure, in mmHg."""

    systolic_mmhg: int
    diastolic_mmhg: int
    measured_on: date | None = None


@dataclass(frozen=True)
class Medications:
    """Current medicines that change the risk or the effect of ketamine."""

    benzodiazepine_lorazepam_eq_mg_per_day: Decimal | None = None
    benzodiazepine_morning_dose: bool | None = None
    maoi: bool | None = None
    psychostimulant: bool | None = None
    other_cns_depressant: bool | None = None


@dataclass(frozen=True)
class SubstanceUse:
    """Substance use. `current_use_disorder` covers a disorder active in the last 3 months."""

    current_use_disorder: bool | None = None
    months_since_last_use: Decimal | None = None  # illicit drugs or problem alcohol use
    never_used: bool = False
    cannabis: bool | None = None  # any current cannabis use


@dataclass(frozen=True)
class Psychosis:
    current: bool | None = None
    history: bool | None = None


@dataclass(frozen=True)
class Hypersensitivity:
    """Known hypersensitivity to ketamine or esketamine (or their excipients)."""

    ketamine: bool | None = None
    esketamine: bool | None = None


@dataclass(frozen=True)
class EligibilityProfile:
    """Everything the eligibility screen reads. None = not recorded (see module docstring)."""

    planned_treatment: Treatment | None = None
    age_years: int | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    diagnoses: Diagnoses | None = None
    current_episode: CurrentEpisode | None = None
    trials: tuple[TreatmentTrial, ...] | None = None
    ect: tuple[EctCourse, ...] | None = None
    comorbidities: frozenset[Comorbidity] | None = None
    blood_pressure: BloodPressure | None = None
    medications: Medications | None = None
    substance_use: SubstanceUse | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    psychosis: Psychosis | None = None
    allergies: Hypersensitivity | None = None
    capacity_to_consent: bool | None = None
    description: str = ""


def _not_after(value: date, on: date, field: str) -> None:
    if value > on:
        raise ValidationError(field, value.isoformat(), f"a date on or before {on.isoformat()}")


def completed_months(start: date, on: date) -> int:
    """Whole calendar months from `start` to `on` (a month counts once its day is reached)."""
    months = (on.year - start.year) * 12 + (on.month - start.month)
    if on.day < start.day:
        months -= 1
    return months


def age_on(profile: EligibilityProfile, on: date) -> int | None:
    """Age in completed years on `on`, from the date of birth or the recorded age."""
    if profile.date_of_birth is not None:
        _not_after(profile.date_of_birth, on, "date_of_birth")
        return completed_months(profile.date_of_birth, on) // 12
    return profile.age_years


def episode_months_on(profile: EligibilityProfile, on: date) -> int | None:
    """Length of the current episode in completed months on `on`, or None if unknown."""
    episode = profile.current_episode
    if episode is None:
        return None
    if episode.start_date is not None:
        _not_after(episode.start_date, on, "current_episode.start_date")
        return completed_months(episode.start_date, on)
    return episode.months


def check_dates(profile: EligibilityProfile, on: date) -> None:
    """Refuse dates after the screening date: they are typing errors, not facts."""
    age_on(profile, on)
    episode_months_on(profile, on)
    if profile.blood_pressure is not None and profile.blood_pressure.measured_on is not None:
        _not_after(profile.blood_pressure.measured_on, on, "blood_pressure.measured_on")
