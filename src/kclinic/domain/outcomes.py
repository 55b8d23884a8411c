"""Treatment outcomes: change from baseline, response, remission and relapse.

Studies define response and remission differently (instrument, threshold, "<" or "<="), so
every definition is data: a named, versioned `OutcomeDefinition` whose rules each carry the
source they come from (clinical reference 5.1-5.5 and 6). Every computed `Outcome` records
the id and version of the definition that produced it, so a stored outcome can always be
read against the rule it was judged by, even after a clinic changes its defaults.

Scores are whole scale points (instrument totals). Change is follow-up minus baseline, so a
negative change is an improvement. Percent change is rounded once, at the end, to 0.1
percentage point (half away from zero); the response decision uses the exact fraction, never
the rounded figure, so a 49.96% reduction shown as -50.0 is still not a response.

Times are passed in (datetime, date or whole day numbers); nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Generic, Literal, TypeVar

from kclinic.domain.errors import (
    ConfigurationError,
    OutOfRangeError,
    UnknownNameError,
    ValidationError,
)
from kclinic.domain.sources import KCLINIC_POLICY, Source
from kclinic.domain.units import round_half_up

PERCENT_STEP: Final = Decimal("0.1")
Comparison = Literal["<", "<="]
TimeT = TypeVar("TimeT", datetime, date, int)

# -- sources (clinical reference 5.1-5.5, 6) ----------------------------------------------

MCINNES_2022 = Source(
    id="mcinnes-2022",
    citation="McInnes LA, Qian JJ, Gargeya RS, DeBattista C, Heifets BD. Osmind real-world "
    "ketamine data, J Affect Disord 2022: PHQ-9 response >= 50% reduction, remission < 5",
    url="https://blossomanalysis.com/papers/a-retrospective-analysis-of-ketamine-intravenous-"
    "therapy-for-depression-in-real-world-care-settings/",
    note="read on a summary page of the paper; volume and pages not verified",
)
KEITH = Source(
    id="keith-jcp",
    citation="Keith et al., J Clin Psychopharmacol (doi 10.1097/JCP.0000000000001132): "
    "responder = PHQ-9 reduction >= 50% or final PHQ-9 < 10",
    url="https://ouci.dntb.gov.ua/en/?backlinks_to=10.1097%2Fjcp.0000000000001132",
)
MURROUGH_2013 = Source(
    id="murrough-2013",
    citation="Murrough JW et al. Biol Psychiatry 2013;74:250-256 (repeated ketamine "
    "infusions in TRD): response = MADRS reduction >= 50%",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3725185",
)
KETECT = Source(
    id="ketect-2022",
    citation="Ekstrand J et al. KetECT. Int J Neuropsychopharmacol 2022;25:339-349: "
    "remission = MADRS <= 10",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
)
BIO_K = Source(
    id="bio-k",
    citation="Bio-K multisite study (3 infusions over 11 days): remission = MADRS < 10",
    note="tagged as read in clinical reference 6.1, which records no address",
)
SUSTAIN_3 = Source(
    id="sustain-3",
    citation="SUSTAIN-3 subgroup analysis, CNS Drugs 2023;37:715-723, table 3: remission = "
    "MADRS <= 12",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC10439056/table/Tab3",
)
ELEKT_D = Source(
    id="elekt-d-2023",
    citation="Anand A et al. ELEKT-D, ketamine versus ECT. N Engl J Med 2023: response = "
    "QIDS-SR16 reduction >= 50%",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
)
STAR_D = Source(
    id="star-d-qids-remission",
    citation="STAR*D convention (Trivedi MH et al. 2006): remission = QIDS-SR16 <= 5",
    url="https://hiboop.com/assessments/qids-sr/",
    confidence="secondary",
)
HAMD_CONVENTION = Source(
    id="hamd17-convention",
    citation="HAM-D-17 convention: response >= 50% reduction, remission <= 7 (consistent with "
    "the 'none' band of both CamCOPS and the IDS/QIDS conversion table)",
    confidence="unverified",
    note="clinical reference 5.5 marks the remission threshold as unverified convention",
)
GAD7_POLICY = replace(
    KCLINIC_POLICY,
    note="GAD-7 has no standard response or remission definition (clinical reference 5.2); "
    "kclinic uses >= 50% reduction and < 5, the top of the 'minimal' band 0-4",
)
RELAPSE_POLICY = replace(
    KCLINIC_POLICY,
    note="relapse = loss of response on 2 consecutive assessments after a response. Murrough "
    "2013 reports a median time to relapse of 18 days but its relapse definition could not "
    "be read in the stored copy; no trial's relapse rule was verified",
)

# -- rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRule:
    """Response: reduction from baseline of at least `min_reduction_percent`, or, where
    `or_followup_below` is set, a follow-up score below it (Keith et al.)."""

    source: Source
    min_reduction_percent: Decimal = Decimal(50)
    or_followup_below: int | None = None

    def highest_responding_score(self, baseline: int) -> Decimal:
        """The highest follow-up score that still meets the reduction rule, in scale points,
        exact: baseline x (100 - min) / 100 (baseline 21 under 50% gives 10.5)."""
        return Decimal(baseline) * (Decimal(100) - self.min_reduction_percent) / Decimal(100)

    def met(self, baseline: int, followup: int) -> bool:
        # (baseline - followup) / baseline * 100 >= min, multiplied out to stay exact.
        if (baseline - followup) * 100 >= self.min_reduction_percent * baseline:
            return True
        return self.or_followup_below is not None and followup < self.or_followup_below


@dataclass(frozen=True)
class RemissionRule:
    """Remission: follow-up score `comparison` `threshold`, e.g. PHQ-9 < 5, MADRS <= 10."""

    comparison: Comparison
    threshold: int
    source: Source

    def met(self, followup: int) -> bool:
        if self.comparison == "<":
            return followup < self.threshold
        return followup <= self.threshold


@dataclass(frozen=True)
class RelapseRule:
    """Relapse after a response: `consecutive` assessments in a row that each meet the
    relapse criterion. The criterion is loss of response (the definition's response rule no
    longer met) or, when `score_at_least` is set, a score at or above it."""

    source: Source
    consecutive: int = 2
    score_at_least: int | None = None


@dataclass(frozen=True)
class OutcomeDefinition:
    """A named, versioned set of outcome rules for one instrument (scores 0 to max_score)."""

    id: str
    version: str
    instrument_id: str
    max_score: int
    response: ResponseRule
    remission: RemissionRule
    relapse: RelapseRule
    description: str = ""

    def __post_init__(self) -> None:
        problems = []
        if not Decimal(0) < self.response.min_reduction_percent <= Decimal(100):
            problems.append("response reduction must be above 0% and at most 100%")
        if not 0 <= self.remission.threshold <= self.max_score:
            problems.append(f"remission threshold must lie in 0-{self.max_score}")
        if self.relapse.consecutive < 1:
            problems.append("relapse needs at least 1 assessment")
        if problems:
            raise ConfigurationError(f"outcome definition {self.id!r}: {'; '.join(problems)}")


def _definition(
    id: str,
    instrument_id: str,
    max_score: int,
    remission: RemissionRule,
    response_source: Source,
    description: str,
    or_followup_below: int | None = None,
) -> OutcomeDefinition:
    return OutcomeDefinition(
        id=id,
        version="1",
        instrument_id=instrument_id,
        max_score=max_score,
        response=ResponseRule(response_source, or_followup_below=or_followup_below),
        remission=remission,
        relapse=RelapseRule(RELAPSE_POLICY),
        description=description,
    )


_DEFINITIONS: Final = (
    _definition("phq9-mcinnes-2022", "phq9", 27, RemissionRule("<", 5, MCINNES_2022),
                MCINNES_2022, "PHQ-9: response >= 50% reduction; remission < 5"),
    _definition("phq9-keith", "phq9", 27, RemissionRule("<", 5, MCINNES_2022), KEITH,
                "PHQ-9: response >= 50% reduction or follow-up < 10; remission < 5",
                or_followup_below=10),
    _definition("madrs-ketect", "madrs", 60, RemissionRule("<=", 10, KETECT), MURROUGH_2013,
                "MADRS: response >= 50% reduction; remission <= 10"),
    _definition("madrs-bio-k", "madrs", 60, RemissionRule("<", 10, BIO_K), MURROUGH_2013,
                "MADRS: response >= 50% reduction; remission < 10"),
    _definition("madrs-sustain-3", "madrs", 60, RemissionRule("<=", 12, SUSTAIN_3),
                MURROUGH_2013, "MADRS: response >= 50% reduction; remission <= 12"),
    _definition("qids-sr16-star-d", "qids-sr16", 27, RemissionRule("<=", 5, STAR_D), ELEKT_D,
                "QIDS-SR16: response >= 50% reduction; remission <= 5"),
    _definition("hamd17-convention", "hamd17", 52, RemissionRule("<=", 7, HAMD_CONVENTION),
                HAMD_CONVENTION, "HAM-D-17: response >= 50% reduction; remission <= 7"),
    _definition("gad7-kclinic", "gad7", 21, RemissionRule("<", 5, GAD7_POLICY), GAD7_POLICY,
                "GAD-7 (kclinic policy): response >= 50% reduction; remission < 5"),
    _definition("gad7-kclinic-under-10", "gad7", 21, RemissionRule("<", 10, GAD7_POLICY),
                GAD7_POLICY, "GAD-7 (kclinic policy): response >= 50% reduction; remission < 10"),
)  # fmt: skip
DEFINITIONS: Final[Mapping[str, OutcomeDefinition]] = MappingProxyType(
    {definition.id: definition for definition in _DEFINITIONS}
)
# One default per instrument; docs/clinical/outcomes.md says why each was chosen.
DEFAULTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "phq9": "phq9-mcinnes-2022",
        "madrs": "madrs-ketect",
        "qids-sr16": "qids-sr16-star-d",
        "hamd17": "hamd17-convention",
        "gad7": "gad7-kclinic",
    }
)


def get_definition(definition_id: str, version: str | None = None) -> OutcomeDefinition:
    """The named definition; with `version`, only if it is that version."""
    definition = DEFINITIONS.get(definition_id)
    if definition is None:
        raise UnknownNameError("outcome definition", definition_id, DEFINITIONS)
    if version is not None and version != definition.version:
        field = f"outcome definition {definition_id} version"
        raise UnknownNameError(field, version, (definition.version,))
    return definition


def default_definition(instrument_id: str) -> OutcomeDefinition:
    """The kclinic default definition for an instrument, or UnknownNameError."""
    if instrument_id not in DEFAULTS:
        raise UnknownNameError("outcome instrument", instrument_id, DEFAULTS)
    return DEFINITIONS[DEFAULTS[instrument_id]]


def definitions_for(instrument_id: str) -> tuple[OutcomeDefinition, ...]:
    """Every registered definition for an instrument, default first."""
    found = [d for d in _DEFINITIONS if d.instrument_id == instrument_id]
    return tuple(sorted(found, key=lambda d: d.id != DEFAULTS.get(instrument_id)))


# -- change and evaluation --------------------------------------------------------------


def _check_score(value: int, field: str, max_score: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, value, "a whole-number scale score")
    if max_score is not None and not 0 <= value <= max_score:
        raise OutOfRangeError(field, value, 0, max_score)
    if value < 0:
        raise ValidationError(field, value, "a scale score of 0 or more")
    return value


def change_from_baseline(baseline: int, followup: int) -> int:
    """Follow-up minus baseline, in scale points; negative means fewer symptoms."""
    return _check_score(followup, "followup") - _check_score(baseline, "baseline")


def percent_change(baseline: int, followup: int) -> Decimal:
    """(follow-up - baseline) / baseline x 100, in percent, rounded once to 0.1 percentage
    point, half away from zero (clinical reference 5.1: 20 -> 10 is -50.0, 21 -> 11 is
    -47.6). Negative means improvement. Undefined for a baseline of 0: ValidationError."""
    change = change_from_baseline(baseline, followup)
    if baseline == 0:
        raise ValidationError(
            "baseline", 0, "a score above 0", "percent change from a baseline of 0 is undefined"
        )
    return round_half_up(Decimal(change) * 100 / Decimal(baseline), PERCENT_STEP)


@dataclass(frozen=True)
class Outcome:
    """One follow-up judged against baseline under one definition (id and version kept)."""

    definition_id: str
    definition_version: str
    instrument_id: str
    baseline: int
    followup: int
    change: int
    percent_change: Decimal
    response: bool
    remission: bool

    def as_dict(self) -> dict[str, object]:
        """Field names as keys; percent_change stays a Decimal for the caller to render."""
        return asdict(self)


def _resolve(definition: OutcomeDefinition | str) -> OutcomeDefinition:
    return get_definition(definition) if isinstance(definition, str) else definition


def evaluate(baseline: int, followup: int, definition: OutcomeDefinition | str) -> Outcome:
    """Judge a follow-up score against baseline (both in the instrument's scale points)
    under a definition (or its id). Scores outside 0..max_score raise OutOfRangeError; a
    baseline of 0 raises ValidationError because response is then undefined."""
    rules = _resolve(definition)
    _check_score(baseline, "baseline", rules.max_score)
    _check_score(followup, "followup", rules.max_score)
    return Outcome(
        definition_id=rules.id,
        definition_version=rules.version,
        instrument_id=rules.instrument_id,
        baseline=baseline,
        followup=followup,
        change=change_from_baseline(baseline, followup),
        percent_change=percent_change(baseline, followup),
        response=rules.response.met(baseline, followup),
        remission=rules.remission.met(followup),
    )


# -- trajectories ----------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory(Generic[TimeT]):
    """A course of assessments read under one definition.

    `relapse_onset` is the first assessment of the run that met the relapse rule and
    `relapse_confirmed` the one that completed it; both are None if no relapse followed the
    first response. Only the first response, remission and relapse are reported.
    """

    definition_id: str
    definition_version: str
    baseline_time: TimeT
    baseline: int
    outcomes: tuple[tuple[TimeT, Outcome], ...]
    first_response: TimeT | None
    first_remission: TimeT | None
    relapse_onset: TimeT | None
    relapse_confirmed: TimeT | None


def _check_times(series: Sequence[tuple[TimeT, int]]) -> None:
    kind = type(series[0][0])
    for index, (time, _score) in enumerate(series):
        if isinstance(time, bool) or type(time) is not kind:
            allowed = f"the same kind of time as the baseline ({kind.__name__})"
            raise ValidationError(f"series[{index}].time", time, allowed)
        if index and not series[index - 1][0] < time:
            raise ValidationError(f"series[{index}].time", time, "after the previous time")


def trajectory(
    series: Sequence[tuple[TimeT, int]], definition: OutcomeDefinition | str
) -> Trajectory[TimeT]:
    """Read a series of (time, score) pairs; the first pair is the baseline.

    Time is a datetime, a date or a whole day number, the same kind throughout and strictly
    increasing. Finds the first response and first remission, and a relapse after the first
    response under the definition's relapse rule (default: loss of response on 2
    consecutive assessments, a kclinic policy; see docs/clinical/outcomes.md).
    """
    rules = _resolve(definition)
    if not series:
        raise ValidationError("series", "[]", "a baseline and any follow-up assessments")
    _check_times(series)
    baseline_time, baseline = series[0]
    outcomes = tuple((time, evaluate(baseline, score, rules)) for time, score in series[1:])
    first_response = next((t for t, o in outcomes if o.response), None)
    first_remission = next((t for t, o in outcomes if o.remission), None)
    onset: TimeT | None = None
    confirmed: TimeT | None = None
    run = 0
    if first_response is not None:
        relapse = rules.relapse
        for time, outcome in outcomes:
            if time <= first_response:
                continue
            if relapse.score_at_least is None:
                relapsing = not outcome.response
            else:
                relapsing = outcome.followup >= relapse.score_at_least
            run = run + 1 if relapsing else 0
            if run == 1:
                onset = time
            if run == relapse.consecutive:
                confirmed = time
                break
        if confirmed is None:
            onset = None
    return Trajectory(
        definition_id=rules.id,
        definition_version=rules.version,
        baseline_time=baseline_time,
        baseline=baseline,
        outcomes=outcomes,
        first_response=first_response,
        first_remission=first_remission,
        relapse_onset=onset,
        relapse_confirmed=confirmed,
    )
