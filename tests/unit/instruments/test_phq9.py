"""PHQ-9 against the worked examples of clinical reference 5.1."""

import pytest

from kclinic.domain.errors import AnswerError, UnknownNameError
from kclinic.domain.instruments import get
from kclinic.domain.instruments.base import SUICIDAL_IDEATION

PHQ9 = get("phq9")


@pytest.mark.parametrize(
    ("answers", "total", "band", "flagged"),
    [
        ([2, 3, 1, 2, 0, 1, 2, 1, 1], 13, "moderate", True),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "none-minimal", False),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "severe", True),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "none-minimal", False),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild", False),
        ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate", False),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe", False),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe", False),
    ],
)
def test_reference_vectors(answers, total, band, flagged):
    result = PHQ9.score(answers)
    assert result.total == total
    assert result.band == band
    assert result.complete is True
    assert (SUICIDAL_IDEATION in result.flags) is flagged


def test_item9_flag_survives_a_low_total():
    result = PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.total == 1
    assert result.band == "none-minimal"
    assert result.flags == (SUICIDAL_IDEATION,)


def test_item9_flag_survives_an_incomplete_form():
    result = PHQ9.score({"9": 2})
    assert result.complete is False
    assert result.total is None
    assert result.band is None
    assert result.flags == (SUICIDAL_IDEATION,)


def test_missing_item_gives_no_total():
    result = PHQ9.score([1, 1, 1, None, 1, 1, 1, 1, 0])
    assert (result.complete, result.total, result.band) == (False, None, None)


def test_answers_keyed_by_item_id_score_the_same_as_a_list():
    as_list = PHQ9.score([2, 3, 1, 2, 0, 1, 2, 1, 1])
    as_map = PHQ9.score({str(i): v for i, v in enumerate([2, 3, 1, 2, 0, 1, 2, 1, 1], 1)})
    assert as_list == as_map


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([1] * 8, "exactly 9 values"),
        ([1] * 10, "exactly 9 values"),
        ([4, 0, 0, 0, 0, 0, 0, 0, 0], "phq9 item 1 (anhedonia): 4"),
        ([-1, 0, 0, 0, 0, 0, 0, 0, 0], "whole numbers 0 to 3"),
        ([0.5, 0, 0, 0, 0, 0, 0, 0, 0], "whole numbers 0 to 3"),
        ([True, 0, 0, 0, 0, 0, 0, 0, 0], "item 1"),
        (["2", 0, 0, 0, 0, 0, 0, 0, 0], "item 1"),
    ],
)
def test_bad_answers_name_the_item_and_the_allowed_values(answers, message):
    with pytest.raises(AnswerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        PHQ9.score(answers)


def test_unknown_item_id_is_refused():
    with pytest.raises(UnknownNameError, match="10"):
        PHQ9.score({"10": 1})


def test_unknown_band_table_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="kroenke-2001"):
        PHQ9.score([0] * 9, band_table="nope")


def test_item_text_and_loinc_codes_ship_because_the_licence_allows():
    assert PHQ9.licence.ships_item_text
    assert all(item.text for item in PHQ9.items)
    assert PHQ9.item("9").loinc == "44260-8"
    assert PHQ9.codes["loinc_total"] == "44261-6"
