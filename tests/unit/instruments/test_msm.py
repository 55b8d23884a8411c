"""Maudsley Staging Method against clinical reference 2.5 (Fekadu 2018 table 3)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError, UnknownNameError, ValidationError
from kclinic.domain.instruments.msm import (
    MSM,
    antidepressant_failure_level,
    duration_points,
    msm_answers,
    severity_points,
)


def test_reference_vector_from_raw_facts():
    # 14-month episode (2) + severe without psychosis (4) + 3 failed antidepressants (level 2)
    # + augmentation used (1) + no ECT (0) = 9 -> moderate (clinical reference 2.5).
    answers = msm_answers(14, "severe", 3, augmentation=True, ect=False)
    assert answers == {
        "duration": 2,
        "severity": 4,
        "antidepressants": 2,
        "augmentation": 1,
        "ect": 0,
    }
    result = MSM.score(answers)
    assert (result.total, result.band, result.complete) == (9, "moderate", True)
    assert result.band_table == "fekadu-2018"


def test_reference_vector_as_item_values_in_order():
    result = MSM.score([2, 4, 2, 1, 0])
    assert (result.total, result.band) == (9, "moderate")
    # Illness dimensions 2 + 4 = 6; treatment dimensions 2 + 1 + 0 = 3.
    assert result.subscales == {"illness": 6, "treatment": 3}


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([1, 1, 1, 0, 0], 3, "mild"),  # the lowest possible stage
        ([1, 2, 1, 1, 1], 6, "mild"),
        ([1, 2, 2, 1, 1], 7, "moderate"),
        ([3, 4, 1, 1, 1], 10, "moderate"),
        ([3, 5, 1, 1, 1], 11, "severe"),
        ([3, 5, 5, 1, 1], 15, "severe"),  # illness max 8 + treatment max 7
    ],
)
def test_band_boundaries(answers, total, band):
    result = MSM.score(answers)
    assert (result.total, result.band) == (total, band)


def test_augmentation_and_ect_accept_yes_no():
    assert MSM.score([1, 1, 1, True, False]).total == 4


def test_a_blank_dimension_gives_no_total_and_no_band():
    result = MSM.score({"duration": 2, "severity": 4, "antidepressants": 2, "augmentation": 1})
    assert (result.total, result.band, result.complete) == (None, None, False)
    assert result.subscales == {"illness": 6, "treatment": None}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0, 4, 2, 1, 0], "msm item duration"),
        ([4, 4, 2, 1, 0], "whole numbers 1 to 3"),
        ([1, 6, 2, 1, 0], "whole numbers 1 to 5"),
        ([1, 4, 0, 1, 0], "msm item antidepressants"),
        ([1, 4, 2, 2, 0], "yes/no"),
        ([1, 4, 2], "exactly 5 values"),
    ],
)
def test_bad_answers_name_the_dimension_and_the_allowed_values(answers, message):
    with pytest.raises(AnswerError, match=message):
        MSM.score(answers)


@pytest.mark.parametrize(
    ("months", "points"), [(0, 1), (12, 1), (13, 2), (24, 2), (25, 3), (240, 3)]
)
def test_duration_points_at_the_boundaries(months, points):
    assert duration_points(months) == points


@pytest.mark.parametrize(
    ("failed", "level"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5), (40, 5)],
)
def test_antidepressant_levels_at_the_boundaries(failed, level):
    assert antidepressant_failure_level(failed) == level


def test_zero_failed_antidepressants_has_no_level():
    with pytest.raises(ValidationError, match=r"msm.failed_antidepressants: 0 .* 1 or more"):
        antidepressant_failure_level(0)


@pytest.mark.parametrize("bad", [-1, True, 2.5, "3", None])
def test_raw_counts_must_be_whole_numbers(bad):
    with pytest.raises(ValidationError):
        antidepressant_failure_level(bad)
    with pytest.raises(ValidationError):
        duration_points(bad)


@pytest.mark.parametrize(
    ("severity", "points"),
    [
        ("subsyndromal", 1),
        ("mild", 2),
        ("moderate", 3),
        ("severe", 4),
        ("severe-with-psychosis", 5),
    ],
)
def test_severity_points(severity, points):
    assert severity_points(severity) == points


def test_unknown_severity_lists_the_categories():
    with pytest.raises(UnknownNameError, match="severe-with-psychosis"):
        severity_points("very severe")


def test_flags_must_be_booleans():
    with pytest.raises(ValidationError, match=r"msm\.augmentation"):
        msm_answers(14, "severe", 3, augmentation=1, ect=False)  # type: ignore[arg-type]


def test_item_text_is_not_shipped_and_sources_are_cited():
    assert not MSM.licence.ships_item_text
    assert all(item.text is None for item in MSM.items)
    assert {source.id for source in MSM.sources} == {"fekadu-2018", "fekadu-2009"}
    assert MSM.band_table().source.url.startswith("https://bmcpsychiatry")


@given(
    st.integers(0, 600),
    st.sampled_from(["subsyndromal", "mild", "moderate", "severe", "severe-with-psychosis"]),
    st.integers(1, 60),
    st.booleans(),
    st.booleans(),
)
def test_every_staged_history_totals_3_to_15_with_the_matching_band(months, sev, failed, aug, ect):
    result = MSM.score(msm_answers(months, sev, failed, aug, ect))
    assert 3 <= result.total <= 15
    expected = "mild" if result.total <= 6 else "moderate" if result.total <= 10 else "severe"
    assert result.band == expected
    assert result.subscales["illness"] <= 8
    assert result.subscales["treatment"] <= 7


@given(st.integers(0, 600), st.integers(0, 600))
def test_a_longer_episode_never_scores_fewer_points(a, b):
    shorter, longer = sorted((a, b))
    assert duration_points(shorter) <= duration_points(longer)


@given(st.integers(1, 100), st.integers(1, 100))
def test_more_failures_never_give_a_lower_level(a, b):
    fewer, more = sorted((a, b))
    assert antidepressant_failure_level(fewer) <= antidepressant_failure_level(more)
