"""PCL-5, the PTSD Checklist for DSM-5.

Weathers FW et al. 2013; Blevins CA et al. J Trauma Stress 2015. Twenty items rated 0 (not at
all) to 4 (extremely) for the past month, total 0-80, in four DSM-5 symptom clusters:
B intrusion (items 1-5), C avoidance (6-7), D negative alterations in cognition and mood
(8-14), E alterations in arousal and reactivity (15-20) (clinical reference 5.9).

A provisional PTSD diagnosis is reached by either of two routes, reported separately:
- the total at or above a cut-off. The sources give 31 to 33, and an earlier suggestion of 38,
  so each is a named band table ("probable PTSD" / "below cut-off"); the default is 33;
- the DSM-5 symptom rule, counting items rated 2 (moderately) or more: at least 1 B, 1 C,
  2 D and 2 E. It is reported in `criteria["dsm5_symptom_rule"]` only for a complete form,
  because a blank item might be the one that meets it.

No empirically derived severity bands exist. The PCL-5 is a US Government work in the public
domain, so the item wording ships.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    Answers,
    BandTable,
    Choice,
    Instrument,
    Licence,
    Options,
    Tally,
    all_answered,
    bands,
    scale_items,
    total_if_complete,
)
from kclinic.domain.sources import Source

WEATHERS_2013 = Source(
    id="weathers-2013",
    citation="Weathers FW et al. The PTSD Checklist for DSM-5 (PCL-5). National Center for "
    "PTSD, 2013; Blevins CA et al. J Trauma Stress 2015 (psychometrics)",
    url="https://comorbidityguidelines.org.au/appendix-s-ptsd-checklist-for-dsm5-pcl5/"
    "pcl5-scoring-and-interpretation",
    confidence="secondary",
    note="items, 0-4 scale, clusters B/C/D/E, provisional cut-off 31-33 and the DSM-5 "
    "symptom rule (items >= 2: 1 B, 1 C, 2 D, 2 E) as given by the guidelines page",
)
EARLIER_CUTOFF_38 = Source(
    id="pcl5-cutoff-38",
    citation="PCL-5: an earlier suggested provisional-diagnosis cut-point of 38",
    url="http://www.medafile.com/WRIISC/PCL5.htm",
    confidence="secondary",
)
PCL5_LICENCE = Source(
    id="pcl5-public-domain",
    citation="PCL-5 is public domain (US Government work, National Center for PTSD), as "
    "recorded in CamCOPS docs/source/tasks/pcl5.rst",
    url="https://github.com/ucam-department-of-psychiatry/camcops/blob/master/docs/source/"
    "tasks/pcl5.rst",
)

BOTHER = (
    Choice(0, "Not at all"),
    Choice(1, "A little bit"),
    Choice(2, "Moderately"),
    Choice(3, "Quite a bit"),
    Choice(4, "Extremely"),
)

ITEMS = scale_items(
    names=(
        "intrusive memories",
        "disturbing dreams",
        "reliving (flashbacks)",
        "upset at reminders",
        "physical reactions to reminders",
        "avoiding memories, thoughts, feelings",
        "avoiding external reminders",
        "trouble remembering",
        "strong negative beliefs",
        "blame",
        "strong negative feelings",
        "loss of interest",
        "feeling distant",
        "trouble with positive feelings",
        "irritability or aggression",
        "risk-taking",
        "hypervigilance",
        "startle",
        "difficulty concentrating",
        "trouble sleeping",
    ),
    values=(0, 1, 2, 3, 4),
    texts=(
        "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "Repeated, disturbing dreams of the stressful experience?",
        "Suddenly feeling or acting as if the stressful experience were actually happening "
        "again (as if you were actually back there reliving it)?",
        "Feeling very upset when something reminded you of the stressful experience?",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)?",
        "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?",
        "Trouble remembering important parts of the stressful experience?",
        "Having strong negative beliefs about yourself, other people, or the world (for "
        "example, having thoughts such as: I am bad, there is something seriously wrong with "
        "me, no one can be trusted, the world is completely dangerous)?",
        "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "Loss of interest in activities that you used to enjoy?",
        "Feeling distant or cut off from other people?",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness "
        "or have loving feelings for people close to you)?",
        "Irritable behavior, angry outbursts, or acting aggressively?",
        "Taking too many risks or doing things that could cause you harm?",
        'Being "superalert" or watchful or on guard?',
        "Feeling jumpy or easily startled?",
        "Having difficulty concentrating?",
        "Trouble falling or staying asleep?",
    ),
    choices=BOTHER,
)
ITEM_IDS = tuple(item.id for item in ITEMS)


def _ids(first: int, last: int) -> tuple[str, ...]:
    return tuple(str(number) for number in range(first, last + 1))


# (subscale key, item ids, items rated >= 2 the DSM-5 rule needs from the cluster)
CLUSTERS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("cluster_b", _ids(1, 5), 1),
    ("cluster_c", _ids(6, 7), 1),
    ("cluster_d", _ids(8, 14), 2),
    ("cluster_e", _ids(15, 20), 2),
)
SYMPTOM_PRESENT = 2  # "moderately" or more counts as a symptom for the DSM-5 rule


def _cut_off_table(cut_off: int, source: Source) -> BandTable:
    return BandTable(
        name=f"cutoff-{cut_off}",
        bands=bands(("below cut-off", 0, cut_off - 1), ("probable PTSD", cut_off, 80)),
        source=source,
    )


CUTOFF_31 = _cut_off_table(31, WEATHERS_2013)
# Default: the upper end of the 31-33 range the guidelines give. The DSM-5 symptom rule is
# reported beside it as a second, independent route to a provisional diagnosis, which recovers
# sensitivity, while "probable PTSD" written into a record on the total alone stays specific.
CUTOFF_33 = _cut_off_table(33, WEATHERS_2013)
CUTOFF_38 = _cut_off_table(38, EARLIER_CUTOFF_38)


def dsm5_symptom_rule(answers: Answers) -> bool:
    """Whether the DSM-5 symptom pattern is met: items rated >= 2 in at least 1 B, 1 C, 2 D and
    2 E items. Needs every item answered (Weathers 2013; clinical reference 5.9)."""
    return all(
        sum(1 for item_id in item_ids if (answers[item_id] or 0) >= SYMPTOM_PRESENT) >= needed
        for _, item_ids, needed in CLUSTERS
    )


def _score(answers: Answers, options: Options) -> Tally:
    subscales = {key: total_if_complete(answers, item_ids) for key, item_ids, _ in CLUSTERS}
    total = total_if_complete(answers, ITEM_IDS)
    complete = all_answered(answers, ITEM_IDS)
    criteria = {"dsm5_symptom_rule": dsm5_symptom_rule(answers)} if complete else {}
    return Tally(total=total, complete=complete, subscales=subscales, criteria=criteria)


PCL5 = Instrument(
    id="pcl5",
    name="PTSD Checklist for DSM-5 (PCL-5)",
    respondent="patient",
    recall_period="past month",
    items=ITEMS,
    min_total=0,
    max_total=80,
    licence=Licence(
        status="public-domain",
        ships_item_text=True,
        note="US Government work (National Center for PTSD), public domain",
        source=PCL5_LICENCE,
    ),
    sources=(WEATHERS_2013, EARLIER_CUTOFF_38),
    scorer=_score,
    band_tables=(CUTOFF_33, CUTOFF_31, CUTOFF_38),
    default_band_table=CUTOFF_33.name,
    description="PTSD symptoms, self-report, with B/C/D/E cluster scores. Provisional PTSD: "
    "total at or above the cut-off, or the DSM-5 symptom rule.",
)
