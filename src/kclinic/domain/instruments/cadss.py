"""CADSS, the Clinician-Administered Dissociative States Scale, 23-item version.

The original scale (Bremner JD, Krystal JH, Putnam FW et al. J Trauma Stress 1998) has 19
subjective and 8 observer items; ketamine and esketamine trials use a 23-item version with
every item rated 0 (not at all) to 4 (extremely), total 0-92 (clinical reference 5.7). This
module is that 23-item version.

No validated severity bands exist, so the scale has no band table: a clinic reads the total
and its change from the pre-dose rating. Dissociation is an expected effect of ketamine, not
a safety flag in itself, so CADSS raises no flag.

The licence is unknown (author J. Douglas Bremner, Emory), and the names of the 23 items could
not be verified, so the items are called "item 1" to "item 23" and no wording ships.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    Answers,
    Instrument,
    Licence,
    Options,
    Tally,
    scale_items,
    total_if_complete,
)
from kclinic.domain.sources import Source

BREMNER_1998 = Source(
    id="bremner-1998",
    citation="Bremner JD, Krystal JH, Putnam FW et al. Clinician-Administered Dissociative "
    "States Scale (CADSS). J Trauma Stress 1998",
    url="https://pubcompare.ai/protocol/aOw9sYsBwGXEOgesDu2Y",
    confidence="secondary",
    note="original 19 subjective + 8 observer items (the 2014 manual says 28 items; the "
    "27-versus-28 difference was not resolved); subjective components depersonalization, "
    "derealization, amnesia",
)
CADSS_23 = Source(
    id="cadss-23-nct04226963",
    citation="23-item CADSS as used in ketamine/esketamine trials: each item 0 (not at all) "
    "to 4 (extremely), total 0-92 (NCT04226963 outcome definitions)",
    url="https://inclinicaltrials.com/major-depressive-disorder/NCT04226963/details",
)
CADSS_23_PSYCHOMETRICS = Source(
    id="cadss-23-psychometrics",
    citation="Psychometric properties of the 23-item CADSS",
    url="https://discovery.researcher.life/topic/history-of-psychological-trauma/26394355"
    "?page=1&topic_name=History+Of+Psychological+Trauma",
)
CADSS_LICENCE = Source(
    id="cadss-licence",
    citation="CADSS, author J. Douglas Bremner (Emory University): no licence statement "
    "found; contact the author (clinical reference 5, licensing table)",
    url="https://pubcompare.ai/protocol/aOw9sYsBwGXEOgesDu2Y",
    confidence="unverified",
)

ITEM_COUNT = 23
ITEMS = scale_items(
    names=tuple(f"item {number}" for number in range(1, ITEM_COUNT + 1)),
    values=(0, 1, 2, 3, 4),
)
ITEM_IDS = tuple(item.id for item in ITEMS)


def _score(answers: Answers, options: Options) -> Tally:
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(total=total, complete=total is not None)


CADSS = Instrument(
    id="cadss",
    name="Clinician-Administered Dissociative States Scale, 23 items (CADSS)",
    respondent="clinician",
    # A state measure rated at set times during and after a session, not over a recall
    # window; the reference states no recall period.
    recall_period=None,
    items=ITEMS,
    min_total=0,
    max_total=4 * ITEM_COUNT,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="Licence not found (author J. Douglas Bremner); items are numbered only and no "
        "wording ships",
        source=CADSS_LICENCE,
    ),
    sources=(BREMNER_1998, CADSS_23, CADSS_23_PSYCHOMETRICS),
    scorer=_score,
    description="Dissociation during and after a dose. No validated bands: read the total and "
    "its change from the pre-dose rating.",
)
