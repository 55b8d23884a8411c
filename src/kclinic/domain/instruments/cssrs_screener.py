"""C-SSRS screener (Columbia Protocol screen version), with enforced skip logic and triage.

Posner K et al. Am J Psychiatry 2011;168:1266-1277. Seven yes/no questions (clinical
reference 5.6): q1 wish to be dead, q2 non-specific active suicidal thoughts, q3 thoughts
with method, q4 intent without a specific plan, q5 intent with a specific plan, q6 suicidal
behaviour ever, q6a behaviour within the past 3 months.

Skip logic is enforced, not advisory: q3-q5 are asked only when q2 is yes and q6a only when
q6 is yes. An answer to a question the skip logic does not ask is refused with AnswerError,
because a form that contradicts itself cannot be triaged safely.

The screener has no summed score. Its result is a triage level (none/low/moderate/high) by
the Columbia triage guidance, the highest matching rule winning. One open FHIR model (SPiER)
rates q4 as moderate and old behaviour as high; kclinic follows Columbia, the scale's
authors (see docs/clinical/instruments-b.md). Any yes to q1-q5 flags suicidal ideation and
q6 yes flags suicidal behaviour, even on an incomplete form.

Licence: "freely available for community use", but the terms for commercial software were
not found, so only item numbers and short names ship, never the wording.
"""

from __future__ import annotations

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.base import (
    SUICIDAL_BEHAVIOUR,
    SUICIDAL_IDEATION,
    Answers,
    Choice,
    Instrument,
    Item,
    Licence,
    Option,
    Options,
    Tally,
)
from kclinic.domain.sources import Source

POSNER_2011 = Source(
    id="posner-2011",
    citation="Posner K et al. Am J Psychiatry 2011;168:1266-1277; screen version "
    "structure and skip logic as described by the Columbia ideation definitions and prompts",
    url="https://docest.com/doc/610945/suicide-ideation-definitions-and-prompts",
)
COLUMBIA_TRIAGE = Source(
    id="columbia-triage",
    citation="Columbia Protocol clinical triage guidelines: yes to q4 or q5, or any suicidal "
    "behaviour in the past 3 months, indicates high (severe) risk; q3 or older behaviour "
    "moderate; q1/q2 only low",
    url="https://docsbay.net/doc/914678/c-ssrs-triage-guidelines",
    note="also https://help.blueprint-health.com/en/articles/"
    "5208202-columbia-suicide-severity-rating-scale-screen-c-ssrs-screen; the SPiER FHIR "
    "model (q4 moderate, old behaviour high) disagrees and is not offered",
)
CSSRS_LICENCE = Source(
    id="cssrs-licence",
    citation="C-SSRS: 'freely available for community use' (secondary page); Columbia "
    "Lighthouse Project terms for commercial or for-profit software not found",
    url="https://www.symptomatik.com/medical-tests/c-ssrs-screener-columbia-suicide-severity-"
    "rating-scale/",
    confidence="secondary",
)

NONE = "none"
LOW = "low"
MODERATE = "moderate"
HIGH = "high"
LEVELS = (NONE, LOW, MODERATE, HIGH)

YES_NO = (Choice(0, "no"), Choice(1, "yes"))


def _yes_no(item_id: str, short_name: str) -> Item:
    return Item(id=item_id, short_name=short_name, values=(0, 1), choices=YES_NO, yes_no=True)


ITEMS = (
    _yes_no("q1", "wish to be dead"),
    _yes_no("q2", "non-specific active suicidal thoughts"),
    _yes_no("q3", "suicidal thoughts with method"),
    _yes_no("q4", "suicidal intent without specific plan"),
    _yes_no("q5", "suicidal intent with specific plan"),
    _yes_no("q6", "suicidal behaviour (ever)"),
    _yes_no("q6a", "suicidal behaviour within the past 3 months"),
)
ALWAYS_ASKED = ("q1", "q2", "q6")
# Follow-up questions and the gate question that must be answered yes for them to be asked.
GATED = {"q3": "q2", "q4": "q2", "q5": "q2", "q6a": "q6"}
IDEATION_ITEMS = ("q1", "q2", "q3", "q4", "q5")

TRIAGE = Option(
    name="triage",
    choices=("columbia",),
    default="columbia",
    description="Columbia triage guidance, highest matching rule wins: q4 or q5 yes, or "
    "behaviour within 3 months = high; q3 yes or behaviour more than 3 months ago = "
    "moderate; q1/q2 only = low; nothing endorsed = none. The SPiER FHIR mapping disagrees "
    "(q4 moderate, old behaviour high) and is deliberately not offered.",
    source=COLUMBIA_TRIAGE,
)


def _check_skip_logic(answers: Answers) -> None:
    for item_id, gate in GATED.items():
        value = answers[item_id]
        if value is None or answers[gate] == 1:
            continue
        state = "no" if answers[gate] == 0 else "unanswered"
        short_name = next(item.short_name for item in ITEMS if item.id == item_id)
        raise AnswerError(
            f"cssrs-screener item {item_id} ({short_name})",
            value,
            f"no answer while item {gate} is {state}",
            detail=f"skip logic: {item_id} is asked only if {gate} = yes",
        )


def _asked(answers: Answers) -> tuple[str, ...]:
    asked = list(ALWAYS_ASKED)
    asked += [item_id for item_id, gate in GATED.items() if answers[gate] == 1]
    return tuple(asked)


def _yes(answers: Answers, *item_ids: str) -> bool:
    return any(answers[item_id] == 1 for item_id in item_ids)


def triage_criteria(answers: Answers) -> dict[str, bool]:
    """Which Columbia triage rules hold for these (skip-logic-valid) answers."""
    return {
        "intent_or_plan": _yes(answers, "q4", "q5"),
        "behaviour_within_3_months": _yes(answers, "q6") and _yes(answers, "q6a"),
        "thoughts_with_method": _yes(answers, "q3"),
        "behaviour_over_3_months_ago": _yes(answers, "q6") and answers["q6a"] == 0,
        "wish_or_thoughts": _yes(answers, "q1", "q2"),
    }


def triage_level(criteria: dict[str, bool]) -> str:
    """The Columbia triage level: the highest level whose rule holds."""
    if criteria["intent_or_plan"] or criteria["behaviour_within_3_months"]:
        return HIGH
    if criteria["thoughts_with_method"] or criteria["behaviour_over_3_months_ago"]:
        return MODERATE
    if criteria["wish_or_thoughts"]:
        return LOW
    return NONE


def _score(answers: Answers, options: Options) -> Tally:
    _check_skip_logic(answers)
    flags: list[str] = []
    if _yes(answers, *IDEATION_ITEMS):
        flags.append(SUICIDAL_IDEATION)
    if _yes(answers, "q6"):
        flags.append(SUICIDAL_BEHAVIOUR)
    complete = all(answers[item_id] is not None for item_id in _asked(answers))
    criteria = triage_criteria(answers)
    level = triage_level(criteria)
    # An incomplete form can still be definitively high: more answers can only raise the
    # level. Any lower level could rise once the missing items are answered, so it is withheld.
    band = level if complete or level == HIGH else None
    return Tally(total=None, complete=complete, flags=tuple(flags), criteria=criteria, band=band)


CSSRS_SCREENER = Instrument(
    id="cssrs-screener",
    name="Columbia-Suicide Severity Rating Scale, screen version (C-SSRS screener)",
    respondent="clinician",
    recall_period="past month (q1-q5); lifetime and past 3 months (q6, q6a)",
    items=ITEMS,
    # No summed score exists; the result is the triage level in `band` and total is None.
    min_total=None,
    max_total=None,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="Free for community use per a secondary page; commercial-software terms "
        "unverified, so item numbers and short names only",
        source=CSSRS_LICENCE,
    ),
    sources=(POSNER_2011, COLUMBIA_TRIAGE),
    scorer=_score,
    options=(TRIAGE,),
    description="Suicide risk screen. Result is the Columbia triage level "
    "(none/low/moderate/high); any yes to q1-q5 flags ideation, q6 yes flags behaviour.",
)
