"""BPRS+, the positive-symptom subscale of the Brief Psychiatric Rating Scale.

Overall JE, Gorham DR 1962 (18-item form, Overall 1972/76). Four clinician-rated items:
conceptual disorganization, suspiciousness, hallucinatory behaviour and unusual thought
content, items 4, 11, 12 and 15 in the Overall-Gorham 18-item order (clinical reference 5.8;
the numbering is to be checked against the clinic's form).

The sources disagree on the rating scale: the BPRS rates each item 1 (not present) to 7
(extremely severe), total 4-28, while NCT04226963 rated the same items 0-6, total 0-24
(a 0-6 rating is the 1-7 rating minus 1). The convention is an explicit option and is stored
with every result, because the same total means different things under the two. The allowed
answers follow the chosen convention (a 0 under 1-7 is refused), and the instrument's total
range, 0-28, spans both.

No band table: none is published for the subscale. The BPRS is public domain; the item texts
below are kclinic's own short descriptions.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    Answers,
    Instrument,
    Item,
    Licence,
    Option,
    Options,
    Tally,
    scale_items,
    total_if_complete,
)
from kclinic.domain.sources import Source

OVERALL_GORHAM_1962 = Source(
    id="overall-gorham-1962",
    citation="Overall JE, Gorham DR. The Brief Psychiatric Rating Scale. Psychol Rep 1962; "
    "18-item form with disorientation and excitement, Overall 1972/76 (history as given in "
    "CamCOPS docs/source/tasks/bprs.rst)",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/docs/source/"
    "tasks/bprs.rst",
    confidence="secondary",
    note="journal and the 1-7 rating per item are from general knowledge, not read in a "
    "stored source; item numbers 4, 11, 12, 15 unverified",
)
BPRS_POSITIVE_ITEMS = Source(
    id="bprs-positive-items",
    citation="BPRS positive subscale (BPRS+): conceptual disorganization, suspiciousness, "
    "hallucinatory behavior, unusual thought content",
    url="https://pubcompare.ai/protocol/aOw9sYsBwGXEOgesDu2Y",
)
NCT04226963_BPRS = Source(
    id="nct04226963-bprs",
    citation="NCT04226963 outcome definitions: BPRS positive subscale, each item scored 0-6, "
    "total 0-24",
    url="https://inclinicaltrials.com/major-depressive-disorder/NCT04226963/details",
)
BPRS_LICENCE = Source(
    id="bprs-public-domain",
    citation="BPRS is public domain (US VA/NIMH-funded work), as recorded in CamCOPS "
    "docs/source/tasks/bprs.rst",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/docs/source/"
    "tasks/bprs.rst",
)

ONE_TO_SEVEN = "1-7"
ZERO_TO_SIX = "0-6"
ALLOWED: dict[str, tuple[int, ...]] = {
    ONE_TO_SEVEN: (1, 2, 3, 4, 5, 6, 7),
    ZERO_TO_SIX: (0, 1, 2, 3, 4, 5, 6),
}

CONVENTION = Option(
    name="convention",
    choices=(ONE_TO_SEVEN, ZERO_TO_SIX),
    default=ONE_TO_SEVEN,
    description="Rating scale of each item: 1-7 (1 = not present; total 4-28) as in the "
    "published BPRS, or 0-6 (0 = not present; total 0-24) as in NCT04226963. Default 1-7 "
    "because it is the scale's own published anchoring; 0-6 = 1-7 minus 1",
    source=NCT04226963_BPRS,
)

ITEMS = scale_items(
    names=(
        "conceptual disorganization",
        "suspiciousness",
        "hallucinatory behavior",
        "unusual thought content",
    ),
    values=ALLOWED[ONE_TO_SEVEN],
    texts=(
        "Conceptual disorganization (BPRS-18 item 4): thinking that is confused, "
        "disconnected or hard to follow",
        "Suspiciousness (BPRS-18 item 11): mistrust, or belief that others intend harm",
        "Hallucinatory behavior (BPRS-18 item 12): perceptions without an outside stimulus",
        "Unusual thought content (BPRS-18 item 15): odd, strange or bizarre ideas",
    ),
)
ITEM_IDS = tuple(item.id for item in ITEMS)


def values_for(item: Item, options: Options) -> tuple[int, ...]:
    """The ratings allowed under the chosen convention (1-7 or 0-6)."""
    return ALLOWED[options.get(CONVENTION.name, CONVENTION.default)]


def _score(answers: Answers, options: Options) -> Tally:
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(total=total, complete=total is not None)


BPRS_POSITIVE = Instrument(
    id="bprs-positive",
    name="Brief Psychiatric Rating Scale, positive-symptom subscale (BPRS+)",
    respondent="clinician",
    # Rated at set times during and after a session; the reference states no recall period.
    recall_period=None,
    items=ITEMS,
    # 0-28 spans both conventions: 4-28 on the 1-7 scale and 0-24 on the 0-6 scale.
    min_total=0,
    max_total=28,
    licence=Licence(
        status="public-domain",
        ships_item_text=True,
        note="Public domain (US VA/NIMH-funded work). The shipped texts are kclinic's own "
        "short descriptions",
        source=BPRS_LICENCE,
    ),
    sources=(OVERALL_GORHAM_1962, BPRS_POSITIVE_ITEMS, NCT04226963_BPRS),
    scorer=_score,
    options=(CONVENTION,),
    values_for=values_for,
    description="Psychotomimetic effects after a dose. The rating convention (1-7 or 0-6) is "
    "stored with the result; no bands.",
)
