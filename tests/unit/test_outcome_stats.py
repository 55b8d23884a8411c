"""Outcome statistics against hand-computed and published cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from kclinic.domain import outcome_stats as stats
from kclinic.domain.errors import ValidationError
from kclinic.domain.outcomes import trajectory

Q4 = Decimal("0.0001")
Z = Decimal("1.959963984540054")
Z2 = Z * Z


def _q(value: Decimal) -> Decimal:
    return value.quantize(Q4)


# -- Wilson score interval ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe RG, Stat Med 1998;17:857-872, table I, method 3 (score interval).
        (81, 263, "0.2553", "0.3662"),
        (15, 148, "0.0624", "0.1605"),
        (0, 20, "0.0000", "0.1611"),
        (1, 29, "0.0061", "0.1718"),
    ],
)
def test_wilson_matches_newcombe_1998(k, n, low, high):
    lo, hi = stats.wilson_interval(k, n)
    assert (_q(lo), _q(hi)) == (Decimal(low), Decimal(high))


def test_wilson_five_of_ten_by_hand():
    # p = 0.5: centre (0.5 + z²/20) / (1 + z²/10) = 0.5 exactly; half-width
    # z / 1.3841459 x sqrt(0.025 + z²/400) = 1.4160091 x 0.1860204 = 0.2634074.
    lo, hi = stats.wilson_interval(5, 10)
    assert _q(lo) == Decimal("0.2366")
    assert _q(hi) == Decimal("0.7634")
    assert lo + hi == Decimal(1)


def test_wilson_edges_have_closed_forms():
    # With no successes p = 0, so the interval is [0, z²/(n + z²)]; with all successes it is
    # [n/(n + z²), 1].
    for n in (1, 10, 537):
        lo, hi = stats.wilson_interval(0, n)
        assert lo == 0
        assert abs(hi - Z2 / (n + Z2)) < Decimal("1e-20")
        lo, hi = stats.wilson_interval(n, n)
        assert hi == 1
        assert abs(lo - n / (n + Z2)) < Decimal("1e-20")


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_agrees_with_scipy(case):
    k, n = case
    lo, hi = stats.wilson_interval(k, n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert abs(float(lo) - ci.low) < 1e-9
    assert abs(float(hi) - ci.high) < 1e-9
    assert 0 <= lo <= Decimal(k) / n <= hi <= 1
    # The interval for failures mirrors the interval for successes.
    _, hi2 = stats.wilson_interval(n - k, n)
    assert abs((1 - hi2) - lo) < Decimal("1e-20")


@pytest.mark.parametrize(("k", "n"), [(0, 0), (3, 2), (-1, 4), (True, 4)])
def test_wilson_refuses_impossible_counts(k, n):
    with pytest.raises(ValidationError):
        stats.wilson_interval(k, n)


def test_proportion_percentages_are_rounded_once():
    share = stats.proportion(2, 3)
    assert share.percent == Decimal("66.7")
    assert share.rate == Decimal(2) / Decimal(3)
    lo, hi = stats.wilson_interval(2, 3)
    assert share.low_percent == (lo * 100).quantize(Decimal("0.1"))
    assert share.high_percent == (hi * 100).quantize(Decimal("0.1"))
    empty = stats.proportion(0, 0)
    assert (empty.percent, empty.low, empty.high) == (None, None, None)


def test_rate_per_100_sessions():
    assert stats.rate_per_100(3, 40) == Decimal("7.5")
    assert stats.rate_per_100(1, 3) == Decimal("33.3")
    assert stats.rate_per_100(0, 12) == 0
    assert stats.rate_per_100(2, 0) is None
    with pytest.raises(ValidationError):
        stats.rate_per_100(-1, 10)


def test_adverse_event_keywords():
    assert stats.ae_category("Felt dissociated for 20 min") == ("dissociation",)
    assert stats.ae_category("Nauseous; vomited once") == ("nausea",)
    assert stats.ae_category("High blood pressure 182/100, infusion slowed") == ("hypertension",)
    assert stats.ae_category("Blood pressure normal before discharge") == ()
    assert stats.ae_category("Headache") == ()
    assert [c.id for c in stats.AE_CATEGORIES] == ["hypertension", "dissociation", "nausea"]


def test_reading_rules_are_cited():
    rules = stats.READING_RULES
    assert rules.induction_sessions.value == 6
    assert rules.outcome_window_days.value == 31
    assert rules.sustained_weeks.value == (4, 8)
    for cited in (
        rules.induction_sessions,
        rules.outcome_window_days,
        rules.baseline_lookback_days,
    ):
        assert cited.source.citation


# -- one course ---------------------------------------------------------------------------


def test_time_to_response_counts_days_from_the_first_session_and_sessions_before():
    # PHQ-9 20 at baseline; under McInnes 2022 a response is a total of 10 or less.
    read = trajectory([(0, 20), (2, 15), (4, 9), (7, 8)], "phq9-mcinnes-2022")
    found = stats.time_to_response(read, [1, 3, 5])
    assert found.first_response == 4
    assert found.days == 3
    assert found.sessions_before == 2


def test_time_to_response_without_sessions_counts_from_baseline_and_none_without_response():
    read = trajectory([(0, 20), (6, 10)], "phq9-mcinnes-2022")
    assert stats.time_to_response(read).days == 6
    none = stats.time_to_response(trajectory([(0, 20), (6, 12)], "phq9-mcinnes-2022"))
    assert (none.first_response, none.days, none.sessions_before) == (None, None, None)


def test_time_to_response_in_datetimes_is_in_tenths_of_a_day():
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    read = trajectory([(start, 20), (start + timedelta(days=2, hours=6), 9)], "phq9-mcinnes-2022")
    assert stats.time_to_response(read, [start + timedelta(hours=1)]).days == Decimal("2.2")


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ([(0, 20), (4, 9), (8, 8), (12, 9)], "sustained"),  # 12 - 4 >= 7 days, all respond
        ([(0, 20), (4, 9), (8, 14), (15, 8)], "lost"),  # day 8 is not a response
        ([(0, 20), (4, 9), (8, 8)], "too early"),  # only 4 days after the response
        ([(0, 20), (4, 14), (18, 15)], "no response"),
    ],
)
def test_sustained_response_for_one_week(series, expected):
    assert stats.sustained_response(trajectory(series, "phq9-mcinnes-2022"), 1) == expected


def test_relapse_after_response():
    # Response on day 4; not a response on days 10 and 14: two in a row confirm a relapse.
    read = trajectory([(0, 20), (4, 9), (10, 12), (14, 13)], "phq9-mcinnes-2022")
    found = stats.relapse(read)
    assert (found.onset, found.confirmed, found.days_in_response) == (10, 14, 6)
    assert stats.relapse(trajectory([(0, 20), (4, 9)], "phq9-mcinnes-2022")).onset is None


def test_read_course_summarises_the_latest_score():
    read = trajectory([(0, 20), (4, 9), (11, 4)], "phq9-mcinnes-2022")
    course = stats.read_course(read, [1, 3], sustained_weeks=(1,))
    assert (course.latest, course.latest_time) == (4, 11)
    assert course.response_now
    assert course.remission_now
    assert course.sustained == ((1, "sustained"),)
    baseline_only = stats.read_course(trajectory([(0, 20)], "phq9-mcinnes-2022"))
    assert (baseline_only.latest, baseline_only.response_now) == (20, False)


# -- exposure -----------------------------------------------------------------------------

D1 = date(2025, 3, 3)


def _dose(day: int, mg: str = "35", kg: str = "70") -> stats.Dose:
    return stats.Dose(D1 + timedelta(days=day), Decimal(mg), Decimal(kg))


def test_exposure_totals_window_and_peak():
    doses = [_dose(0), _dose(10), _dose(40)]  # 0.5 mg/kg each
    found = stats.exposure(doses, D1 + timedelta(days=40))
    assert (found.sessions, found.total_mg, found.total_mg_per_kg) == (3, 105, Decimal("1.5"))
    # The 30 days ending on day 40 start after day 10.
    assert (found.window_sessions, found.window_mg, found.window_mg_per_kg) == (
        1,
        35,
        Decimal("0.5"),
    )
    assert found.peak_window_mg_per_kg == 1  # days 0 and 10 fall in one window


def test_exposure_rounds_once_at_the_end():
    # 35 mg / 75 kg = 0.4666...; three of them are 1.4 exactly (rounding each would give 1.401).
    found = stats.exposure(
        [_dose(0, kg="75"), _dose(2, kg="75"), _dose(4, kg="75")], D1 + timedelta(days=4)
    )
    assert found.total_mg_per_kg == Decimal("1.400")


def test_exposure_ignores_future_doses_and_refuses_bad_input():
    assert stats.exposure([_dose(5)], D1).sessions == 0
    with pytest.raises(ValidationError):
        stats.Dose(D1, Decimal(35), Decimal(0))
    with pytest.raises(ValidationError):
        stats.exposure([], D1, window_days=0)


@given(
    st.lists(st.tuples(st.integers(0, 120), st.integers(1, 200), st.integers(30, 180)), max_size=30)
)
def test_exposure_invariants(rows):
    doses = [_dose(day, str(mg), str(kg)) for day, mg, kg in rows]
    found = stats.exposure(doses, D1 + timedelta(days=120))
    assert found.sessions == len(doses)
    assert found.total_mg == sum(Decimal(mg) for _, mg, _ in rows)
    assert 0 <= found.window_mg_per_kg <= found.peak_window_mg_per_kg <= found.total_mg_per_kg
