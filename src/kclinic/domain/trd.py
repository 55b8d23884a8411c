"""Treatment-resistant depression under named, versioned definitions.

There is no single `is_trd` boolean: sources count failed trials differently (clinical
reference 2.4), so every answer names the definition and version it used, lists the trials
that counted and says why each other trial did not. Three definitions ship:

- "two-adequate-current-episode" (default): >= 2 failed antidepressant trials of adequate
  dose and duration in the current episode (Spravato label wording; Fava 2018;
  PMC11193313). The sources give no week count; kclinic uses 6 weeks (see MIN_WEEKS_DEFAULT).
- "bio-k": >= 2 failed antidepressant or mood-stabilizer treatments in the current episode;
  adequate = >= 8 weeks at an adequate dose, or an acute series of >= 6 ECT sessions.
- "three-classes-lifetime": failed adequate trials (>= 4 weeks) of >= 3 different
  antidepressant classes over the whole life (PMC6884875).

Shared rules, kclinic's reading of "adequate": the clinician judges the dose
(`adequate_dose`); a non-response or a partial response is a failure; a trial stopped for
intolerance or with poor adherence is not an adequate trial. A field a definition needs and
the profile does not give leaves the trial *undetermined*; if undetermined trials could
still decide the answer, `met` is None (not known) rather than False.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from kclinic.domain.eligibility_profile import (
    ANTIDEPRESSANT_CLASSES,
    FAILED_OUTCOMES,
    EctCourse,
    TreatmentTrial,
)
from kclinic.domain.errors import UnknownNameError
from kclinic.domain.sources import Cited, Source

LABEL_TRD = Source(
    id="spravato-trd-wording",
    citation="Spravato TRD indication wording (inadequate response to >= 2 oral antidepressants "
    "of adequate dose and duration in the current episode); Fava M et al. Mol Psychiatry 2018 "
    "(>= 2 adequate treatment courses during the current episode); PMC11193313",
    url="https://www.pharmacydaily.com.au/?p=113632",
)
MIN_WEEKS_DEFAULT = Source(
    id="kclinic-trd-6-weeks",
    citation="6 weeks at an adequate dose: the MGH-ATRQ minimum used to define an adequate "
    "trial in the esketamine phase 3 trials (general knowledge)",
    confidence="unverified",
    note="the label and Fava 2018 say 'adequate duration' without a number in the clinical "
    "reference; the medical director must confirm the week count",
)
BIO_K = Source(
    id="bio-k",
    citation="Bio-K study (NCT03156504) operational criteria: TRD = failure of >= 2 "
    "antidepressant or mood-stabilizing treatments in the current episode; adequate = "
    ">= 8 weeks at adequate dose or an acute series of >= 6 ECT",
    url="https://www.clinicaltrialexchange.com/clinical-trials/The-BIO-K-Study-A-Single-Arm-"
    "Open-Label-Biomarker-Development-Clinical-Trial-of-Ketamine-for-Non-Psychotic-Unipolar-"
    "Major-Depression-and-Bipolar-I-or-II-Depression/NCT03156504",
)
PMC6884875 = Source(
    id="pmc6884875",
    citation="Oral esketamine/ketamine RCT in TRD (Netherlands), inclusion criteria: failure of "
    ">= 3 different classes of antidepressants, >= 4 weeks at adequate dose, lifetime",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6884875/table/Tab1",
)


@dataclass(frozen=True)
class TrdDefinition:
    """A named, versioned way of counting failed adequate trials."""

    name: str
    version: str
    title: str
    min_failures: int
    counted_classes: frozenset[str]
    min_weeks_at_dose: Cited[Decimal]
    current_episode_only: bool
    distinct_classes: bool  # count classes, not trials
    ect_min_sessions: Cited[int] | None  # None: ECT courses do not count
    source: Source


TWO_ADEQUATE_CURRENT_EPISODE = TrdDefinition(
    name="two-adequate-current-episode",
    version="1",
    title=">= 2 failed adequate antidepressant trials in the current episode",
    min_failures=2,
    counted_classes=ANTIDEPRESSANT_CLASSES,
    min_weeks_at_dose=Cited(Decimal(6), MIN_WEEKS_DEFAULT),
    current_episode_only=True,
    distinct_classes=False,
    ect_min_sessions=None,
    source=LABEL_TRD,
)
BIO_K_DEFINITION = TrdDefinition(
    name="bio-k",
    version="1",
    title=">= 2 failed antidepressant or mood-stabilizer treatments (>= 8 weeks) or ECT "
    "series (>= 6 sessions) in the current episode",
    min_failures=2,
    counted_classes=ANTIDEPRESSANT_CLASSES | {"mood-stabilizer"},
    min_weeks_at_dose=Cited(Decimal(8), BIO_K),
    current_episode_only=True,
    distinct_classes=False,
    ect_min_sessions=Cited(6, BIO_K),
    source=BIO_K,
)
THREE_CLASSES_LIFETIME = TrdDefinition(
    name="three-classes-lifetime",
    version="1",
    title="failed adequate trials (>= 4 weeks) of >= 3 antidepressant classes, lifetime",
    min_failures=3,
    counted_classes=ANTIDEPRESSANT_CLASSES,
    min_weeks_at_dose=Cited(Decimal(4), PMC6884875),
    current_episode_only=False,
    distinct_classes=True,
    ect_min_sessions=None,
    source=PMC6884875,
)

DEFAULT_TRD_DEFINITION: Final = TWO_ADEQUATE_CURRENT_EPISODE.name
TRD_DEFINITIONS: Final[Mapping[str, TrdDefinition]] = MappingProxyType(
    {d.name: d for d in (TWO_ADEQUATE_CURRENT_EPISODE, BIO_K_DEFINITION, THREE_CLASSES_LIFETIME)}
)


def trd_definition(name: str) -> TrdDefinition:
    """The definition called `name`, or UnknownNameError listing the names that exist."""
    try:
        return TRD_DEFINITIONS[name]
    except KeyError:
        raise UnknownNameError("trd_definition", name, TRD_DEFINITIONS) from None


@dataclass(frozen=True)
class TrialVerdict:
    """Whether one trial or ECT course counted, and why."""

    ref: str  # "trials[0]" or "ect[1]": the path in the profile
    treatment: str
    drug_class: str
    counted: bool
    undetermined: bool
    reason: str
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "trial": self.ref,
            "treatment": self.treatment,
            "class": self.drug_class,
            "reason": self.reason,
            "undetermined": self.undetermined,
        }


@dataclass(frozen=True)
class TrdAssessment:
    """Failed adequate trials under one definition; `met` is None when it cannot be told."""

    definition: TrdDefinition
    counted: tuple[TrialVerdict, ...]
    not_counted: tuple[TrialVerdict, ...]
    met: bool | None
    missing: tuple[str, ...]  # profile fields that would settle an undecided answer

    @property
    def failed_adequate_trials(self) -> int:
        return len(self.counted)

    def as_dict(self) -> dict[str, object]:
        return {
            "definition": self.definition.name,
            "version": self.definition.version,
            "title": self.definition.title,
            "required": self.definition.min_failures,
            "failed_adequate_trials": self.failed_adequate_trials,
            "met": self.met,
            "counted": [verdict.as_dict() for verdict in self.counted],
            "not_counted": [verdict.as_dict() for verdict in self.not_counted],
            "missing": list(self.missing),
            "source": self.definition.source.as_dict(),
        }


def _judge(checks: Sequence[tuple[str, bool | None, str]], ref: str) -> tuple[list[str], list[str]]:
    """Split (field, passed?, reason-if-failed) checks into definite failures and unknowns."""
    failures = [reason for _, passed, reason in checks if passed is False]
    unknown = [f"{ref}.{name}" for name, passed, _ in checks if passed is None]
    return failures, unknown


def _verdict(
    ref: str, treatment: str, drug_class: str, checks: Sequence[tuple[str, bool | None, str]]
) -> TrialVerdict:
    failures, unknown = _judge(checks, ref)
    if failures:
        return TrialVerdict(ref, treatment, drug_class, False, False, "; ".join(failures))
    if unknown:
        reason = "cannot tell: unknown " + ", ".join(unknown)
        return TrialVerdict(ref, treatment, drug_class, False, True, reason, tuple(unknown))
    return TrialVerdict(ref, treatment, drug_class, True, False, "failed adequate trial")


def _known(value: object, test: bool) -> bool | None:
    return None if value is None else test


def _trial_verdict(index: int, trial: TreatmentTrial, d: TrdDefinition) -> TrialVerdict:
    weeks = trial.weeks_at_dose
    minimum = d.min_weeks_at_dose.value
    checks: list[tuple[str, bool | None, str]] = [
        ("class", trial.drug_class in d.counted_classes, f"class {trial.drug_class} not counted"),
        (
            "outcome",
            _known(trial.outcome, trial.outcome in FAILED_OUTCOMES),
            "stopped for intolerance: not an adequate trial"
            if trial.outcome == "intolerance"
            else f"outcome {trial.outcome}: not a failure",
        ),
        ("adequate_dose", trial.adequate_dose, "dose judged inadequate"),
        (
            "weeks_at_dose",
            _known(weeks, weeks is not None and weeks >= minimum),
            f"{weeks} weeks at dose, fewer than {minimum}",
        ),
        ("adherence", _known(trial.adherence, trial.adherence != "poor"), "poor adherence"),
    ]
    if d.current_episode_only:
        checks.insert(1, ("current_episode", trial.current_episode, "not in the current episode"))
    verdict = _verdict(f"trials[{index}]", trial.drug, trial.drug_class, checks)
    if verdict.counted:
        reason = f"{trial.outcome} after {weeks} weeks at an adequate dose"
        return replace(verdict, reason=reason)
    return verdict


def _ect_verdict(index: int, course: EctCourse, d: TrdDefinition) -> TrialVerdict:
    ref = f"ect[{index}]"
    if d.ect_min_sessions is None:
        return TrialVerdict(ref, "ECT", "ect", False, False, f"ECT does not count under {d.name}")
    minimum = d.ect_min_sessions.value
    sessions = course.sessions
    checks: list[tuple[str, bool | None, str]] = [
        (
            "outcome",
            _known(course.outcome, course.outcome in FAILED_OUTCOMES),
            f"outcome {course.outcome}: not a failure",
        ),
        (
            "sessions",
            _known(sessions, sessions is not None and sessions >= minimum),
            f"{sessions} sessions, fewer than {minimum}",
        ),
    ]
    if d.current_episode_only:
        checks.insert(0, ("current_episode", course.current_episode, "not in the current episode"))
    verdict = _verdict(ref, "ECT", "ect", checks)
    if verdict.counted:
        return replace(verdict, reason=f"{course.outcome} after {sessions} sessions")
    return verdict


def _one_per_class(verdicts: list[TrialVerdict]) -> list[TrialVerdict]:
    """Keep the first counted trial of each class; later ones of that class do not add."""
    first: dict[str, str] = {}
    for verdict in verdicts:
        if verdict.counted:
            first.setdefault(verdict.drug_class, verdict.ref)
    result = []
    for verdict in verdicts:
        owner = first.get(verdict.drug_class)
        if owner is not None and owner != verdict.ref and (verdict.counted or verdict.undetermined):
            reason = f"class {verdict.drug_class} already counted by {owner}"
            verdict = TrialVerdict(
                verdict.ref, verdict.treatment, verdict.drug_class, False, False, reason
            )
        result.append(verdict)
    return result


def assess_trd(
    trials: tuple[TreatmentTrial, ...] | None,
    ect: tuple[EctCourse, ...] | None,
    definition: TrdDefinition,
) -> TrdAssessment:
    """Count failed adequate trials under `definition` (weeks, sessions as recorded)."""
    verdicts = [_trial_verdict(i, trial, definition) for i, trial in enumerate(trials or ())]
    verdicts += [_ect_verdict(i, course, definition) for i, course in enumerate(ect or ())]
    if definition.distinct_classes:
        verdicts = _one_per_class(verdicts)
    counted = tuple(v for v in verdicts if v.counted)
    open_ = [v for v in verdicts if v.undetermined]
    possible = len(open_)
    if definition.distinct_classes:
        possible = len({v.drug_class for v in open_})
    missing = [field for v in open_ for field in v.missing]
    if trials is None:
        missing.insert(0, "trials")
    if ect is None and definition.ect_min_sessions is not None:
        missing.append("ect")
    unknown_history = trials is None or (ect is None and definition.ect_min_sessions is not None)
    met: bool | None
    if len(counted) >= definition.min_failures:
        met, missing = True, []
    elif unknown_history or len(counted) + possible >= definition.min_failures:
        met = None  # the unknowns could still decide it
    else:
        met, missing = False, []
    return TrdAssessment(
        definition=definition,
        counted=counted,
        not_counted=tuple(v for v in verdicts if not v.counted),
        met=met,
        missing=tuple(missing),
    )


def msm_failed_antidepressants(
    trials: tuple[TreatmentTrial, ...] | None, definition: TrdDefinition
) -> tuple[int | None, tuple[str, ...]]:
    """Distinct antidepressants that failed adequately in the current episode, for the MSM.

    Adequacy (dose, weeks, adherence) follows `definition`, so the stage and the TRD answer
    agree on what an adequate trial is; the episode is always the current one and
    augmentation does not matter. Returns (None, missing fields) when unknowns could change
    the count.
    """
    staging = replace(
        definition,
        counted_classes=ANTIDEPRESSANT_CLASSES,
        current_episode_only=True,
        distinct_classes=False,
        ect_min_sessions=None,
    )
    assessment = assess_trd(trials, (), staging)
    if trials is None:
        return None, ("trials",)
    open_ = [v for v in assessment.not_counted if v.undetermined]
    if open_:
        return None, tuple(field for v in open_ for field in v.missing)
    return len({v.treatment.casefold() for v in assessment.counted}), ()
