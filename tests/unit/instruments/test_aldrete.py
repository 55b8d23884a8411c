"""Modified Aldrete score against clinical reference 5.11, and the circulation rule."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError, OutOfRangeError, UnknownNameError
from kclinic.domain.instruments.aldrete import ALDRETE, circulation_score

VARIANT = "aldrete-8-respiration-spo2"


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([2, 2, 2, 1, 2], 9, "ready for discharge"),  # reference vector
        ([2, 2, 2, 1, 1], 8, "not ready"),  # reference vector
        ([2, 2, 2, 2, 2], 10, "ready for discharge"),
        ([0, 0, 0, 0, 0], 0, "not ready"),
    ],
)
def test_reference_vectors_under_the_default_table(answers, total, band):
    result = ALDRETE.score(answers)
    assert (result.total, result.band, result.complete) == (total, band, True)
    assert result.band_table == "aldrete-1995"


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        # activity, respiration, circulation, consciousness, SpO2
        ([1, 2, 1, 2, 2], 8, "ready for discharge"),  # 8 with 2 in both
        ([2, 1, 2, 2, 1], 8, "not ready"),  # 8 without them
        ([2, 2, 2, 2, 1], 9, "not ready"),  # 9, but SpO2 only 1
        ([2, 1, 2, 2, 2], 9, "not ready"),  # 9, but respiration only 1
        ([0, 2, 2, 2, 2], 8, "ready for discharge"),
        ([1, 2, 0, 2, 2], 7, "not ready"),  # full respiration and SpO2 but only 7
    ],
)
def test_variant_needs_8_with_2_in_respiration_and_spo2(answers, total, band):
    result = ALDRETE.score(answers, band_table=VARIANT)
    assert (result.total, result.band, result.band_table) == (total, band, VARIANT)


def test_the_tables_disagree_on_a_patient_with_8_and_full_respiration_and_spo2():
    answers = [1, 2, 1, 2, 2]
    assert ALDRETE.score(answers).band == "not ready"
    assert ALDRETE.score(answers, band_table=VARIANT).band == "ready for discharge"


def test_answers_keyed_by_item_id():
    keyed = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 1, "spo2": 2}
    assert ALDRETE.score(keyed) == ALDRETE.score([2, 2, 2, 1, 2])


def test_missing_item_gives_no_total_and_no_band():
    result = ALDRETE.score({"activity": 2, "respiration": 2, "circulation": 2, "spo2": 2})
    assert (result.complete, result.total, result.band) == (False, None, None)


@pytest.mark.parametrize("answers", [[3, 2, 2, 2, 2], [2, 2, 2, 2, -1], [2, 2, 2, 2]])
def test_bad_answers_are_refused(answers):
    with pytest.raises(AnswerError, match="aldrete"):
        ALDRETE.score(answers)


def test_circulation_rule_option_is_recorded():
    assert ALDRETE.score([2, 2, 2, 2, 2]).options == {"circulation_rule": "mmhg"}
    result = ALDRETE.score([2, 2, 2, 2, 2], options={"circulation_rule": "percent"})
    assert result.options == {"circulation_rule": "percent"}


# -- circulation_score -----------------------------------------------------------------


def test_reference_rule_choice_vector():
    # 130 -> 155: |change| 25 mmHg (1 point under mmHg), 25/130 = 19.2% (2 points under %).
    assert circulation_score(130, 155, "mmhg") == 1
    assert circulation_score(130, 155, "percent") == 2


@pytest.mark.parametrize(
    ("baseline", "current", "points"),
    [
        (120, 120, 2),
        (120, 140, 2),  # exactly 20 mmHg: still 2
        (120, 100, 2),  # a fall counts like a rise
        (120, 141, 1),
        (120, 170, 1),  # exactly 50 mmHg: still 1
        (120, 70, 1),
        (120, 171, 0),
        (120, 69, 0),
        (Decimal("120"), Decimal("140.5"), 1),
    ],
)
def test_mmhg_boundaries(baseline, current, points):
    assert circulation_score(baseline, current, "mmhg") == points


@pytest.mark.parametrize(
    ("baseline", "current", "points"),
    [
        (100, 120, 2),  # exactly 20%: still 2
        (100, 80, 2),
        (100, 121, 1),
        (100, 149, 1),  # 49%
        (Decimal(100), Decimal("149.9"), 1),  # 49.9% is under 50
        (100, 150, 0),  # exactly 50%: 0
        (100, 50, 0),
        (150, 180, 2),  # 30/150 = 20.0%
        (150, 181, 1),  # 31/150 = 20.7%
        (150, 225, 0),  # 75/150 = 50.0%
        (150, 224, 1),  # 74/150 = 49.3%
    ],
)
def test_percent_boundaries(baseline, current, points):
    assert circulation_score(baseline, current, "percent") == points


def test_default_rule_is_mmhg():
    assert circulation_score(130, 155) == 1


@pytest.mark.parametrize(
    ("baseline", "current", "field"),
    [
        (0, 120, "baseline_systolic_mmhg"),
        (-120, 120, "baseline_systolic_mmhg"),
        (120, 0, "current_systolic_mmhg"),
        (120, 400, "current_systolic_mmhg"),
        (39, 120, "baseline_systolic_mmhg"),
        (120, 301, "current_systolic_mmhg"),
    ],
)
def test_implausible_pressures_are_refused_naming_the_field(baseline, current, field):
    with pytest.raises(OutOfRangeError, match=f"{field}: .* 40 to 300 mmHg"):
        circulation_score(baseline, current, "mmhg")


def test_edges_of_the_plausible_range_are_accepted():
    assert circulation_score(40, 300, "mmhg") == 0
    assert circulation_score(300, 300, "percent") == 2


def test_unknown_rule_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="mmhg, percent"):
        circulation_score(120, 130, "kpa")


systolic = st.integers(min_value=40, max_value=300)


@given(systolic, systolic)
def test_symmetric_in_the_direction_of_change(baseline, current):
    change = current - baseline
    mirrored = baseline - change
    assume(40 <= mirrored <= 300)
    for rule in ("mmhg", "percent"):
        rising = circulation_score(baseline, current, rule)
        assert rising == circulation_score(baseline, mirrored, rule)


@given(systolic, st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200))
def test_points_never_rise_as_the_change_grows(baseline, smaller, larger):
    smaller, larger = sorted((smaller, larger))
    assume(baseline + larger <= 300)
    for rule in ("mmhg", "percent"):
        near = circulation_score(baseline, baseline + smaller, rule)
        far = circulation_score(baseline, baseline + larger, rule)
        assert far <= near
