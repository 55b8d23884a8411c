"""Outcomes: the PHQ-9 vectors of clinical reference 5.1, every remission threshold of
5.1-5.5 at its boundary, relapse worked by hand, and properties."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.errors import (
    ConfigurationError,
    OutOfRangeError,
    UnknownNameError,
    ValidationError,
)
from kclinic.domain.instruments import REGISTRY
from kclinic.domain.outcomes import (
    DEFAULTS,
    DEFINITIONS,
    RelapseRule,
    RemissionRule,
    ResponseRule,
    change_from_baseline,
    default_definition,
    definitions_for,
    evaluate,
    get_definition,
    percent_change,
    trajectory,
)
from kclinic.domain.sources import KCLINIC_POLICY

# -- reference 5.1 ---------------------------------------------------------------------


def test_reference_20_to_10_is_a_50_percent_reduction_and_a_response():
    outcome = evaluate(20, 10, "phq9-mcinnes-2022")
    assert outcome.change == -10
    assert outcome.percent_change == Decimal("-50.0")
    assert outcome.response is True
    assert outcome.remission is False  # 10 is not < 5


def test_reference_21_to_11_is_47_6_percent_and_not_a_response():
    outcome = evaluate(21, 11, "phq9-mcinnes-2022")
    assert outcome.change == -10
    assert outcome.percent_change == Decimal("-47.6")  # 10/21 = 0.47619...
    assert outcome.response is False


def test_reference_follow_up_4_is_remission():
    outcome = evaluate(20, 4, default_definition("phq9"))
    assert (outcome.remission, outcome.response, outcome.percent_change) == (
        True,
        True,
        Decimal("-80.0"),
    )


def test_outcome_records_which_definition_produced_it():
    outcome = evaluate(20, 4, "phq9-keith")
    assert (outcome.definition_id, outcome.definition_version) == ("phq9-keith", "1")
    assert outcome.as_dict() == {
        "definition_id": "phq9-keith",
        "definition_version": "1",
        "instrument_id": "phq9",
        "baseline": 20,
        "followup": 4,
        "change": -16,
        "percent_change": Decimal("-80.0"),
        "response": True,
        "remission": True,
    }


# -- remission thresholds at their boundaries --------------------------------------------


@pytest.mark.parametrize(
    ("definition_id", "baseline", "remits", "does_not"),
    [
        ("phq9-mcinnes-2022", 20, 4, 5),  # PHQ-9 < 5
        ("phq9-keith", 20, 4, 5),  # PHQ-9 < 5
        ("madrs-ketect", 30, 10, 11),  # MADRS <= 10
        ("madrs-bio-k", 30, 9, 10),  # MADRS < 10
        ("madrs-sustain-3", 30, 12, 13),  # MADRS <= 12
        ("qids-sr16-star-d", 20, 5, 6),  # QIDS-SR16 <= 5
        ("hamd17-convention", 24, 7, 8),  # HAM-D-17 <= 7
        ("gad7-kclinic", 15, 4, 5),  # GAD-7 < 5 (kclinic policy)
        ("gad7-kclinic-under-10", 15, 9, 10),  # GAD-7 < 10 (kclinic policy)
    ],
)
def test_remission_threshold_boundary(definition_id, baseline, remits, does_not):
    assert evaluate(baseline, remits, definition_id).remission is True
    assert evaluate(baseline, does_not, definition_id).remission is False


def test_every_registered_definition_has_a_boundary_test():
    assert set(DEFINITIONS) == {
        "phq9-mcinnes-2022",
        "phq9-keith",
        "madrs-ketect",
        "madrs-bio-k",
        "madrs-sustain-3",
        "qids-sr16-star-d",
        "hamd17-convention",
        "gad7-kclinic",
        "gad7-kclinic-under-10",
    }


def test_madrs_10_remits_under_ketect_and_sustain_3_but_not_bio_k():
    assert [evaluate(30, 10, d.id).remission for d in definitions_for("madrs")] == [
        True,  # madrs-ketect, the default, comes first
        False,  # madrs-bio-k
        True,  # madrs-sustain-3
    ]


def test_keith_counts_a_follow_up_below_10_as_response():
    # 12 -> 9 is a 25% reduction: not a response by reduction, but 9 < 10.
    assert evaluate(12, 9, "phq9-keith").response is True
    assert evaluate(12, 9, "phq9-mcinnes-2022").response is False
    assert evaluate(12, 10, "phq9-keith").response is False  # 16.7% and not below 10


@pytest.mark.parametrize(
    ("baseline", "followup", "response"),
    [(27, 13, True), (27, 14, False), (30, 15, True), (30, 16, False), (31, 15, True)],
)
def test_response_at_the_50_percent_boundary(baseline, followup, response):
    # 14/27 = 51.9%, 13/27 = 48.1%, 15/30 = 50%, 14/30 = 46.7%, 16/31 = 51.6%.
    assert evaluate(baseline, followup, "madrs-ketect").response is response


def test_response_uses_the_exact_fraction_not_the_rounded_percent():
    # 1001 -> 501 is a 49.95...% reduction: shown as -50.0, but not a response.
    assert percent_change(1001, 501) == Decimal("-50.0")
    assert ResponseRule(KCLINIC_POLICY).met(1001, 501) is False
    assert ResponseRule(KCLINIC_POLICY).met(1000, 500) is True


# -- change and percent change ---------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "followup", "percent"),
    [
        (8, 7, "-12.5"),
        (16, 15, "-6.3"),  # -6.25: half away from zero
        (16, 17, "6.3"),  # +6.25
        (3, 2, "-33.3"),
        (3, 1, "-66.7"),
        (10, 15, "50.0"),
        (5, 0, "-100.0"),
        (7, 7, "0.0"),
    ],
)
def test_percent_change_rounds_once_to_a_tenth(baseline, followup, percent):
    assert percent_change(baseline, followup) == Decimal(percent)


def test_change_from_baseline_is_followup_minus_baseline():
    assert change_from_baseline(20, 12) == -8
    assert change_from_baseline(12, 20) == 8


def test_percent_change_from_a_zero_baseline_is_refused_naming_the_field():
    with pytest.raises(ValidationError, match=r"^baseline: 0 .*undefined"):
        percent_change(0, 3)
    with pytest.raises(ValidationError, match=r"^baseline"):
        evaluate(0, 0, "phq9-mcinnes-2022")


@pytest.mark.parametrize(
    ("baseline", "followup", "field"),
    [(28, 10, "baseline"), (20, 28, "followup"), (-1, 3, "baseline"), (20, -2, "followup")],
)
def test_scores_outside_the_instrument_range_are_refused(baseline, followup, field):
    with pytest.raises(OutOfRangeError, match=f"^{field}: .*0 to 27"):
        evaluate(baseline, followup, "phq9-mcinnes-2022")


@pytest.mark.parametrize("bad", [True, 1.5, "12", None])
def test_non_integer_scores_are_refused(bad):
    with pytest.raises(ValidationError, match="whole-number"):
        evaluate(20, bad, "phq9-mcinnes-2022")


# -- registry --------------------------------------------------------------------------


def test_defaults():
    assert {i: default_definition(i).id for i in DEFAULTS} == {
        "phq9": "phq9-mcinnes-2022",
        "madrs": "madrs-ketect",
        "qids-sr16": "qids-sr16-star-d",
        "hamd17": "hamd17-convention",
        "gad7": "gad7-kclinic",
    }


def test_unknown_definition_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="madrs-ketect"):
        get_definition("madrs-8")
    with pytest.raises(UnknownNameError, match="outcome definition madrs-ketect version"):
        get_definition("madrs-ketect", version="2")
    assert get_definition("madrs-ketect", version="1").id == "madrs-ketect"


def test_unknown_instrument_has_no_default():
    with pytest.raises(UnknownNameError, match="phq9"):
        default_definition("cadss")


def test_every_rule_carries_a_source():
    for definition in DEFINITIONS.values():
        for rule in (definition.response, definition.remission, definition.relapse):
            assert rule.source.citation
        assert definition.relapse.source.confidence == "policy"  # unverified in trials


def test_score_ranges_match_the_registered_instruments():
    for definition in DEFINITIONS.values():
        instrument = REGISTRY.get(definition.instrument_id)
        if instrument is not None:
            assert definition.max_score == instrument.max_total, definition.id
    assert "phq9" in REGISTRY  # at least one is checked


@pytest.mark.parametrize(
    "change",
    [
        {"remission": RemissionRule("<", 28, KCLINIC_POLICY)},
        {"response": ResponseRule(KCLINIC_POLICY, min_reduction_percent=Decimal(0))},
        {"response": ResponseRule(KCLINIC_POLICY, min_reduction_percent=Decimal(101))},
        {"relapse": RelapseRule(KCLINIC_POLICY, consecutive=0)},
    ],
)
def test_contradictory_definitions_are_refused(change):
    with pytest.raises(ConfigurationError, match="phq9-mcinnes-2022"):
        replace(get_definition("phq9-mcinnes-2022"), **change)


# -- trajectories (worked by hand) -------------------------------------------------------


def test_relapse_is_loss_of_response_on_two_consecutive_assessments():
    # MADRS baseline 30. Day 14: 14 (53.3% reduction, response). Day 21: 12 (60%).
    # Day 28: 16 (46.7%, lost) and day 35: 18 (40%, lost again) -> relapse 28, confirmed 35.
    series = [(0, 30), (7, 20), (14, 14), (21, 12), (28, 16), (35, 18), (42, 20)]
    course = trajectory(series, "madrs-ketect")
    assert course.first_response == 14
    assert course.first_remission is None  # never <= 10
    assert (course.relapse_onset, course.relapse_confirmed) == (28, 35)
    assert [time for time, _ in course.outcomes] == [7, 14, 21, 28, 35, 42]
    assert course.outcomes[1][1].percent_change == Decimal("-53.3")


def test_a_single_lapse_between_responses_is_not_relapse():
    # PHQ-9 20: day 7 9 (55%, response); 14: 11 (45%, lost); 21: 8 (60%, back);
    # 28: 12 (40%, lost); 35: 4 (80%, remission) -> never two lost in a row.
    series = [(0, 20), (7, 9), (14, 11), (21, 8), (28, 12), (35, 4)]
    course = trajectory(series, "phq9-mcinnes-2022")
    assert (course.first_response, course.first_remission) == (7, 35)
    assert (course.relapse_onset, course.relapse_confirmed) == (None, None)


def test_non_response_before_the_first_response_is_not_relapse():
    # 20 -> 15, 16 (no response yet), 10 (50%, response day 3), 12 (40%, one lapse only).
    course = trajectory([(0, 20), (1, 15), (2, 16), (3, 10), (4, 12)], "phq9-mcinnes-2022")
    assert course.first_response == 3
    assert (course.relapse_onset, course.relapse_confirmed) == (None, None)


def test_dates_work_as_times():
    # PHQ-9 24: 13 Jan 12 (50%, response); 20 Jan 4 (remission); 17 Feb 13 (45.8%, lost);
    # 17 Mar 15 (37.5%, lost) -> relapse from 17 Feb, confirmed 17 Mar.
    series = [
        (date(2025, 1, 6), 24),
        (date(2025, 1, 13), 12),
        (date(2025, 1, 20), 4),
        (date(2025, 2, 17), 13),
        (date(2025, 3, 17), 15),
    ]
    course = trajectory(series, "phq9-mcinnes-2022")
    assert course.baseline_time == date(2025, 1, 6)
    assert course.first_response == date(2025, 1, 13)
    assert course.first_remission == date(2025, 1, 20)
    assert course.relapse_onset == date(2025, 2, 17)
    assert course.relapse_confirmed == date(2025, 3, 17)


def test_datetimes_work_as_times():
    t = [datetime(2025, 1, 6, h, tzinfo=UTC) for h in (9, 13)] + [datetime(2025, 1, 7, tzinfo=UTC)]
    course = trajectory(list(zip(t, [30, 15, 14], strict=True)), "madrs-ketect")
    assert course.first_response == t[1]


def test_a_score_threshold_relapse_rule_gives_a_different_answer():
    # MADRS 34 -> 12 on day 1 (64.7%, response). Then 21, 22, 17, 22, 25.
    series = [(0, 34), (1, 12), (2, 21), (3, 22), (4, 17), (5, 22), (6, 25)]
    # Loss of response: 21 is 38.2% -> lost on day 2, 22 lost on day 3 -> relapse (2, 3).
    by_loss = trajectory(series, "madrs-ketect")
    assert (by_loss.relapse_onset, by_loss.relapse_confirmed) == (2, 3)
    # Score >= 22 twice in a row: day 3 yes, day 4 (17) breaks it, days 5 and 6 -> (5, 6).
    threshold_rule = RelapseRule(KCLINIC_POLICY, consecutive=2, score_at_least=22)
    custom = replace(get_definition("madrs-ketect"), id="madrs-22", relapse=threshold_rule)
    by_score = trajectory(series, custom)
    assert (by_score.relapse_onset, by_score.relapse_confirmed) == (5, 6)
    assert by_score.definition_id == "madrs-22"


def test_one_assessment_relapse_rule():
    one = replace(get_definition("phq9-mcinnes-2022"), relapse=RelapseRule(KCLINIC_POLICY, 1))
    course = trajectory([(0, 20), (1, 10), (2, 11)], one)
    assert (course.relapse_onset, course.relapse_confirmed) == (2, 2)


def test_baseline_only():
    course = trajectory([(0, 20)], "phq9-mcinnes-2022")
    assert course.outcomes == ()
    assert (course.first_response, course.first_remission, course.relapse_onset) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([], r"^series"),
        ([(0, 20), (7, 10), (7, 9)], r"^series\[2\]\.time: 7 .*after the previous"),
        ([(0, 20), (7, 10), (3, 9)], r"^series\[2\]\.time"),
        ([(0, 20), (date(2025, 1, 1), 10)], r"^series\[1\]\.time: .*int"),
        ([(date(2025, 1, 1), 20), (datetime(2025, 1, 2, tzinfo=UTC), 10)], r"^series\[1\]\.time"),
        ([(False, 20), (True, 10)], r"^series\[0\]\.time"),
        ([(0, 20), (7, 30)], r"^followup: 30"),
    ],
)
def test_bad_series_are_refused(series, message):
    with pytest.raises(ValidationError, match=message):
        trajectory(series, "phq9-mcinnes-2022")


# -- properties ------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=100_000))
def test_percent_change_of_an_unchanged_score_is_zero(score):
    assert percent_change(score, score) == 0


@given(st.integers(min_value=1, max_value=1000), st.integers(min_value=0, max_value=5000))
def test_percent_change_is_the_exact_value_rounded_to_a_tenth(baseline, followup):
    shown = percent_change(baseline, followup)
    exact = Fraction(followup - baseline, baseline) * 100
    assert abs(Fraction(shown) - exact) <= Fraction(1, 20)
    assert shown >= -100
    assert (shown > 0) <= (followup > baseline)


definitions = st.sampled_from(sorted(DEFINITIONS))


@given(definitions, st.data())
def test_response_and_remission_are_monotonic_in_the_follow_up_score(definition_id, data):
    top = DEFINITIONS[definition_id].max_score
    baseline = data.draw(st.integers(min_value=1, max_value=top))
    better = data.draw(st.integers(min_value=0, max_value=top))
    worse = data.draw(st.integers(min_value=better, max_value=top))
    at_worse = evaluate(baseline, worse, definition_id)
    at_better = evaluate(baseline, better, definition_id)
    # A lower (better) follow-up never loses a response or remission a higher one had.
    assert at_better.response >= at_worse.response
    assert at_better.remission >= at_worse.remission


@given(definitions, st.data())
def test_a_follow_up_at_or_above_baseline_is_never_a_response_by_reduction(definition_id, data):
    definition = DEFINITIONS[definition_id]
    top = definition.max_score
    baseline = data.draw(st.integers(min_value=1, max_value=top))
    followup = data.draw(st.integers(min_value=baseline, max_value=top))
    assume(definition.response.or_followup_below is None)
    assert evaluate(baseline, followup, definition).response is False


def test_negative_scores_are_refused_without_an_instrument_range():
    with pytest.raises(ValidationError, match=r"^followup: -1 .*0 or more"):
        percent_change(10, -1)
    with pytest.raises(ValidationError, match=r"^baseline: -3"):
        change_from_baseline(-3, 2)


def test_highest_responding_score_is_the_score_at_the_reduction_threshold():
    # Hand arithmetic: 21 x 50 / 100 = 10.5; 20 x 50 / 100 = 10; 30 x (100 - 40) / 100 = 18.
    rule = ResponseRule(source=KCLINIC_POLICY)
    assert rule.highest_responding_score(21) == Decimal("10.5")
    assert rule.highest_responding_score(20) == Decimal(10)
    forty = ResponseRule(source=KCLINIC_POLICY, min_reduction_percent=Decimal(40))
    assert forty.highest_responding_score(30) == Decimal(18)
    # The boundary agrees with met(): 10 meets the rule from 20, 11 does not.
    assert rule.met(20, 10)
    assert not rule.met(20, 11)
