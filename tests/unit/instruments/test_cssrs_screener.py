"""C-SSRS screener: skip logic, Columbia triage (clinical reference 5.6) and safety flags."""

import itertools

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.errors import AnswerError, UnknownNameError
from kclinic.domain.instruments.base import SUICIDAL_BEHAVIOUR, SUICIDAL_IDEATION
from kclinic.domain.instruments.cssrs_screener import CSSRS_SCREENER

ORDER = ("q1", "q2", "q3", "q4", "q5", "q6", "q6a")


def form(**answers):
    """A form keyed by item id; items left out are unanswered."""
    return answers


# The reference's triage table, row by row ("-" = not asked = None).
@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ([0, 0, None, None, None, 0, None], "none"),
        ([1, 0, None, None, None, 0, None], "low"),
        ([1, 1, 1, 0, 0, 0, None], "moderate"),
        ([1, 1, 1, 1, 0, 0, None], "high"),
        ([0, 0, None, None, None, 1, 0], "moderate"),
        ([0, 0, None, None, None, 1, 1], "high"),
    ],
)
def test_reference_triage_vectors(answers, level):
    result = CSSRS_SCREENER.score(answers)
    assert result.band == level
    assert result.total is None
    assert result.band_table is None
    assert result.complete is True
    assert result.options == {"triage": "columbia"}


def test_reference_invalid_vector_q3_answered_although_q2_is_no():
    with pytest.raises(AnswerError, match=r"q3 .*q2 is no.*asked only if q2 = yes"):
        CSSRS_SCREENER.score([1, 0, 1, None, None, 0, None])


@pytest.mark.parametrize("item", ["q3", "q4", "q5"])
@pytest.mark.parametrize("value", [0, 1, True, False])
def test_any_answer_to_q3_to_q5_is_refused_unless_q2_is_yes(item, value):
    with pytest.raises(AnswerError, match=f"item {item} "):
        CSSRS_SCREENER.score({"q1": 0, "q2": 0, "q6": 0, item: value})
    # Refused also while q2 is unanswered: the gate must be answered first.
    with pytest.raises(AnswerError, match="q2 is unanswered"):
        CSSRS_SCREENER.score({"q1": 0, "q6": 0, item: value})


def test_q6a_is_refused_unless_q6_is_yes():
    with pytest.raises(AnswerError, match=r"item q6a .*q6 is no"):
        CSSRS_SCREENER.score(form(q1=0, q2=0, q6=0, q6a=0))
    with pytest.raises(AnswerError, match="q6 is unanswered"):
        CSSRS_SCREENER.score(form(q1=0, q2=0, q6a=1))


@pytest.mark.parametrize(
    ("answers", "complete"),
    [
        (form(q1=0, q2=0, q6=0), True),
        (form(q1=0, q2=0), False),  # q6 is always asked
        (form(q2=0, q6=0), False),  # q1 is always asked
        (form(q1=1, q2=1, q3=0, q4=0, q6=0), False),  # q5 asked because q2 = yes
        (form(q1=1, q2=1, q3=0, q4=0, q5=0, q6=0), True),
        (form(q1=0, q2=0, q6=1), False),  # q6a asked because q6 = yes
        (form(q1=0, q2=0, q6=1, q6a=0), True),
    ],
)
def test_complete_means_every_question_the_skip_logic_asks_is_answered(answers, complete):
    assert CSSRS_SCREENER.score(answers).complete is complete


def test_incomplete_form_withholds_a_level_that_missing_answers_could_raise():
    # q1 yes alone looks "low", but unanswered q6 could make it moderate or high.
    result = CSSRS_SCREENER.score(form(q1=1, q2=0))
    assert (result.complete, result.band) == (False, None)
    assert result.flags == (SUICIDAL_IDEATION,)


def test_incomplete_form_still_reports_high_because_nothing_can_lower_it():
    result = CSSRS_SCREENER.score(form(q1=1, q2=1, q4=1))
    assert result.complete is False
    assert result.band == "high"


@pytest.mark.parametrize(
    ("answers", "flags"),
    [
        (form(q1=0, q2=0, q6=0), ()),
        (form(q1=1, q2=0, q6=0), (SUICIDAL_IDEATION,)),
        (form(q1=0, q2=1, q3=0, q4=0, q5=0, q6=0), (SUICIDAL_IDEATION,)),
        (form(q1=0, q2=1, q3=0, q4=0, q5=1, q6=0), (SUICIDAL_IDEATION,)),
        (form(q1=0, q2=0, q6=1, q6a=0), (SUICIDAL_BEHAVIOUR,)),
        (form(q1=1, q2=0, q6=1, q6a=1), (SUICIDAL_IDEATION, SUICIDAL_BEHAVIOUR)),
        # Incomplete forms: flags are raised from whatever was answered.
        (form(q1=1), (SUICIDAL_IDEATION,)),
        (form(q6=1), (SUICIDAL_BEHAVIOUR,)),
    ],
)
def test_flags(answers, flags):
    assert CSSRS_SCREENER.score(answers).flags == flags


def test_old_behaviour_with_intent_is_still_high_highest_rule_wins():
    result = CSSRS_SCREENER.score(form(q1=1, q2=1, q3=0, q4=0, q5=1, q6=1, q6a=0))
    assert result.band == "high"
    assert result.criteria["intent_or_plan"] is True
    assert result.criteria["behaviour_over_3_months_ago"] is True


def test_q4_alone_is_high_not_moderate_as_in_the_spier_model():
    result = CSSRS_SCREENER.score(form(q1=0, q2=1, q3=0, q4=1, q5=0, q6=0))
    assert result.band == "high"


def test_q2_alone_is_low():
    assert CSSRS_SCREENER.score(form(q1=0, q2=1, q3=0, q4=0, q5=0, q6=0)).band == "low"


def test_answers_may_be_true_false():
    as_bool = CSSRS_SCREENER.score(form(q1=True, q2=False, q6=True, q6a=False))
    as_int = CSSRS_SCREENER.score(form(q1=1, q2=0, q6=1, q6a=0))
    assert as_bool == as_int
    assert as_bool.band == "moderate"


@pytest.mark.parametrize("value", [2, -1, "yes", 0.5])
def test_values_other_than_yes_no_are_refused(value):
    with pytest.raises(AnswerError, match="yes/no"):
        CSSRS_SCREENER.score(form(q1=value, q2=0, q6=0))


def test_only_the_columbia_triage_is_offered():
    with pytest.raises(AnswerError, match="columbia"):
        CSSRS_SCREENER.score(form(q1=0, q2=0, q6=0), options={"triage": "spier"})


def test_no_band_table_exists_to_choose():
    with pytest.raises(UnknownNameError):
        CSSRS_SCREENER.score(form(q1=0, q2=0, q6=0), band_table="columbia")


def test_no_item_wording_ships():
    assert CSSRS_SCREENER.licence.ships_item_text is False
    assert all(item.text is None for item in CSSRS_SCREENER.items)
    assert tuple(item.id for item in CSSRS_SCREENER.items) == ORDER


def _valid_forms():
    """Every complete form the skip logic allows: 2 x 2 x (1 or 8) x 2 x (1 or 2) cases."""
    for q1, q2, q6 in itertools.product((0, 1), repeat=3):
        follow_ups = itertools.product((0, 1), repeat=3) if q2 else [(None, None, None)]
        for q3, q4, q5 in follow_ups:
            for q6a in (0, 1) if q6 else (None,):
                yield dict(zip(ORDER, (q1, q2, q3, q4, q5, q6, q6a), strict=True))


LEVEL_RANK = {"none": 0, "low": 1, "moderate": 2, "high": 3}


def test_all_valid_complete_forms_get_a_level_and_flags_match_the_answers():
    forms = list(_valid_forms())
    assert len(forms) == 2 * (1 + 8) * (1 + 2)  # q1 x (q2 no | q2 yes x q3-5) x q6 branch
    for answers in forms:
        result = CSSRS_SCREENER.score(answers)
        assert result.complete
        assert result.band in LEVEL_RANK
        ideation = any(answers[q] == 1 for q in ORDER[:5])
        assert (SUICIDAL_IDEATION in result.flags) is ideation
        assert (SUICIDAL_BEHAVIOUR in result.flags) is (answers["q6"] == 1)
        assert (result.band == "none") is (not ideation and answers["q6"] == 0)


@given(st.sampled_from(list(_valid_forms())), st.sampled_from(ORDER))
def test_turning_a_no_into_yes_never_lowers_the_level(answers, item):
    # q2/q6 yes would open new questions; opening q2 is the next test.
    assume(answers[item] == 0 and item not in ("q2", "q6"))
    raised = {**answers, item: 1}
    before = LEVEL_RANK[CSSRS_SCREENER.score(answers).band]
    assert LEVEL_RANK[CSSRS_SCREENER.score(raised).band] >= before


@given(st.sampled_from(list(_valid_forms())))
def test_opening_q2_with_all_follow_ups_no_never_lowers_the_level(answers):
    assume(answers["q2"] == 0)
    opened = {**answers, "q2": 1, "q3": 0, "q4": 0, "q5": 0}
    before = LEVEL_RANK[CSSRS_SCREENER.score(answers).band]
    assert LEVEL_RANK[CSSRS_SCREENER.score(opened).band] >= before
