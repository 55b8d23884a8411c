"""MADRS against clinical reference 5.4: two band tables, anhedonia subscale, no item wording."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError, UnknownNameError
from kclinic.domain.instruments.base import SUICIDAL_IDEATION
from kclinic.domain.instruments.madrs import MADRS

REFERENCE = [4, 4, 3, 2, 3, 4, 3, 4, 3, 2]


def test_reference_vector_crosses_bands_between_the_two_tables():
    default = MADRS.score(REFERENCE)
    assert (default.total, default.band, default.band_table) == (32, "moderate", "snaith-1986")
    mueller = MADRS.score(REFERENCE, band_table="mueller-2003")
    assert (mueller.total, mueller.band, mueller.band_table) == (32, "severe", "mueller-2003")


@pytest.mark.parametrize(
    ("total", "snaith", "mueller"),
    [
        (0, "normal", "normal"),
        (6, "normal", "normal"),
        (7, "mild", "mild"),
        (19, "mild", "mild"),
        (20, "moderate", "moderate"),
        (30, "moderate", "moderate"),
        (31, "moderate", "severe"),
        (34, "moderate", "severe"),
        (35, "severe", "severe"),
        (60, "severe", "severe"),
    ],
)
def test_band_edges(total, snaith, mueller):
    # Spread the total over the items, 6 at most each: e.g. 31 -> [6, 6, 6, 6, 6, 1, 0, ...].
    answers = [min(6, max(0, total - 6 * i)) for i in range(10)]
    assert sum(answers) == total
    assert MADRS.score(answers).band == snaith
    assert MADRS.score(answers, band_table="mueller-2003").band == mueller


def test_anhedonia_subscale_sums_items_1_2_6_7_8():
    result = MADRS.score(REFERENCE)
    assert result.subscales == {"anhedonia": 4 + 4 + 4 + 3 + 4}
    only_anhedonia = MADRS.score([1, 2, 0, 0, 0, 3, 4, 5, 0, 0])
    assert only_anhedonia.subscales == {"anhedonia": 15}
    assert only_anhedonia.total == 15


def test_odd_values_between_anchors_are_allowed():
    assert MADRS.score([1, 3, 5, 1, 3, 5, 1, 3, 5, 0]).total == 27


def test_item10_flags_whatever_the_total():
    result = MADRS.score([0] * 9 + [1])
    assert (result.total, result.band) == (1, "normal")
    assert result.flags == (SUICIDAL_IDEATION,)
    assert MADRS.score([6] * 9 + [0]).flags == ()


def test_incomplete_form_has_no_total_but_item10_still_flags():
    answers: list[int | None] = list(REFERENCE)
    answers[0] = None
    result = MADRS.score(answers)
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.subscales == {"anhedonia": None}
    assert result.flags == (SUICIDAL_IDEATION,)


@pytest.mark.parametrize("count", [9, 11])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 10 values"):
        MADRS.score([0] * count)


def test_out_of_range_value_names_the_item_and_the_allowed_values():
    with pytest.raises(AnswerError) as caught:
        MADRS.score([0] * 9 + [7])
    assert "madrs item 10 (suicidal thoughts): 7" in str(caught.value)
    assert "whole numbers 0 to 6" in str(caught.value)


def test_unknown_band_table_lists_both():
    with pytest.raises(UnknownNameError, match="mueller-2003, snaith-1986"):
        MADRS.score(REFERENCE, band_table="zimmerman")


def test_no_item_wording_ships_under_the_rcpsych_copyright():
    assert MADRS.licence.status == "copyright-restricted"
    assert not MADRS.licence.ships_item_text
    assert all(item.text is None and item.choices == () for item in MADRS.items)
    assert [item.short_name for item in MADRS.items][9] == "suicidal thoughts"


def test_mueller_table_says_its_lower_cut_points_are_not_from_the_paper():
    source = MADRS.band_table("mueller-2003").source
    assert "31" in source.note
    assert "Snaith" in source.note
    assert source.url == "https://pubmed.ncbi.nlm.nih.gov/14612225/"


def test_every_source_has_a_citation_and_a_url_unless_it_is_policy():
    sources = [*MADRS.sources, MADRS.licence.source, *(t.source for t in MADRS.band_tables)]
    for source in sources:
        assert source.citation
        assert source.url or source.confidence == "policy", source.id


@given(st.lists(st.integers(0, 6), min_size=10, max_size=10))
def test_any_complete_form_totals_within_the_range(answers):
    result = MADRS.score(answers)
    assert result.total is not None
    assert MADRS.min_total <= result.total <= MADRS.max_total
    assert result.total == sum(answers)
    assert result.subscales["anhedonia"] is not None
    assert result.subscales["anhedonia"] <= result.total
