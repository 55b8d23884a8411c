"""PCL-5 against clinical reference 5.9: clusters, three cut-offs and the DSM-5 symptom rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments.pcl5 import PCL5

REFERENCE = [2, 1, 3, 0, 2, 3, 1, 2, 0, 1, 2, 3, 2, 1, 2, 1, 0, 3, 2, 1]


def test_reference_vector_clusters_total_and_rule():
    result = PCL5.score(REFERENCE)
    assert result.subscales == {"cluster_b": 8, "cluster_c": 4, "cluster_d": 11, "cluster_e": 9}
    assert (result.total, result.complete) == (32, True)
    assert result.criteria == {"dsm5_symptom_rule": True}


@pytest.mark.parametrize(
    ("table", "band"),
    [
        ("cutoff-31", "probable PTSD"),
        ("cutoff-33", "below cut-off"),
        ("cutoff-38", "below cut-off"),
    ],
)
def test_reference_vector_is_positive_at_31_and_negative_at_33(table, band):
    assert PCL5.score(REFERENCE, band_table=table).band == band


def test_default_cut_off_is_33():
    result = PCL5.score(REFERENCE)
    assert (result.band_table, result.band) == ("cutoff-33", "below cut-off")


@pytest.mark.parametrize(
    ("cut_off", "below", "at"),
    [(31, 30, 31), (33, 32, 33), (38, 37, 38)],
)
def test_each_cut_off_is_inclusive(cut_off, below, at):
    table = f"cutoff-{cut_off}"
    for total, band in ((below, "below cut-off"), (at, "probable PTSD")):
        answers = [min(4, max(0, total - 4 * i)) for i in range(20)]
        assert PCL5.score(answers, band_table=table).band == band


def test_dsm5_rule_needs_one_b_one_c_two_d_two_e_at_2_or_more():
    least = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    assert PCL5.score(least).criteria == {"dsm5_symptom_rule": True}
    for index in (0, 5, 8, 15):  # drop one needed symptom from B, C, D or E to 1
        short = list(least)
        short[index] = 1
        assert PCL5.score(short).criteria == {"dsm5_symptom_rule": False}, index


def test_dsm5_rule_can_fail_with_a_total_above_every_cut_off():
    no_avoidance = [4] * 5 + [0, 0] + [4] * 13
    result = PCL5.score(no_avoidance, band_table="cutoff-31")
    assert (result.total, result.band) == (72, "probable PTSD")
    assert result.criteria == {"dsm5_symptom_rule": False}


def test_incomplete_form_has_no_total_and_omits_the_rule():
    answers: list[int | None] = list(REFERENCE)
    answers[6] = None
    result = PCL5.score(answers)
    assert (result.complete, result.total, result.band) == (False, None, None)
    assert result.criteria == {}
    assert result.subscales == {
        "cluster_b": 8,
        "cluster_c": None,
        "cluster_d": 11,
        "cluster_e": 9,
    }


@pytest.mark.parametrize("count", [17, 19, 21])
def test_wrong_item_count_is_refused(count):
    with pytest.raises(AnswerError, match="exactly 20 values"):
        PCL5.score([0] * count)


def test_out_of_range_value_names_the_item_and_the_allowed_values():
    answers = [0] * 20
    answers[16] = 5
    with pytest.raises(AnswerError) as caught:
        PCL5.score(answers)
    assert "pcl5 item 17 (hypervigilance): 5" in str(caught.value)
    assert "whole numbers 0 to 4" in str(caught.value)


def test_item_text_ships_because_the_pcl5_is_a_us_government_work():
    assert PCL5.licence.status == "public-domain"
    assert all(item.text for item in PCL5.items)
    assert PCL5.item("1").text == (
        "Repeated, disturbing, and unwanted memories of the stressful experience?"
    )
    assert [choice.label for choice in PCL5.item("20").choices] == [
        "Not at all",
        "A little bit",
        "Moderately",
        "Quite a bit",
        "Extremely",
    ]


def test_every_source_has_a_citation_and_a_url():
    sources = [*PCL5.sources, PCL5.licence.source, *(t.source for t in PCL5.band_tables)]
    for source in sources:
        assert source.citation
        assert source.url, source.id


@given(st.lists(st.integers(0, 4), min_size=20, max_size=20))
def test_any_complete_form_totals_within_range_and_clusters_add_up(answers):
    result = PCL5.score(answers)
    assert result.total is not None
    assert PCL5.min_total <= result.total <= PCL5.max_total
    assert result.total == sum(answers)
    assert sum(v for v in result.subscales.values() if v is not None) == result.total
    assert set(result.criteria) == {"dsm5_symptom_rule"}
