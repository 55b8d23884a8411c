"""GAD-7 against clinical reference 5.2 (vectors), 7.2 (LOINC) and the licensing table."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.gad7 import GAD7


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([1, 2, 2, 1, 0, 1, 1], 8, "mild"),
        ([2, 2, 2, 2, 1, 1, 0], 10, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
        ([3, 3, 2, 2, 2, 1, 1], 14, "moderate"),
    ],
)
def test_reference_vectors(answers, total, band):
    result = GAD7.score(answers)
    assert (result.total, result.band, result.complete) == (total, band, True)
    assert result.band_table == "spitzer-2006"
    assert result.flags == ()


@pytest.mark.parametrize("count", [6, 8])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 7 values"):
        GAD7.score([0] * count)


@pytest.mark.parametrize("bad", [4, -1, 1.5])
def test_out_of_range_value_names_the_item_and_the_allowed_values(bad):
    with pytest.raises(AnswerError) as caught:
        GAD7.score([0, 0, bad, 0, 0, 0, 0])
    message = str(caught.value)
    assert "gad7 item 3 (excessive worry)" in message
    assert "whole numbers 0 to 3" in message


def test_incomplete_form_has_no_total_and_no_band():
    result = GAD7.score([1, 2, 2, None, 0, 1, 1])
    assert (result.complete, result.total, result.band) == (False, None, None)


def test_item_text_and_loinc_codes_ship_because_pfizer_allows_it():
    assert GAD7.licence.ships_item_text
    assert all(item.text for item in GAD7.items)
    assert [item.loinc for item in GAD7.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]
    assert GAD7.codes == {"loinc_panel": "69737-5", "loinc_total": "70274-6"}


def test_every_source_has_a_citation_and_a_url():
    sources = [*GAD7.sources, GAD7.licence.source, *(t.source for t in GAD7.band_tables)]
    for source in sources:
        assert source.citation
        assert re.match(r"https?://", source.url), source.id


@given(st.lists(st.integers(0, 3), min_size=7, max_size=7))
def test_any_complete_form_totals_within_the_range_and_as_the_item_sum(answers):
    result = GAD7.score(answers)
    assert result.complete
    assert result.total is not None
    assert GAD7.min_total <= result.total <= GAD7.max_total
    assert result.total == sum(answers)
