"""PHQ-9, the Patient Health Questionnaire depression module.

Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity
measure. J Gen Intern Med 2001;16:606-613. Nine items scored 0-3 over the last two weeks,
total 0-27. Item 9 (thoughts of being better off dead or of self-harm) raises the
`suicidal_ideation` flag at any answer above 0, whatever the total (clinical reference 5.1).
The optional tenth "difficulty" item is not scored and is not part of this form.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    SUICIDAL_IDEATION,
    Answers,
    BandTable,
    Choice,
    Instrument,
    Licence,
    Options,
    Tally,
    bands,
    scale_items,
    total_if_complete,
)
from kclinic.domain.sources import Source

KROENKE_2001 = Source(
    id="kroenke-2001",
    citation="Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression "
    "severity measure. J Gen Intern Med 2001;16:606-613",
    url="https://pubcompare.ai/protocol/NuN91YwB4C3bMWOeevSj",
    confidence="secondary",
    note="items, 0-3 scale and cut-points 5/10/15/20 as quoted by secondary pages",
)
PFIZER_LICENCE = Source(
    id="pfizer-phq-licence",
    citation="Pfizer: PHQ and GAD-7 screeners, no permission required to reproduce, translate, "
    "display or distribute (2010)",
    url="https://news-medical.net/news/20100723/Pfizer-announces-unrestricted-access-to-patient-assessment-aids-for-mental-disorders.aspx",
)
ITEM9_ROUTING = Source(
    id="phq9-item9-routing",
    citation="Item 9 endorsed: structured suicide risk assessment before the visit ends; "
    "Simon GE et al. Psychiatr Serv 2013 (risk rises with item-9 frequency)",
    url="https://psychiatryonline.org/doi/full/10.1176/appi.ps.201200587",
)

FREQUENCY = (
    Choice(0, "Not at all"),
    Choice(1, "Several days"),
    Choice(2, "More than half the days"),
    Choice(3, "Nearly every day"),
)

ITEMS = scale_items(
    names=(
        "anhedonia",
        "depressed mood",
        "sleep",
        "tiredness",
        "appetite",
        "self-worth",
        "concentration",
        "psychomotor",
        "thoughts of death or self-harm",
    ),
    values=(0, 1, 2, 3),
    texts=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself, or that you are a failure or have let yourself or "
        "your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed, or the opposite: "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
    ),
    choices=FREQUENCY,
    loinc=(
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ),
)
ITEM_IDS = tuple(item.id for item in ITEMS)

SEVERITY = BandTable(
    name="kroenke-2001",
    bands=bands(
        ("none-minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately severe", 15, 19),
        ("severe", 20, 27),
    ),
    source=KROENKE_2001,
)


def _score(answers: Answers, options: Options) -> Tally:
    item9 = answers["9"]
    flags = (SUICIDAL_IDEATION,) if item9 is not None and item9 > 0 else ()
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(total=total, complete=total is not None, flags=flags)


PHQ9 = Instrument(
    id="phq9",
    name="Patient Health Questionnaire-9 (PHQ-9)",
    respondent="patient",
    recall_period="last 2 weeks",
    items=ITEMS,
    min_total=0,
    max_total=27,
    licence=Licence(
        status="free",
        ships_item_text=True,
        note="Copyright Pfizer; no permission required to reproduce, translate, display or "
        "distribute",
        source=PFIZER_LICENCE,
    ),
    sources=(KROENKE_2001, ITEM9_ROUTING),
    scorer=_score,
    band_tables=(SEVERITY,),
    default_band_table=SEVERITY.name,
    codes={"loinc_panel": "44249-1", "loinc_total": "44261-6", "snomed_total": "720433000"},
    description="Depression severity, self-report. Item 9 > 0 flags suicidal ideation.",
)
