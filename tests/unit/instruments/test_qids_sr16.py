"""QIDS-SR16 against clinical reference 5.3: the nine-domain max rule, not a 16-item sum."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.base import SUICIDAL_IDEATION
from kclinic.domain.instruments.qids_sr16 import QIDS_SR16, domain_scores

REFERENCE = [2, 1, 3, 0, 2, 1, 0, 2, 0, 2, 1, 1, 2, 2, 1, 2]


def test_reference_vector_is_17_severe_not_the_naive_22():
    assert sum(REFERENCE) == 22  # the bug this vector exists to catch
    result = QIDS_SR16.score(REFERENCE)
    assert (result.total, result.band, result.complete) == (17, "severe", True)
    assert result.subscales == {
        "sleep": 3,
        "sad_mood": 2,
        "appetite_weight": 2,
        "concentration": 2,
        "view_of_self": 1,
        "thoughts_of_death_or_suicide": 1,
        "general_interest": 2,
        "energy": 2,
        "psychomotor": 2,
    }


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([3] * 16, 27, "very severe"),
        ([0] * 16, 0, "none"),
        ([0, 0, 0, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3], 9, "mild"),
    ],
)
def test_reference_edges(answers, total, band):
    result = QIDS_SR16.score(answers)
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("blank", "total"),
    [
        ((7, 9), 17),  # the form says: answer 6 or 7, and 8 or 9
        ((6, 8), 15),  # appetite domain falls to max(0, 0) = 0 from 2
        ((6, 9), 17),
        ((7, 8), 16),  # appetite domain is then item 6 (1)
    ],
)
def test_one_item_of_each_either_or_pair_may_be_blank(blank, total):
    answers: list[int | None] = list(REFERENCE)
    for number in blank:
        answers[number - 1] = None
    result = QIDS_SR16.score(answers)
    assert result.complete is True
    assert result.total == total


@pytest.mark.parametrize("pair", [(6, 7), (8, 9)])
def test_both_items_of_a_pair_blank_makes_the_form_incomplete(pair):
    answers: list[int | None] = list(REFERENCE)
    for number in pair:
        answers[number - 1] = None
    result = QIDS_SR16.score(answers)
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.subscales["appetite_weight"] is None
    assert result.subscales["sleep"] == 3


@pytest.mark.parametrize("number", [1, 5, 10, 12, 16])
def test_every_other_item_is_required(number):
    answers: list[int | None] = list(REFERENCE)
    answers[number - 1] = None
    result = QIDS_SR16.score(answers)
    assert (result.complete, result.total) == (False, None)


def test_item12_flags_whatever_the_total():
    answers = [0] * 16
    answers[11] = 1
    result = QIDS_SR16.score(answers)
    assert (result.total, result.band) == (1, "none")
    assert result.flags == (SUICIDAL_IDEATION,)


def test_item12_flags_on_an_incomplete_form():
    result = QIDS_SR16.score({"12": 2})
    assert (result.complete, result.total) == (False, None)
    assert result.flags == (SUICIDAL_IDEATION,)


def test_item12_at_zero_does_not_flag():
    assert QIDS_SR16.score([3] * 11 + [0] + [3] * 4).flags == ()


@pytest.mark.parametrize("count", [9, 15, 17])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 16 values"):
        QIDS_SR16.score([0] * count)


def test_out_of_range_value_names_the_item_and_the_allowed_values():
    answers = [0] * 16
    answers[11] = 4
    with pytest.raises(AnswerError) as caught:
        QIDS_SR16.score(answers)
    assert "qids-sr16 item 12 (thoughts of death or suicide): 4" in str(caught.value)
    assert "whole numbers 0 to 3" in str(caught.value)


def test_no_item_wording_ships():
    assert not QIDS_SR16.licence.ships_item_text
    assert all(item.text is None for item in QIDS_SR16.items)
    assert QIDS_SR16.item("6").short_name == "decreased appetite"


def test_every_source_has_a_citation_and_a_url_unless_it_is_policy():
    sources = [*QIDS_SR16.sources, QIDS_SR16.licence.source, QIDS_SR16.band_table().source]
    for source in sources:
        assert source.citation
        assert source.url or source.confidence == "policy", source.id


def test_domain_scores_is_usable_on_its_own():
    answers = {str(n): v for n, v in enumerate(REFERENCE, start=1)}
    assert sum(v for v in domain_scores(answers).values() if v is not None) == 17


@st.composite
def complete_forms(draw):
    answers: list[int | None] = draw(st.lists(st.integers(0, 3), min_size=16, max_size=16))
    for first, second in ((6, 7), (8, 9)):
        blank = draw(st.sampled_from([None, first, second]))
        if blank is not None:
            answers[blank - 1] = None
    return answers


@given(complete_forms())
def test_any_complete_form_totals_within_range_and_at_most_the_naive_sum(answers):
    result = QIDS_SR16.score(answers)
    assert result.complete
    assert result.total is not None
    assert QIDS_SR16.min_total <= result.total <= QIDS_SR16.max_total
    assert result.total <= sum(value for value in answers if value is not None)
    assert result.total == sum(v for v in result.subscales.values() if v is not None)
