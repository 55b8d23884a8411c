"""When vitals are due and overdue: every 10 min in infusion, 15 in recovery (Emory 2018)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.monitoring import DEFAULT_POLICY
from kclinic.domain.monitoring_schedule import (
    interval_minutes,
    next_vitals_due,
    overdue,
    phase_for,
    seconds_overdue,
)
from kclinic.domain.session_states import State
from kclinic.domain.sources import Cited

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_default_intervals_and_their_source() -> None:
    assert interval_minutes("infusion") == 10
    assert interval_minutes("recovery") == 15
    assert interval_minutes("pre_dose") is None
    assert DEFAULT_POLICY.infusion_interval_minutes.source.id == "emory-2018-pmid29525051"


def test_next_due_counts_from_the_last_reading() -> None:
    # Last reading 09:12 in infusion: due 09:22; in recovery: due 09:27.
    assert next_vitals_due(at(12), "infusion", at(0)) == at(22)
    assert next_vitals_due(at(12), "recovery", at(0)) == at(27)
    assert next_vitals_due(at(12), "pre_dose", at(0)) is None


def test_a_new_phase_restarts_the_clock() -> None:
    # Last infusion reading 09:38, recovery starts 09:40: next due 09:55, not 09:53.
    assert next_vitals_due(at(38), "recovery", at(40)) == at(55)
    assert next_vitals_due(None, "infusion", at(20)) == at(30)


@pytest.mark.parametrize(
    ("phase", "now_min", "expected"),
    [
        ("infusion", 10, False),  # exactly due is not overdue
        ("infusion", 10.5, True),
        ("infusion", 9, False),
        ("recovery", 15, False),
        ("recovery", 16, True),
        ("pre_dose", 500, False),
    ],
)
def test_overdue(phase: str, now_min: float, expected: bool) -> None:
    assert overdue(at(0), phase, at(now_min)) is expected


def test_seconds_overdue() -> None:
    assert seconds_overdue(at(0), "infusion", at(13)) == 180
    assert seconds_overdue(at(0), "infusion", at(5)) == 0
    assert seconds_overdue(at(0), "pre_dose", at(50)) is None


def test_no_reading_and_no_phase_start_is_overdue_at_once() -> None:
    assert overdue(None, "infusion", at(0)) is True
    assert overdue(None, "pre_dose", at(0)) is False


def test_clinic_interval_and_bad_input() -> None:
    every_5 = replace(
        DEFAULT_POLICY,
        infusion_interval_minutes=Cited(5, DEFAULT_POLICY.infusion_interval_minutes.source),
    )
    assert overdue(at(0), "infusion", at(6), every_5) is True
    with pytest.raises(UnknownNameError, match="phase: 'maintenance'"):
        overdue(at(0), "maintenance", at(1))
    with pytest.raises(ValidationError, match="now:"):
        overdue(at(10), "infusion", at(5))


@given(st.integers(0, 120), st.integers(0, 240), st.sampled_from(["infusion", "recovery"]))
def test_overdue_exactly_when_past_the_interval(last: int, gap: int, phase: str) -> None:
    interval = 10 if phase == "infusion" else 15
    assert overdue(at(last), phase, at(last + gap)) is (gap > interval)


@pytest.mark.parametrize(
    ("state", "phase"),
    [
        (State.SCHEDULED, "pre_dose"),
        (State.CHECKED_IN, "pre_dose"),
        (State.PRECHECKS_DONE, "pre_dose"),
        (State.DOSE_VERIFIED, "pre_dose"),
        (State.INFUSING, "infusion"),
        (State.PAUSED, "infusion"),
        (State.INFUSION_ENDED, "recovery"),
        (State.RECOVERY, "recovery"),
        (State.DISCHARGED, None),
        (State.CANCELLED, None),
        (State.ABORTED, None),
    ],
)
def test_phase_for_every_state(state: State, phase: str | None) -> None:
    assert phase_for(state) == phase
