"""QIDS-SR16, the 16-item Quick Inventory of Depressive Symptomatology, self-report.

Rush AJ et al. Biol Psychiatry 2003;54:573-583. Sixteen items scored 0-3 over the last seven
days map onto the nine DSM symptom domains. A domain scores the highest of its items, and the
total (0-27) is the sum of the nine domain scores, NOT the sum of the sixteen items
(clinical reference 5.3): summing the items counts sleep up to four times.

The form tells the patient to answer either item 6 or item 7 (appetite decreased/increased),
and either item 8 or item 9 (weight decreased/increased). The max rule tolerates a blank in
each pair, so one of each pair may be left blank; at least one of each pair must be answered
for the form to be complete. A form with both items of a pair answered is accepted and scored
by the same max rule, which is what the domain definition says.

Item 12 (thoughts of death or suicide) at 1 or more raises `suicidal_ideation`, whatever the
total and even on an incomplete form. Licence terms for commercial software were not found,
so only item numbers and short names ship, never the item wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from kclinic.domain.instruments.base import (
    SUICIDAL_IDEATION,
    Answers,
    BandTable,
    Instrument,
    Licence,
    Options,
    Tally,
    bands,
    scale_items,
)
from kclinic.domain.sources import KCLINIC_POLICY, Source

RUSH_2003 = Source(
    id="rush-2003",
    citation="Rush AJ et al. The 16-item Quick Inventory of Depressive Symptomatology (QIDS). "
    "Biol Psychiatry 2003;54:573-583",
    url="https://www.millisecond.com/library/v7/qids_sr16/qids_sr16/qids_sr16.manual",
    confidence="secondary",
    note="nine-domain max rule as described by the Millisecond manual and "
    "https://rdrr.io/cran/cliot/man/qids_depression_score.html",
)
QIDS_FORM = Source(
    id="qids-sr16-form",
    citation="QIDS-SR16 form instructions: complete either item 6 or 7 (not both) and either "
    "item 8 or 9 (not both)",
    url="https://scales.arabpsychology.com/s/inventory-of-depressive-symptomatology-ids-or-qids/"
    "?print-posts=pdf",
)
IDS_QIDS_INTERPRETATION = Source(
    id="ids-qids-interpretation",
    citation="IDS/QIDS interpretation table: QIDS-SR16 0-5 none, 6-10 mild, 11-15 moderate, "
    "16-20 severe, 21-27 very severe",
    url="http://ids-qids.org/interpretation.html",
)
QIDS_LICENCE = Source(
    id="ids-qids-licence",
    citation="IDS/QIDS measures distributed by the authors at ids-qids.org and described as "
    "available online; licence terms for commercial software not found",
    url="https://www.mrcpsych.uk/2022/05/the-inventory-of-depressive-symptoms.html",
    confidence="unverified",
)
ITEM12_ROUTING = Source(
    id="qids-item12-routing",
    citation="kclinic policy: QIDS-SR16 item 12 (thoughts of death or suicide) at 1 or more "
    "routes to a suicide risk assessment, as PHQ-9 item 9 does (clinical reference 5.3 and "
    "5.1)",
    url="https://psychiatryonline.org/doi/full/10.1176/appi.ps.201200587",
    confidence="policy",
    note="no published routing rule for QIDS item 12 was found; the PHQ-9 item-9 evidence "
    "(Simon 2013: suicide-attempt risk rises with the frequency of such thoughts) is applied "
    "by analogy, because a missed flag costs more than an extra assessment",
)

ITEMS = scale_items(
    names=(
        "falling asleep",
        "sleep during the night",
        "waking up too early",
        "sleeping too much",
        "feeling sad",
        "decreased appetite",
        "increased appetite",
        "decreased weight",
        "increased weight",
        "concentration and decision making",
        "view of myself",
        "thoughts of death or suicide",
        "general interest",
        "energy level",
        "feeling slowed down",
        "feeling restless",
    ),
    values=(0, 1, 2, 3),
)

# The nine DSM domains and the items each one takes its maximum over (clinical reference 5.3).
DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sleep", ("1", "2", "3", "4")),
    ("sad_mood", ("5",)),
    ("appetite_weight", ("6", "7", "8", "9")),
    ("concentration", ("10",)),
    ("view_of_self", ("11",)),
    ("thoughts_of_death_or_suicide", ("12",)),
    ("general_interest", ("13",)),
    ("energy", ("14",)),
    ("psychomotor", ("15", "16")),
)
# Pairs of which one item may be blank; the other must be answered.
EITHER_OR = (("6", "7"), ("8", "9"))
SUICIDE_ITEM = "12"

SEVERITY = BandTable(
    name="ids-qids",
    bands=bands(
        ("none", 0, 5),
        ("mild", 6, 10),
        ("moderate", 11, 15),
        ("severe", 16, 20),
        ("very severe", 21, 27),
    ),
    source=IDS_QIDS_INTERPRETATION,
)


def _pair_answered(answers: Answers, pair: Sequence[str]) -> bool:
    return any(answers[item_id] is not None for item_id in pair)


def _domain_score(answers: Answers, item_ids: Sequence[str]) -> int | None:
    """The highest answer in the domain, or None when the domain cannot be scored.

    Every item must be answered, except that one of each either/or pair may be blank.
    """
    for item_id in item_ids:
        if answers[item_id] is not None:
            continue
        pair = next((p for p in EITHER_OR if item_id in p), None)
        if pair is None or not _pair_answered(answers, pair):
            return None
    return max(value for item_id in item_ids if (value := answers[item_id]) is not None)


def domain_scores(answers: Answers) -> dict[str, int | None]:
    """The nine QIDS-SR16 domain scores (each 0-3; None where the domain is incomplete).

    Rush AJ et al. Biol Psychiatry 2003;54:573-583; clinical reference 5.3.
    """
    return {name: _domain_score(answers, item_ids) for name, item_ids in DOMAINS}


def _score(answers: Answers, options: Options) -> Tally:
    item12 = answers[SUICIDE_ITEM]
    flags = (SUICIDAL_IDEATION,) if item12 is not None and item12 >= 1 else ()
    domains = domain_scores(answers)
    scored = [score for score in domains.values() if score is not None]
    complete = len(scored) == len(DOMAINS)
    total = sum(scored) if complete else None
    return Tally(total=total, complete=complete, subscales=domains, flags=flags)


QIDS_SR16 = Instrument(
    id="qids-sr16",
    name="Quick Inventory of Depressive Symptomatology, self-report, 16 items (QIDS-SR16)",
    respondent="patient",
    recall_period="last 7 days",
    items=ITEMS,
    min_total=0,
    max_total=27,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="Distributed by the authors at ids-qids.org; terms for commercial software not "
        "verified, so only item numbers and short names ship",
        source=QIDS_LICENCE,
    ),
    sources=(RUSH_2003, QIDS_FORM, IDS_QIDS_INTERPRETATION, ITEM12_ROUTING, KCLINIC_POLICY),
    scorer=_score,
    band_tables=(SEVERITY,),
    default_band_table=SEVERITY.name,
    description="Depression severity, self-report. Total is the sum of nine domain maxima, "
    "not of the sixteen items. Item 12 >= 1 flags suicidal ideation.",
)
