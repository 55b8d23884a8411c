"""Maudsley Staging Method (MSM): how treatment-resistant a depressive episode is.

Fekadu A et al. 2009 (J Clin Psychiatry) introduced it; Fekadu, Donocik and Cleare (BMC
Psychiatry 2018) give the standardised table used here (clinical reference 2.5). Five
dimensions, rated by a clinician from the history of the current episode:

    duration          1-3  (acute <= 12 months, sub-acute 13-24, chronic > 24)
    severity          1-5  (subsyndromal ... severe with psychosis)
    antidepressants   1-5  (failed medications: 1-2, 3-4, 5-6, 7-10, > 10)
    augmentation      0/1  (not used / used)
    ect               0/1  (not used / used)

Total 3-15: mild 3-6, moderate 7-10, severe 11-15. The illness dimensions (duration +
severity) reach at most 8 and the treatment dimensions at most 7; both are reported as
subscales. There is no proration: a blank dimension gives no total.

The pure helpers below turn raw facts (episode length in months, number of failed
antidepressants, a severity category) into the points of each dimension, so that the
eligibility screen can stage a patient from the structured history it already holds.

Zero failed antidepressants: the published levels start at "1-2 medications" and the total
starts at 3, so the method has no level for a patient without a failed antidepressant; such
a patient is not treatment-resistant and is not staged. `antidepressant_failure_level(0)`
therefore raises a ValidationError instead of inventing a level (clinical reference 2.5 and
section 9 item 4 flag level 5 and the augmentation/ECT points as only partly verified).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.instruments.base import (
    Answers,
    BandTable,
    Choice,
    Instrument,
    Item,
    Licence,
    Options,
    Tally,
    bands,
    total_if_complete,
)
from kclinic.domain.sources import Source

FEKADU_2018 = Source(
    id="fekadu-2018",
    citation="Fekadu A, Donocik JG, Cleare AJ. Standardisation framework for the Maudsley "
    "staging method for treatment resistance in depression. BMC Psychiatry 2018;18:100 "
    "(PMC5896127), table 3",
    url="https://bmcpsychiatry.biomedcentral.com/articles/10.1186/s12888-018-1679-x/tables/3",
    note="duration and severity points, total range 3-15 and the bands mild 3-6, moderate "
    "7-10, severe 11-15 read in the source",
)
FEKADU_2009 = Source(
    id="fekadu-2009",
    citation="Fekadu A, Wooderson S, Donaldson C, et al. A multidimensional tool to quantify "
    "treatment resistance in depression: the Maudsley staging method. J Clin Psychiatry "
    "2009;70(2):177-184",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC5896127",
    confidence="unverified",
    note="original paper not read; antidepressant levels 1-2/3-4/5-6/7-10 are corroborated by "
    "a code repository, level 5 (> 10) and the augmentation/ECT points (0/1) are not "
    "verified (clinical reference 2.5 and 9.4)",
)

Severity = Literal["subsyndromal", "mild", "moderate", "severe", "severe-with-psychosis"]

# Symptom severity at baseline -> points (Fekadu 2018 table 3).
SEVERITY_POINTS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "subsyndromal": 1,
        "mild": 2,
        "moderate": 3,
        "severe": 4,
        "severe-with-psychosis": 5,
    }
)

ITEMS: Final = (
    Item(
        id="duration",
        short_name="duration of current episode",
        values=(1, 2, 3),
        choices=(
            Choice(1, "Acute (12 months or less)"),
            Choice(2, "Sub-acute (13-24 months)"),
            Choice(3, "Chronic (more than 24 months)"),
        ),
    ),
    Item(
        id="severity",
        short_name="symptom severity at baseline",
        values=(1, 2, 3, 4, 5),
        choices=(
            Choice(1, "Subsyndromal"),
            Choice(2, "Mild"),
            Choice(3, "Moderate"),
            Choice(4, "Severe without psychosis"),
            Choice(5, "Severe with psychosis"),
        ),
    ),
    Item(
        id="antidepressants",
        short_name="failed antidepressant medications",
        values=(1, 2, 3, 4, 5),
        choices=(
            Choice(1, "Level 1: 1-2 medications"),
            Choice(2, "Level 2: 3-4 medications"),
            Choice(3, "Level 3: 5-6 medications"),
            Choice(4, "Level 4: 7-10 medications"),
            Choice(5, "Level 5: more than 10 medications"),
        ),
    ),
    Item(
        id="augmentation",
        short_name="augmentation used",
        values=(0, 1),
        choices=(Choice(0, "Not used"), Choice(1, "Used")),
        yes_no=True,
    ),
    Item(
        id="ect",
        short_name="ECT used",
        values=(0, 1),
        choices=(Choice(0, "Not used"), Choice(1, "Used")),
        yes_no=True,
    ),
)
ITEM_IDS: Final = tuple(item.id for item in ITEMS)
ILLNESS_ITEMS: Final = ("duration", "severity")
TREATMENT_ITEMS: Final = ("antidepressants", "augmentation", "ect")

STAGES = BandTable(
    name="fekadu-2018",
    bands=bands(("mild", 3, 6), ("moderate", 7, 10), ("severe", 11, 15)),
    source=FEKADU_2018,
)


def _score(answers: Answers, options: Options) -> Tally:
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(
        total=total,
        complete=total is not None,
        subscales={
            "illness": total_if_complete(answers, ILLNESS_ITEMS),
            "treatment": total_if_complete(answers, TREATMENT_ITEMS),
        },
    )


MSM = Instrument(
    id="msm",
    name="Maudsley Staging Method (MSM)",
    respondent="clinician",
    recall_period="current episode",
    items=ITEMS,
    min_total=3,
    max_total=15,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="a staging method published in journal articles; kclinic ships dimension names "
        "and point categories only",
        source=FEKADU_2018,
    ),
    sources=(FEKADU_2018, FEKADU_2009),
    scorer=_score,
    band_tables=(STAGES,),
    default_band_table=STAGES.name,
    description="Treatment-resistance stage of the current depressive episode, 3-15.",
)


# -- raw facts -> points ------------------------------------------------------------------


def _whole_number(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValidationError(field, value, f"a whole number, {minimum} or more")
    return value


def duration_points(episode_months: int) -> int:
    """Points for the length of the current episode, in whole completed months.

    <= 12 months -> 1 (acute), 13-24 -> 2 (sub-acute), > 24 -> 3 (chronic); Fekadu 2018
    table 3. Months are completed months, so 12 months and 20 days is still acute.
    """
    months = _whole_number(episode_months, "msm.episode_months", 0)
    if months <= 12:
        return 1
    if months <= 24:
        return 2
    return 3


def antidepressant_failure_level(failed_antidepressants: int) -> int:
    """Points for the number of failed antidepressant medications in the current episode.

    1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-10 -> 4, > 10 -> 5 (Fekadu 2009; level 5 unverified).
    Zero is refused: the method has no level for it (see the module docstring).
    """
    # The minimum is 1 because the method has no level for zero failures.
    failed = _whole_number(failed_antidepressants, "msm.failed_antidepressants", 1)
    if failed <= 2:
        return 1
    if failed <= 4:
        return 2
    if failed <= 6:
        return 3
    if failed <= 10:
        return 4
    return 5


def severity_points(severity: str) -> int:
    """Points for the baseline symptom severity category (Fekadu 2018 table 3)."""
    try:
        return SEVERITY_POINTS[severity]
    except KeyError:
        raise UnknownNameError("msm.severity", severity, SEVERITY_POINTS) from None


def msm_answers(
    episode_months: int,
    severity: str,
    failed_antidepressants: int,
    augmentation: bool,
    ect: bool,
) -> dict[str, int]:
    """The five MSM dimensions from raw facts, keyed by item id, ready for `MSM.score`."""
    for name, flag in (("msm.augmentation", augmentation), ("msm.ect", ect)):
        if not isinstance(flag, bool):
            raise ValidationError(name, flag, "true or false")
    return {
        "duration": duration_points(episode_months),
        "severity": severity_points(severity),
        "antidepressants": antidepressant_failure_level(failed_antidepressants),
        "augmentation": int(augmentation),
        "ect": int(ect),
    }
