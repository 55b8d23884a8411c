"""Suicide-risk routing of patient self-reports: which answers make an URGENT task.

A self-report is answered away from the clinic, so nobody is in the room when a patient
reports thoughts of death. The rules here decide which answers are routed urgently to the
patient's primary clinician and the site's on-call clinician (the web layer does the routing):

    phq9-item9         PHQ-9 item 9 above 0 ("not at all")        (clinical reference 5.1)
    qids-item12        QIDS-SR16 item 12 at 1 or more             (5.3; kclinic policy)
    cssrs-moderate-high C-SSRS screener at Columbia triage level   (5.6)
                       moderate or high

Each rule also names the instrument's safety flag it routes, so the task the assessment opens
for that flag is the one marked urgent. Every urgent rule implies the instrument raises that
flag (tests/unit/test_self_report_risk.py checks it over all answer vectors), so routing never
depends on a task the assessment did not open.

`shows_crisis_resources` is wider than the urgent rules: any endorsement of death or suicide
thoughts or behaviour, including a C-SSRS "yes" at low triage level, shows the patient the
clinic's crisis text straight away. Answers may be partial (None = not answered yet); a blank
never raises or hides anything that the given answers show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from kclinic.domain.instruments import cssrs_screener, phq9, qids_sr16
from kclinic.domain.instruments.base import SUICIDAL_BEHAVIOUR, SUICIDAL_IDEATION
from kclinic.domain.sources import Source

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class UrgentRule:
    id: str
    instrument: str
    description: str
    source: Source


@dataclass(frozen=True)
class UrgentFinding:
    """A rule that holds for an answer set, and the safety flag whose task is routed."""

    rule: UrgentRule
    flag: str
    detail: str


PHQ9_ITEM9: Final = UrgentRule(
    id="phq9-item9",
    instrument=phq9.PHQ9.id,
    description="PHQ-9 item 9 (thoughts of being better off dead or of self-harm) above 0",
    source=phq9.ITEM9_ROUTING,
)
QIDS_ITEM12: Final = UrgentRule(
    id="qids-item12",
    instrument=qids_sr16.QIDS_SR16.id,
    description="QIDS-SR16 item 12 (thoughts of death or suicide) at 1 or more",
    source=qids_sr16.ITEM12_ROUTING,
)
CSSRS_MODERATE_HIGH: Final = UrgentRule(
    id="cssrs-moderate-high",
    instrument=cssrs_screener.CSSRS_SCREENER.id,
    description="C-SSRS screener at Columbia triage level moderate or high",
    source=cssrs_screener.COLUMBIA_TRIAGE,
)
RULES: Final = (PHQ9_ITEM9, QIDS_ITEM12, CSSRS_MODERATE_HIGH)


def _value(answers: Answers, item_id: str) -> int:
    value = answers.get(item_id)
    return value if isinstance(value, int) else 0


def _cssrs_answers(answers: Answers) -> dict[str, int | None]:
    # Items not yet answered count as "no" for the level; more answers can only raise it.
    return {item.id: answers.get(item.id) for item in cssrs_screener.ITEMS}


def cssrs_level(answers: Answers) -> str:
    """The Columbia triage level (none/low/moderate/high) of possibly partial answers."""
    criteria = cssrs_screener.triage_criteria(_cssrs_answers(answers))
    return cssrs_screener.triage_level(criteria)


def urgent_findings(instrument_id: str, answers: Answers) -> tuple[UrgentFinding, ...]:
    """The urgent rules these answers meet (empty for instruments without a rule)."""
    if instrument_id == PHQ9_ITEM9.instrument:
        value = _value(answers, phq9.ITEM_IDS[-1])
        if value > 0:
            return (UrgentFinding(PHQ9_ITEM9, SUICIDAL_IDEATION, f"item 9 = {value}"),)
    elif instrument_id == QIDS_ITEM12.instrument:
        value = _value(answers, qids_sr16.SUICIDE_ITEM)
        if value >= 1:
            return (UrgentFinding(QIDS_ITEM12, SUICIDAL_IDEATION, f"item 12 = {value}"),)
    elif instrument_id == CSSRS_MODERATE_HIGH.instrument:
        level = cssrs_level(answers)
        if level in (cssrs_screener.MODERATE, cssrs_screener.HIGH):
            criteria = cssrs_screener.triage_criteria(_cssrs_answers(answers))
            ideation = criteria["intent_or_plan"] or criteria["thoughts_with_method"]
            flag = SUICIDAL_IDEATION if ideation else SUICIDAL_BEHAVIOUR
            return (UrgentFinding(CSSRS_MODERATE_HIGH, flag, f"triage level {level}"),)
    return ()


def shows_crisis_resources(instrument_id: str, answers: Answers) -> bool:
    """True when the patient should see the clinic's crisis text now: any urgent finding, or
    any C-SSRS "yes" about death, suicidal thoughts or behaviour."""
    if urgent_findings(instrument_id, answers):
        return True
    if instrument_id == CSSRS_MODERATE_HIGH.instrument:
        return any(_value(answers, item.id) == 1 for item in cssrs_screener.ITEMS)
    return False
