"""CADSS (23-item version) against clinical reference 5.7."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError, UnknownNameError
from kclinic.domain.instruments.cadss import CADSS


def test_reference_vector_five_ones_and_two_twos_is_9():
    answers = [0] * 23
    for index in (0, 4, 9, 14, 22):
        answers[index] = 1
    for index in (3, 17):
        answers[index] = 2
    result = CADSS.score(answers)
    assert (result.total, result.complete) == (9, True)
    assert (result.band, result.band_table) == (None, None)
    assert result.flags == ()


def test_all_fours_is_92():
    assert CADSS.score([4] * 23).total == 92
    assert (CADSS.min_total, CADSS.max_total) == (0, 92)


def test_no_band_table_because_no_bands_are_validated():
    assert CADSS.band_tables == ()
    assert CADSS.default_band_table is None
    with pytest.raises(UnknownNameError):
        CADSS.score([0] * 23, band_table="anything")


def test_incomplete_form_has_no_total():
    answers: list[int | None] = [1] * 23
    answers[11] = None
    result = CADSS.score(answers)
    assert (result.complete, result.total, result.band) == (False, None, None)


@pytest.mark.parametrize("count", [19, 22, 24, 27, 28])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 23 values"):
        CADSS.score([0] * count)


def test_out_of_range_value_names_the_item_and_the_allowed_values():
    answers = [0] * 23
    answers[22] = 5
    with pytest.raises(AnswerError) as caught:
        CADSS.score(answers)
    assert "cadss item 23 (item 23): 5" in str(caught.value)
    assert "whole numbers 0 to 4" in str(caught.value)


def test_items_are_numbered_only_and_no_wording_ships():
    assert CADSS.licence.status == "unknown"
    assert not CADSS.licence.ships_item_text
    assert [item.short_name for item in CADSS.items] == [f"item {n}" for n in range(1, 24)]
    assert all(item.text is None for item in CADSS.items)


def test_every_source_has_a_citation_and_a_url():
    for source in (*CADSS.sources, CADSS.licence.source):
        assert source.citation
        assert source.url, source.id


@given(st.lists(st.integers(0, 4), min_size=23, max_size=23))
def test_any_complete_form_totals_within_the_range(answers):
    result = CADSS.score(answers)
    assert result.total is not None
    assert CADSS.min_total <= result.total <= CADSS.max_total
    assert result.total == sum(answers)
