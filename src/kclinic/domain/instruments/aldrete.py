"""Modified Aldrete score: recovery and discharge readiness after sedation.

Aldrete's 1995 modification replaced "colour" with SpO2 (clinical reference 3.5, 5.11).
Five items, each 0-2: activity, respiration, circulation, consciousness, SpO2; total 0-10.

Two discharge rules are published and both are offered as band tables:
- "aldrete-1995" (default): total >= 9 is ready for discharge (Wikipedia, and "above 8" in a
  Joint Commission sedation summary);
- "aldrete-8-respiration-spo2": total >= 8 with 2 in respiration and 2 in SpO2 (OMICS table).

The circulation item compares the current systolic pressure with the pre-procedure
baseline. Sources give the bands either in mmHg (+-20 / 20-50 / > 50) or in percent of
baseline (+-20% / 20-49% / >= 50%); `circulation_score` computes the item under either rule,
and the option "circulation_rule" records which rule the nurse used (default mmHg, see
docs/clinical/instruments-b.md for why).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Final

from kclinic.domain.errors import OutOfRangeError, UnknownNameError
from kclinic.domain.instruments.base import (
    Answers,
    Band,
    BandTable,
    Choice,
    Instrument,
    Item,
    Licence,
    Option,
    Options,
    Tally,
    total_if_complete,
)
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source
from kclinic.domain.units import to_decimal

ALDRETE_1995 = Source(
    id="aldrete-1995",
    citation="Aldrete JA. The post-anesthesia recovery score revisited. J Clin Anesth "
    "1995;7:89-91 (modified score: SpO2 replaces colour; five items 0-2, total 0-10)",
    url="https://wjgnet.com/1007-9327/full/v21/i12/3671-T2.htm",
    note="item table read at wjgnet and https://en.wikipedia.org/wiki/Aldrete%27s_scoring_system;"
    " journal details from general knowledge, not read",
)
DISCHARGE_9 = Source(
    id="aldrete-discharge-9",
    citation="Modified Aldrete score of 9 or more to leave recovery (1995 modification)",
    url="https://en.wikipedia.org/wiki/Aldrete%27s_scoring_system",
    note="also 'above 8' in https://info.5y1.org/joint-commission-pre-sedation-assessment_1_"
    "d86787.html",
)
DISCHARGE_8_RESP_SPO2 = Source(
    id="aldrete-discharge-8-resp-spo2",
    citation="Modified Aldrete discharge criterion: minimum total 8 with minimum 2 in "
    "respiration and 2 in oxygen saturation",
    url="https://www.omicsonline.org/JACRimages/2155-6148-5-480-t001.html",
)
CIRCULATION_MMHG = Source(
    id="aldrete-circulation-mmhg",
    citation="Modified Aldrete circulation: blood pressure within 20 mmHg of the "
    "pre-anaesthetic level = 2, 20-50 mmHg = 1, more than 50 mmHg = 0",
    url="https://en.wikipedia.org/wiki/Aldrete%27s_scoring_system",
    note="also https://wjgnet.com/1007-9327/full/v21/i12/3671-T2.htm",
)
CIRCULATION_PERCENT = Source(
    id="aldrete-circulation-percent",
    citation="Aldrete circulation in percent of the pre-anaesthetic level: within 20% = 2, "
    "20-49% = 1, 50% or more = 0",
    url="https://www.omicsonline.org/articles-images/2155-6148-3-231-t001.html",
)
SYSTOLIC_PLAUSIBLE = replace(
    KCLINIC_POLICY,
    note="data-entry plausibility range for a measured systolic pressure, 40-300 mmHg; a value "
    "outside it is almost certainly a typing or cuff error and is refused, not scored",
)
ALDRETE_LICENCE = Source(
    id="aldrete-licence",
    citation="Modified Aldrete score: published clinical scale (Aldrete 1995); no licence "
    "statement found",
    confidence="unverified",
)

# (upper bound for 2 points, bound between 1 and 0 points); how each bound is read is in
# circulation_score's docstring.
MMHG_BOUNDS: Final = Cited((Decimal(20), Decimal(50)), CIRCULATION_MMHG)
PERCENT_BOUNDS: Final = Cited((Decimal(20), Decimal(50)), CIRCULATION_PERCENT)
SYSTOLIC_RANGE_MMHG: Final = Cited((Decimal(40), Decimal(300)), SYSTOLIC_PLAUSIBLE)
CIRCULATION_RULES: Final = ("mmhg", "percent")

ITEMS = (
    Item(
        id="activity",
        short_name="activity",
        values=(0, 1, 2),
        choices=(
            Choice(2, "moves 4 limbs voluntarily or on command"),
            Choice(1, "moves 2 limbs"),
            Choice(0, "moves no limbs"),
        ),
    ),
    Item(
        id="respiration",
        short_name="respiration",
        values=(0, 1, 2),
        choices=(
            Choice(2, "breathes deeply and coughs freely"),
            Choice(1, "dyspnoea, shallow or limited breathing"),
            Choice(0, "apnoeic"),
        ),
    ),
    Item(
        id="circulation",
        short_name="circulation (systolic BP vs baseline)",
        values=(0, 1, 2),
        choices=(
            Choice(2, "within the 2-point band of baseline (see circulation_rule)"),
            Choice(1, "within the 1-point band of baseline"),
            Choice(0, "beyond the 1-point band of baseline"),
        ),
    ),
    Item(
        id="consciousness",
        short_name="consciousness",
        values=(0, 1, 2),
        choices=(
            Choice(2, "fully awake"),
            Choice(1, "arousable on calling"),
            Choice(0, "not responding"),
        ),
    ),
    Item(
        id="spo2",
        short_name="oxygen saturation",
        values=(0, 1, 2),
        choices=(
            Choice(2, "SpO2 above 92% on room air"),
            Choice(1, "needs oxygen to keep SpO2 above 90%"),
            Choice(0, "SpO2 below 90% even with oxygen"),
        ),
    ),
)
ITEM_IDS = tuple(item.id for item in ITEMS)

READY = "ready for discharge"
NOT_READY = "not ready"

DISCHARGE_AT_9 = BandTable(
    name="aldrete-1995",
    bands=(Band(READY, 9, 10), Band(NOT_READY, 0, 8)),
    source=DISCHARGE_9,
)
DISCHARGE_AT_8_WITH_RESP_SPO2 = BandTable(
    name="aldrete-8-respiration-spo2",
    bands=(
        Band(READY, 8, 10, requires=(("respiration", 2), ("spo2", 2))),
        # Everything the first band does not take, including 8-10 without full respiration
        # or SpO2 points; the first matching band wins.
        Band(NOT_READY, 0, 10),
    ),
    source=DISCHARGE_8_RESP_SPO2,
)

CIRCULATION_RULE = Option(
    name="circulation_rule",
    choices=CIRCULATION_RULES,
    default="mmhg",
    description="How the circulation item was scored from systolic pressure against "
    "baseline: 'mmhg' (within 20 mmHg = 2, within 50 = 1, beyond = 0) or 'percent' (within "
    "20% = 2, under 50% = 1, 50% or more = 0). Default mmhg: stricter than percent for every "
    "baseline above 100 mmHg, and ketamine's usual effect is a rise in pressure.",
    source=CIRCULATION_MMHG,
)


def circulation_score(
    baseline_systolic_mmhg: Decimal | int,
    current_systolic_mmhg: Decimal | int,
    rule: str = "mmhg",
) -> int:
    """The Aldrete circulation item (0-2) from systolic pressures in mmHg.

    Systolic pressure is used for both readings. The change is taken in either direction
    (a fall counts like a rise) and compared exactly, without rounding:

    - rule "mmhg" (Wikipedia; wjgnet): |change| <= 20 mmHg -> 2; 20 < |change| <= 50 -> 1;
      |change| > 50 -> 0.
    - rule "percent" (OMICS table): |change| / baseline <= 20% -> 2; 20% < ... < 50% -> 1;
      >= 50% -> 0. So 20.0% still scores 2 and exactly 50.0% scores 0.

    Pressures outside 40-300 mmHg (kclinic plausibility policy) raise OutOfRangeError; an
    unknown rule raises UnknownNameError.
    """
    if rule not in CIRCULATION_RULES:
        raise UnknownNameError("aldrete.circulation_rule", rule, CIRCULATION_RULES)
    baseline = _systolic(baseline_systolic_mmhg, "baseline_systolic_mmhg")
    current = _systolic(current_systolic_mmhg, "current_systolic_mmhg")
    change = abs(current - baseline)
    if rule == "mmhg":
        two_points, zero_points = MMHG_BOUNDS.value
        if change <= two_points:
            return 2
        return 1 if change <= zero_points else 0
    two_percent, zero_percent = PERCENT_BOUNDS.value
    # change / baseline * 100 compared with the bound, multiplied out to stay exact.
    if change * 100 <= two_percent * baseline:
        return 2
    return 1 if change * 100 < zero_percent * baseline else 0


def _systolic(value: Decimal | int, field: str) -> Decimal:
    number = to_decimal(value, field)
    low, high = SYSTOLIC_RANGE_MMHG.value
    if not low <= number <= high:
        raise OutOfRangeError(field, value, low, high, "mmHg")
    return number


def _score(answers: Answers, options: Options) -> Tally:
    total = total_if_complete(answers, ITEM_IDS)
    return Tally(total=total, complete=total is not None)


ALDRETE = Instrument(
    id="aldrete",
    name="Modified Aldrete score",
    respondent="clinician",
    recall_period=None,
    items=ITEMS,
    min_total=0,
    max_total=10,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="Published scale with no licence statement found; kclinic ships its own short "
        "criteria per score, not published wording",
        source=ALDRETE_LICENCE,
    ),
    sources=(
        ALDRETE_1995,
        DISCHARGE_9,
        DISCHARGE_8_RESP_SPO2,
        CIRCULATION_MMHG,
        CIRCULATION_PERCENT,
    ),
    scorer=_score,
    band_tables=(DISCHARGE_AT_9, DISCHARGE_AT_8_WITH_RESP_SPO2),
    default_band_table=DISCHARGE_AT_9.name,
    options=(CIRCULATION_RULE,),
    description="Recovery and discharge readiness, five items 0-2, total 0-10; ready for "
    "discharge at 9 or more (default) or at 8 with full respiration and SpO2 points.",
)
