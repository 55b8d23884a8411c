"""GAD-7, the Generalized Anxiety Disorder 7-item scale.

Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-1097. Seven items
scored 0-3 over the last two weeks, total 0-21, bands 0-4 minimal, 5-9 mild, 10-14 moderate,
15-21 severe (clinical reference 5.2). No item of the GAD-7 asks about self-harm, so the scale
raises no safety flag. Pfizer allows the wording to be reproduced, so the item text ships,
with the LOINC codes of clinical reference 7.2.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    Answers,
    BandTable,
    Instrument,
    Licence,
    Options,
    Tally,
    bands,
    scale_items,
    total_if_complete,
)

# The GAD-7 shares the PHQ's answer scale (same authors, same four frequencies).
from kclinic.domain.instruments.phq9 import FREQUENCY, PFIZER_LICENCE
from kclinic.domain.sources import Source

SPITZER_2006 = Source(
    id="spitzer-2006",
    citation="Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing "
    "generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097",
    url="https://www.mrcpsych.uk/search/label/GAD-7",
    confidence="secondary",
    note="items, 0-3 scale and cut-points 5/10/15 as quoted by secondary pages; also "
    "https://scales.arabpsychology.com/index.php/s/gad-7-anxiety-severity/",
)
GAD7_LOINC = Source(
    id="loinc-gad7",
    citation="LOINC GAD-7 panel 69737-5, item codes and total score 70274-6, as carried by "
    "the HL7 personal-health-record-format-ig and FHIR questionnaires (clinical reference 7.2)",
    url="https://github.com/HL7/personal-health-record-format-ig",
)


ITEMS = scale_items(
    names=(
        "nervousness",
        "uncontrollable worry",
        "excessive worry",
        "trouble relaxing",
        "restlessness",
        "irritability",
        "fear of something awful",
    ),
    values=(0, 1, 2, 3),
    texts=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    choices=FREQUENCY,
    loinc=(
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ),
)
ITEM_IDS = tuple(item.id for item in ITEMS)

SEVERITY = BandTable(
    name="spitzer-2006",
    bands=bands(
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    ),
    source=SPITZER_2006,
)


def _score(answers: Answers, options: Options) -> Tally:
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(total=total, complete=total is not None)


GAD7 = Instrument(
    id="gad7",
    name="Generalized Anxiety Disorder 7-item scale (GAD-7)",
    respondent="patient",
    recall_period="last 2 weeks",
    items=ITEMS,
    min_total=0,
    max_total=21,
    licence=Licence(
        status="free",
        ships_item_text=True,
        note="Copyright Pfizer; no permission required to reproduce, translate, display or "
        "distribute",
        source=PFIZER_LICENCE,
    ),
    sources=(SPITZER_2006, GAD7_LOINC),
    scorer=_score,
    band_tables=(SEVERITY,),
    default_band_table=SEVERITY.name,
    codes={"loinc_panel": "69737-5", "loinc_total": "70274-6"},
    description="Anxiety severity, self-report. A total of 10 or more usually prompts further "
    "evaluation.",
)
