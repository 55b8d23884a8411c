"""HAM-D-17 against clinical reference 5.5: mixed item ranges, item 16 A/B and 'not assessed'."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.base import SUICIDAL_IDEATION
from kclinic.domain.instruments.hamd17 import HAMD17

REFERENCE = [3, 2, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1, 0]
WIDE_ITEMS = (1, 2, 3, 7, 8, 9, 10, 11, 15)  # rated 0-4; the others 0-2


def test_reference_vector_is_24_in_two_different_bands():
    result = HAMD17.score(REFERENCE)
    assert (result.total, result.band, result.band_table) == (24, "severe", "ids-qids")
    camcops = HAMD17.score(REFERENCE, band_table="camcops")
    assert (camcops.total, camcops.band) == (24, "very severe")
    assert result.flags == (SUICIDAL_IDEATION,)


def test_item16_not_assessed_scores_zero_and_leaves_the_form_complete():
    answers = list(REFERENCE)
    answers[15] = 3
    result = HAMD17.score(answers)
    assert (result.total, result.complete) == (23, True)
    assert result.answers["16"] == 3  # the raw answer is kept, so "not assessed" is on record
    assert HAMD17.score(answers, band_table="camcops").band == "very severe"


@pytest.mark.parametrize("method", ["A", "B"])
def test_item16_method_is_recorded_and_does_not_change_the_total(method):
    result = HAMD17.score(REFERENCE, options={"item16_method": method})
    assert result.options == {"item16_method": method}
    assert result.total == 24


def test_item16_method_defaults_to_history():
    assert HAMD17.score(REFERENCE).options == {"item16_method": "A"}


def test_unknown_item16_method_is_refused():
    with pytest.raises(AnswerError, match="item16_method"):
        HAMD17.score(REFERENCE, options={"item16_method": "C"})


def test_item_ranges_match_the_reference():
    for item in HAMD17.items:
        number = int(item.id)
        if number in WIDE_ITEMS:
            assert item.values == (0, 1, 2, 3, 4), number
        elif number == 16:
            assert item.values == (0, 1, 2, 3), number
        else:
            assert item.values == (0, 1, 2), number
    assert HAMD17.max_total == 9 * 4 + 8 * 2 == 52


@pytest.mark.parametrize(
    ("total", "camcops", "ids_qids"),
    [
        (7, "none", "none"),
        (8, "mild", "mild"),
        (13, "mild", "mild"),
        (14, "moderate", "moderate"),
        (18, "moderate", "moderate"),
        (19, "severe", "moderate"),
        (20, "severe", "severe"),
        (22, "severe", "severe"),
        (23, "very severe", "severe"),
        (25, "very severe", "severe"),
        (26, "very severe", "very severe"),
    ],
)
def test_band_edges(total, camcops, ids_qids):
    # Fill the items in order up to their maxima (item 3 left at 0 so no flag is involved).
    answers = []
    left = total
    for item in HAMD17.items:
        top = 0 if item.id == "3" else (4 if int(item.id) in WIDE_ITEMS else 2)
        answers.append(min(top, left))
        left -= answers[-1]
    assert sum(answers) == total
    assert HAMD17.score(answers, band_table="camcops").band == camcops
    assert HAMD17.score(answers, band_table="ids-qids").band == ids_qids


def test_item3_flags_whatever_the_total():
    answers = [0] * 17
    answers[2] = 1
    result = HAMD17.score(answers)
    assert (result.total, result.band) == (1, "none")
    assert result.flags == (SUICIDAL_IDEATION,)


def test_incomplete_form_has_no_total_but_item3_still_flags():
    result = HAMD17.score({"3": 2, "1": 4})
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.flags == (SUICIDAL_IDEATION,)


@pytest.mark.parametrize("count", [16, 18, 21])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 17 values"):
        HAMD17.score([0] * count)


@pytest.mark.parametrize(
    ("number", "value", "allowed"),
    [
        (4, 3, "whole numbers 0 to 2"),  # 3 is 'not assessed' only on item 16
        (1, 5, "whole numbers 0 to 4"),
        (16, 4, "whole numbers 0 to 3"),
    ],
)
def test_out_of_range_value_names_the_item_and_the_allowed_values(number, value, allowed):
    answers = [0] * 17
    answers[number - 1] = value
    with pytest.raises(AnswerError) as caught:
        HAMD17.score(answers)
    name = HAMD17.item(str(number)).short_name
    assert f"hamd17 item {number} ({name}): {value}" in str(caught.value)
    assert allowed in str(caught.value)


def test_own_item_descriptions_ship_because_the_scale_is_public_domain():
    assert HAMD17.licence.status == "public-domain"
    assert all(item.text for item in HAMD17.items)
    assert HAMD17.item("16").choices[-1].value == 3


def test_every_source_has_a_citation_and_a_url_unless_it_is_policy():
    sources = [
        *HAMD17.sources,
        HAMD17.licence.source,
        *(t.source for t in HAMD17.band_tables),
        *(o.source for o in HAMD17.options),
    ]
    for source in sources:
        assert source.citation
        assert source.url or source.confidence == "policy", source.id


@given(
    st.tuples(*(st.sampled_from(item.values) for item in HAMD17.items)),
    st.sampled_from(["A", "B"]),
)
def test_any_complete_form_totals_within_the_range(answers, method):
    result = HAMD17.score(list(answers), options={"item16_method": method})
    assert result.total is not None
    assert HAMD17.min_total <= result.total <= HAMD17.max_total
    not_assessed = 3 if answers[15] == 3 else 0
    assert result.total == sum(answers) - not_assessed
