"""MOAA/S against clinical reference 5.10 (0-5 esketamine-label version)."""

import pytest

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.base import LOSS_OF_CONSCIOUSNESS
from kclinic.domain.instruments.moaas import MOAAS


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (5, "alert"),
        (4, "lethargic"),
        (3, "loud voice"),
        (2, "prodding"),
        (1, "painful stimulus"),
        (0, "unresponsive"),
    ],
)
def test_each_level_has_its_band(score, band):
    result = MOAAS.score([score])
    assert (result.total, result.band, result.complete) == (score, band, True)
    assert result.band_table == "chernik-1990"


def test_zero_is_loss_of_consciousness_as_in_the_spravato_label():
    assert MOAAS.score([0]).flags == (LOSS_OF_CONSCIOUSNESS,)


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_no_flag_above_zero(score):
    assert MOAAS.score([score]).flags == ()


def test_unanswered_is_incomplete_with_no_total_and_no_flag():
    result = MOAAS.score([None])
    assert (result.complete, result.total, result.band, result.flags) == (False, None, None, ())


@pytest.mark.parametrize("value", [6, -1, 2.5, True])
def test_out_of_scale_values_are_refused(value):
    with pytest.raises(AnswerError, match="moaas item 1"):
        MOAAS.score([value])


def test_the_1_6_variant_cannot_be_entered_by_mistake():
    with pytest.raises(AnswerError, match="0 to 5"):
        MOAAS.score([6])


def test_the_version_is_pinned_and_recorded():
    result = MOAAS.score([4])
    assert result.options == {"version": "chernik-1990-trapezius"}
    with pytest.raises(AnswerError, match="chernik-1990-trapezius"):
        MOAAS.score([4], options={"version": "prodding-1-6"})


def test_level_descriptions_name_the_trapezius_squeeze_at_the_bottom():
    choices = {choice.value: choice.label for choice in MOAAS.items[0].choices}
    assert set(choices) == {0, 1, 2, 3, 4, 5}
    assert "trapezius" in choices[0]
    assert "no response" in choices[0]
    assert "trapezius" in choices[1]
