"""BPRS positive subscale against clinical reference 5.8: the 1-7 / 0-6 convention is explicit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.bprs_positive import BPRS_POSITIVE

ONE_TO_SEVEN = {"convention": "1-7"}
ZERO_TO_SIX = {"convention": "0-6"}


def test_reference_vector_on_both_conventions():
    on_1_7 = BPRS_POSITIVE.score([2, 1, 1, 3], options=ONE_TO_SEVEN)
    assert (on_1_7.total, on_1_7.complete, on_1_7.options) == (7, True, ONE_TO_SEVEN)
    # The same ratings on the 0-6 scale: each one less.
    on_0_6 = BPRS_POSITIVE.score([1, 0, 0, 2], options=ZERO_TO_SIX)
    assert (on_0_6.total, on_0_6.options) == (3, ZERO_TO_SIX)
    assert on_1_7.total - on_0_6.total == 4


def test_default_convention_is_1_to_7_and_is_recorded():
    result = BPRS_POSITIVE.score([2, 1, 1, 3])
    assert result.options == ONE_TO_SEVEN
    assert result.total == 7


def test_zero_under_1_to_7_is_refused_naming_the_allowed_values():
    with pytest.raises(AnswerError) as caught:
        BPRS_POSITIVE.score([0, 1, 1, 3], options=ONE_TO_SEVEN)
    message = str(caught.value)
    assert "bprs-positive item 1 (conceptual disorganization): 0" in message
    assert "whole numbers 1 to 7" in message


def test_seven_under_0_to_6_is_refused_naming_the_allowed_values():
    with pytest.raises(AnswerError) as caught:
        BPRS_POSITIVE.score([1, 1, 1, 7], options=ZERO_TO_SIX)
    message = str(caught.value)
    assert "bprs-positive item 4 (unusual thought content): 7" in message
    assert "whole numbers 0 to 6" in message


def test_unknown_convention_is_refused():
    with pytest.raises(AnswerError, match="1-7, 0-6"):
        BPRS_POSITIVE.score([1, 1, 1, 1], options={"convention": "1-5"})


def test_total_range_spans_both_conventions_and_there_is_no_band():
    assert (BPRS_POSITIVE.min_total, BPRS_POSITIVE.max_total) == (0, 28)
    assert BPRS_POSITIVE.band_tables == ()
    assert BPRS_POSITIVE.score([7, 7, 7, 7]).band is None


def test_incomplete_form_has_no_total():
    result = BPRS_POSITIVE.score([2, None, 1, 3])
    assert (result.complete, result.total, result.band) == (False, None, None)


@pytest.mark.parametrize("count", [3, 5, 18])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 4 values"):
        BPRS_POSITIVE.score([1] * count)


def test_items_are_the_four_positive_symptoms_with_their_bprs18_numbers_in_the_text():
    assert [item.short_name for item in BPRS_POSITIVE.items] == [
        "conceptual disorganization",
        "suspiciousness",
        "hallucinatory behavior",
        "unusual thought content",
    ]
    for item, number in zip(BPRS_POSITIVE.items, (4, 11, 12, 15), strict=True):
        assert f"BPRS-18 item {number}" in (item.text or "")
    assert BPRS_POSITIVE.licence.ships_item_text


def test_every_source_has_a_citation_and_a_url():
    sources = [
        *BPRS_POSITIVE.sources,
        BPRS_POSITIVE.licence.source,
        *(o.source for o in BPRS_POSITIVE.options),
    ]
    for source in sources:
        assert source.citation
        assert source.url, source.id


@given(
    st.sampled_from([("1-7", 1, 7), ("0-6", 0, 6)]).flatmap(
        lambda c: st.tuples(
            st.just(c[0]), st.lists(st.integers(c[1], c[2]), min_size=4, max_size=4)
        )
    )
)
def test_any_complete_form_totals_within_the_range_of_its_convention(drawn):
    convention, answers = drawn
    result = BPRS_POSITIVE.score(answers, options={"convention": convention})
    assert result.total is not None
    assert BPRS_POSITIVE.min_total <= result.total <= BPRS_POSITIVE.max_total
    low, high = (4, 28) if convention == "1-7" else (0, 24)
    assert low <= result.total <= high
    assert result.total == sum(answers)
