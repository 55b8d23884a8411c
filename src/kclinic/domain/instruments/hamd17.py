"""HAM-D-17, the 17-item Hamilton Depression Rating Scale (HRSD-17).

Hamilton M. J Neurol Neurosurg Psychiatry 1960;23:56-62. Seventeen clinician-rated items:
items 1-3, 7-11 and 15 are rated 0-4, items 4-6, 12-14, 16 and 17 are rated 0-2, so the
total runs 0-52 (9 x 4 + 8 x 2). Items 18-21 of the 21-item forms are not scored and are not
part of this form (clinical reference 5.5).

Item 16 (weight loss) is rated either by history (method A) or by measurement (method B); the
method does not change the arithmetic but is recorded with the result (option
`item16_method`) so two ratings can be compared honestly. Item 16 also takes the value 3,
"not assessed", which scores 0: the form is complete, and the total simply gets nothing from
item 16.

Two band tables disagree: CamCOPS and the IDS/QIDS conversion table. The default is ids-qids,
see SEVERITY_IDS_QIDS. Item 3 (suicide) above 0 raises `suicidal_ideation`.

The HAM-D is public domain; the item texts below are kclinic's own short descriptions of each
item's subject, not the anchor wording.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    SUICIDAL_IDEATION,
    Answers,
    BandTable,
    Choice,
    Instrument,
    Item,
    Licence,
    Option,
    Options,
    Tally,
    bands,
    total_if_complete,
)
from kclinic.domain.sources import KCLINIC_POLICY, Source

CAMCOPS_HAMD = Source(
    id="camcops-hamd",
    citation="CamCOPS HAM-D task (ucam-department-of-psychiatry/camcops, "
    "server/camcops_server/tasks/hamd.py): item ranges, item 16 A/B with 3 = not assessed "
    "scoring 0, maximum 52, severity < 8 none, >= 8 mild, >= 14 moderate, >= 19 severe, "
    ">= 23 very severe",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/server/"
    "camcops_server/tasks/hamd.py",
    note="used for facts only; its code is GPL and is not copied",
)
HAMILTON_1960 = Source(
    id="hamilton-1960",
    citation="Hamilton M. A rating scale for depression. J Neurol Neurosurg Psychiatry "
    "1960;23:56-62",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/server/"
    "camcops_server/tasks/hamd.py",
    confidence="unverified",
    note="the citation is from general knowledge and the paper was not read; the item "
    "structure kclinic uses is the one CamCOPS implements",
)
IDS_QIDS_HAMD = Source(
    id="ids-qids-interpretation-hrsd17",
    citation="IDS/QIDS interpretation table, HRSD-17 column: 0-7 none, 8-13 mild, 14-19 "
    "moderate, 20-25 severe, 26-52 very severe",
    url="http://ids-qids.org/interpretation.html",
)
HAMD_LICENCE = Source(
    id="hamd-public-domain",
    citation="'The HAM-D is in the public domain' (NINDS Common Data Elements), as recorded "
    "in CamCOPS docs/source/tasks/hamd.rst",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/docs/source/"
    "tasks/hamd.rst",
)
ITEM3_ROUTING = Source(
    id="hamd-item3-routing",
    citation="kclinic policy: HAM-D item 3 (suicide) above 0 routes to a suicide risk "
    "assessment, as PHQ-9 item 9 does",
    confidence="policy",
    note="no published routing rule for HAM-D item 3 was found; any rating above 0 records "
    "some suicidal thinking, so the most conservative threshold is used (see KCLINIC_POLICY)",
)

WIDE = (0, 1, 2, 3, 4)
NARROW = (0, 1, 2)
NOT_ASSESSED = 3

# (short name, allowed values, kclinic's short description of the item's subject)
_SPEC: tuple[tuple[str, tuple[int, ...], str], ...] = (
    ("depressed mood", WIDE, "Depressed mood: sad, hopeless, helpless or worthless feelings"),
    ("guilt", WIDE, "Feelings of guilt: self-reproach up to ideas of punishment"),
    ("suicide", WIDE, "Suicide: from feeling life is not worth living to suicidal acts"),
    ("early insomnia", NARROW, "Insomnia early in the night: difficulty falling asleep"),
    ("middle insomnia", NARROW, "Insomnia in the middle of the night: restless, waking"),
    ("late insomnia", NARROW, "Insomnia early in the morning: waking early, cannot sleep again"),
    ("work and activities", WIDE, "Work and activities: lost interest, reduced activity"),
    ("psychomotor retardation", WIDE, "Retardation: slowed thinking, speech and movement"),
    ("agitation", WIDE, "Agitation: restlessness seen during the interview"),
    ("psychic anxiety", WIDE, "Psychic anxiety: tension, irritability, worry"),
    ("somatic anxiety", WIDE, "Somatic anxiety: bodily signs of anxiety"),
    ("GI somatic symptoms", NARROW, "Gastrointestinal somatic symptoms: appetite, abdomen"),
    ("general somatic symptoms", NARROW, "General somatic symptoms: heavy limbs, aches, fatigue"),
    ("genital symptoms", NARROW, "Genital symptoms: loss of libido, menstrual disturbance"),
    ("hypochondriasis", WIDE, "Hypochondriasis: preoccupation with bodily health"),
    (
        "weight loss",
        (*NARROW, NOT_ASSESSED),
        "Weight loss, rated by history (A) or by measurement (B); 3 = not assessed",
    ),
    ("insight", NARROW, "Insight: how far the patient recognises being depressed and ill"),
)

ITEM16_CHOICES = (
    Choice(0, "no weight loss"),
    Choice(1, "probable or slight weight loss"),
    Choice(2, "definite or greater weight loss"),
    Choice(NOT_ASSESSED, "not assessed (scores 0)"),
)

ITEMS = tuple(
    Item(
        id=str(number),
        short_name=name,
        values=values,
        text=text,
        choices=ITEM16_CHOICES if number == 16 else (),
    )
    for number, (name, values, text) in enumerate(_SPEC, start=1)
)
ITEM_IDS = tuple(item.id for item in ITEMS)
SUICIDE_ITEM = "3"
WEIGHT_ITEM = "16"

SEVERITY_CAMCOPS = BandTable(
    name="camcops",
    bands=bands(
        ("none", 0, 7),
        ("mild", 8, 13),
        ("moderate", 14, 18),
        ("severe", 19, 22),
        ("very severe", 23, 52),
    ),
    source=CAMCOPS_HAMD,
)
# Default. It is published by the authors of the IDS/QIDS as a conversion table between the
# HRSD-17 and the QIDS-SR16, so a clinic using both scales reads the same band names for the
# same severity; the CamCOPS cut-points are one software project's choice whose primary source
# the clinical reference does not give.
SEVERITY_IDS_QIDS = BandTable(
    name="ids-qids",
    bands=bands(
        ("none", 0, 7),
        ("mild", 8, 13),
        ("moderate", 14, 19),
        ("severe", 20, 25),
        ("very severe", 26, 52),
    ),
    source=IDS_QIDS_HAMD,
)

ITEM16_METHOD = Option(
    name="item16_method",
    choices=("A", "B"),
    default="A",
    description="How item 16 (weight loss) was rated: A = by history, B = by measurement. "
    "Recorded with the result; the arithmetic is the same. Default A because a history can "
    "be taken at every visit, while B needs a weight measured on a schedule",
    source=CAMCOPS_HAMD,
)


def _score(answers: Answers, options: Options) -> Tally:
    item3 = answers[SUICIDE_ITEM]
    flags = (SUICIDAL_IDEATION,) if item3 is not None and item3 > 0 else ()
    # 3 on item 16 means "not assessed": the item is answered but contributes 0.
    scored = {
        item_id: 0 if item_id == WEIGHT_ITEM and value == NOT_ASSESSED else value
        for item_id, value in answers.items()
    }
    total = total_if_complete(scored, ITEM_IDS)
    return Tally(total=total, complete=total is not None, flags=flags)


HAMD17 = Instrument(
    id="hamd17",
    name="Hamilton Depression Rating Scale, 17 items (HAM-D-17)",
    respondent="clinician",
    # The reference gives no recall period for the interview, so none is claimed here.
    recall_period=None,
    items=ITEMS,
    min_total=0,
    max_total=52,
    licence=Licence(
        status="public-domain",
        ships_item_text=True,
        note="Public domain (NINDS CDE). The shipped texts are kclinic's own short "
        "descriptions of each item's subject",
        source=HAMD_LICENCE,
    ),
    sources=(HAMILTON_1960, CAMCOPS_HAMD, IDS_QIDS_HAMD, ITEM3_ROUTING, KCLINIC_POLICY),
    scorer=_score,
    band_tables=(SEVERITY_IDS_QIDS, SEVERITY_CAMCOPS),
    default_band_table=SEVERITY_IDS_QIDS.name,
    options=(ITEM16_METHOD,),
    description="Depression severity, clinician-rated. Item 16 = 3 (not assessed) scores 0. "
    "Item 3 > 0 flags suicidal ideation.",
)
