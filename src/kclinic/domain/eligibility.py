"""Eligibility screen for ketamine / esketamine treatment: decision support, not a decision.

`screen(profile, on, protocol)` runs every contraindication rule (`contraindications`),
counts failed adequate trials under the protocol's named TRD definition (`trd`), stages the
episode with the Maudsley Staging Method (`instruments.msm`) and sums it up in one status:

    blocked          any absolute finding (a label contraindication)
    override-needed  any relative finding: a prescriber may proceed with a documented reason
    incomplete       information is missing (and nothing above applies)
    eligible         nothing found; cautions may still ask for closer monitoring

The precedence is that order. Every finding names its rule, class and source, and the
result repeats that the prescriber makes and documents the decision. The profile comes from
`eligibility_parse.parse_profile`; dates are checked against the screening date `on`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from kclinic.domain.contraindications import contraindication_findings
from kclinic.domain.eligibility_parse import parse_profile
from kclinic.domain.eligibility_profile import EligibilityProfile, check_dates, episode_months_on
from kclinic.domain.eligibility_protocol import (
    BENZODIAZEPINE_LIMITS,
    DEFAULT_PROTOCOL,
    ScreeningProtocol,
    benzodiazepine_limit,
)
from kclinic.domain.eligibility_rules import (
    FINDING_CLASSES,
    MSM_STAGE,
    RULES,
    TRD_NOT_MET,
    Finding,
    FindingClass,
    Rule,
)
from kclinic.domain.instruments.base import ScoreResult
from kclinic.domain.instruments.msm import MSM, msm_answers
from kclinic.domain.trd import (
    TRD_DEFINITIONS,
    TrdAssessment,
    TrdDefinition,
    assess_trd,
    msm_failed_antidepressants,
    trd_definition,
)

Status = Literal["blocked", "override-needed", "incomplete", "eligible"]
STATUSES: Final[tuple[Status, ...]] = ("blocked", "override-needed", "incomplete", "eligible")

DECISION_SUPPORT: Final = (
    "Decision support only: the prescriber makes and documents the eligibility decision; "
    "relative findings need an override with a documented reason."
)


@dataclass(frozen=True)
class MsmStage:
    """The Maudsley stage of the current episode and the facts it was computed from."""

    score: ScoreResult
    episode_months: int
    failed_antidepressants: int
    adequacy_definition: str

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.score.total,
            "band": self.score.band,
            "band_table": self.score.band_table,
            "dimensions": dict(self.score.answers),
            "subscales": dict(self.score.subscales),
            "episode_months": self.episode_months,
            "failed_antidepressants": self.failed_antidepressants,
            "adequacy_definition": self.adequacy_definition,
        }


@dataclass(frozen=True)
class ScreeningResult:
    """The outcome of one screen; `as_dict` is the stable JSON shape of `kclinic screen`."""

    on: date
    planned_treatment: str | None
    status: Status
    findings: tuple[Finding, ...]
    trd: TrdAssessment
    msm: MsmStage | None
    msm_note: str | None
    protocol: ScreeningProtocol

    def by_class(self, finding_class: FindingClass) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.finding_class == finding_class)

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "decision_support": DECISION_SUPPORT,
            "on": self.on.isoformat(),
            "planned_treatment": self.planned_treatment,
            "protocol": self.protocol.as_dict(),
            "findings": [finding.as_dict() for finding in self.findings],
            "trd": self.trd.as_dict(),
            "msm": self.msm.as_dict() if self.msm is not None else None,
            "msm_note": self.msm_note,
        }


def _augmentation_used(profile: EligibilityProfile) -> bool | None:
    """Augmentation in the current episode: True, False, or None when it cannot be told."""
    if profile.trials is None:
        return None
    if any(trial.augmentation and trial.current_episode for trial in profile.trials):
        return True
    # A trial that may still turn out to be an augmentation in this episode leaves it open.
    if any(
        trial.augmentation is not False and trial.current_episode is not False
        for trial in profile.trials
    ):
        return None
    return False


def _ect_used(profile: EligibilityProfile) -> bool | None:
    if profile.ect is None:
        return None
    if any(course.current_episode for course in profile.ect):
        return True
    if any(course.current_episode is None for course in profile.ect):
        return None
    return False


def stage(
    profile: EligibilityProfile, on: date, definition: TrdDefinition
) -> tuple[MsmStage | None, str | None, tuple[str, ...]]:
    """The Maudsley stage, or why not: (stage, note, missing profile fields).

    Failed antidepressants are counted as adequate by `definition` (see
    `trd.msm_failed_antidepressants`); episode months are completed months on `on`.
    """
    missing: list[str] = []
    months = episode_months_on(profile, on)
    if months is None:
        missing.append("current_episode")
    severity = profile.diagnoses.severity() if profile.diagnoses is not None else None
    if severity is None:
        missing.append("diagnoses.episode_severity")
    failed, unknown_trials = msm_failed_antidepressants(profile.trials, definition)
    missing += unknown_trials
    augmentation = _augmentation_used(profile)
    if augmentation is None and "trials" not in missing:
        missing.append("trials[].augmentation")
    ect = _ect_used(profile)
    if ect is None:
        missing.append("ect")
    if months is None or severity is None or failed is None or augmentation is None or ect is None:
        return None, None, tuple(missing)  # each None above added its field to `missing`
    if failed == 0:
        note = (
            "not staged: no failed adequate antidepressant trial in the current episode; "
            "the Maudsley method has no level for zero failures"
        )
        return None, note, ()
    answers = msm_answers(months, severity, failed, augmentation, ect)
    result = MsmStage(MSM.score(answers), months, failed, definition.name)
    return result, None, ()


def _trd_findings(trd: TrdAssessment) -> tuple[Finding, ...]:
    d = trd.definition
    if trd.met is False:
        message = (
            f"{trd.failed_adequate_trials} failed adequate trial(s) under {d.name} "
            f"v{d.version}; {d.min_failures} needed"
        )
        return (Finding(TRD_NOT_MET.id, "relative", message, d.source, "trials"),)
    if trd.met is None:
        message = f"cannot tell whether {d.name} v{d.version} is met: needs " + ", ".join(
            trd.missing
        )
        return (Finding(TRD_NOT_MET.id, "missing", message, d.source, "trials"),)
    return ()


def _status(findings: tuple[Finding, ...]) -> Status:
    classes = {finding.finding_class for finding in findings}
    if "absolute" in classes:
        return "blocked"
    if "relative" in classes:
        return "override-needed"
    if "missing" in classes:
        return "incomplete"
    return "eligible"


def screen(
    profile: EligibilityProfile, on: date, protocol: ScreeningProtocol = DEFAULT_PROTOCOL
) -> ScreeningResult:
    """Screen a candidate on the date `on` under `protocol` (clinical reference 2.3-2.5).

    Raises ValidationError for a date in the profile later than `on` and UnknownNameError
    for a protocol naming a TRD definition that does not exist.
    """
    definition = trd_definition(protocol.trd_definition)
    check_dates(profile, on)
    findings = list(contraindication_findings(profile, on, protocol))
    trd = assess_trd(profile.trials, profile.ect, definition)
    findings += _trd_findings(trd)
    msm, note, missing = stage(profile, on, definition)
    if missing:
        message = "the Maudsley stage needs " + ", ".join(missing)
        findings.append(Finding(MSM_STAGE.id, "missing", message, MSM_STAGE.source, missing[0]))
    rank = {name: index for index, name in enumerate(FINDING_CLASSES)}
    ordered = tuple(sorted(findings, key=lambda finding: rank[finding.finding_class]))
    return ScreeningResult(
        on=on,
        planned_treatment=profile.planned_treatment,
        status=_status(ordered),
        findings=ordered,
        trd=trd,
        msm=msm,
        msm_note=note,
        protocol=protocol,
    )


@dataclass(frozen=True)
class StatusAfterOverrides:
    """A screening's status once the prescriber's documented overrides are counted."""

    status: str  # a screening status, or "eligible-with-overrides"
    overridden: tuple[str, ...]
    pending: tuple[str, ...]


def status_after_overrides(
    status: str,
    relative_rules: Sequence[str],
    overridden_rules: Iterable[str],
    *,
    information_missing: bool,
) -> StatusAfterOverrides:
    """Only relative findings can be overridden: a blocked screening stays blocked. Once every
    relative finding has a documented override, the screening is eligible with overrides, or
    still incomplete while information is missing."""
    done = set(overridden_rules)
    pending = tuple(rule for rule in relative_rules if rule not in done)
    overridden = tuple(rule for rule in relative_rules if rule in done)
    if status == "override-needed" and not pending:
        status = "incomplete" if information_missing else "eligible-with-overrides"
    return StatusAfterOverrides(status, overridden, pending)


__all__ = [
    "BENZODIAZEPINE_LIMITS",
    "DECISION_SUPPORT",
    "DEFAULT_PROTOCOL",
    "RULES",
    "STATUSES",
    "TRD_DEFINITIONS",
    "EligibilityProfile",
    "Finding",
    "MsmStage",
    "Rule",
    "ScreeningProtocol",
    "ScreeningResult",
    "StatusAfterOverrides",
    "benzodiazepine_limit",
    "parse_profile",
    "screen",
    "stage",
    "status_after_overrides",
]
