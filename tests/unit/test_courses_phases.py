"""Course phases: forward only, re-induction from maintenance, ended is final and needs a
reason."""

from __future__ import annotations

import pytest

from kclinic.domain.courses import PHASES, check_phase_change, next_phases
from kclinic.domain.errors import ValidationError


def test_the_four_phases_in_order():
    assert PHASES == ("evaluation", "induction", "maintenance", "ended")


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("evaluation", "induction"),
        ("evaluation", "maintenance"),  # a patient transferred in maintenance
        ("induction", "maintenance"),
        ("maintenance", "induction"),  # re-induction
    ],
)
def test_allowed_changes(current, new):
    assert check_phase_change(current, new) == ""


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("induction", "evaluation"),
        ("maintenance", "evaluation"),
        ("induction", "induction"),
        ("ended", "induction"),
        ("ended", "evaluation"),
    ],
)
def test_backward_changes_are_refused_naming_the_phase(current, new):
    with pytest.raises(ValidationError, match=f"^phase: '{new}' is not allowed"):
        check_phase_change(current, new)


def test_ended_is_final():
    assert next_phases("ended") == ()
    with pytest.raises(ValidationError, match="the course has ended"):
        check_phase_change("ended", "maintenance")


@pytest.mark.parametrize("current", ["evaluation", "induction", "maintenance"])
def test_ending_needs_a_reason_of_ten_characters(current):
    with pytest.raises(ValidationError, match=r"^reason: '' .*at least 10 characters"):
        check_phase_change(current, "ended")
    with pytest.raises(ValidationError, match=r"^reason: 'done'"):
        check_phase_change(current, "ended", "done")
    assert check_phase_change(current, "ended", " remission sustained ") == "remission sustained"


def test_unknown_current_phase_is_refused():
    with pytest.raises(ValidationError, match=r"^phase: 'paused'"):
        next_phases("paused")
