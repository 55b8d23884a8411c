"""The session lifecycle: every legal step, every illegal one, reasons, times and durations."""

from datetime import UTC, datetime, timedelta

import pytest

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.session_states import (
    Event,
    Session,
    State,
    allowed_events,
    infusing_seconds,
    next_state,
    paused_seconds,
    seconds_since,
    time_of,
    transition,
)

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

# Written out by hand from the lifecycle in issue 4, not read from TRANSITIONS.
LEGAL = {
    ("scheduled", "check_in"): "checked_in",
    ("scheduled", "cancel"): "cancelled",
    ("checked_in", "complete_prechecks"): "prechecks_done",
    ("checked_in", "cancel"): "cancelled",
    ("prechecks_done", "verify_dose"): "dose_verified",
    ("prechecks_done", "cancel"): "cancelled",
    ("dose_verified", "start_infusion"): "infusing",
    ("dose_verified", "cancel"): "cancelled",
    ("infusing", "pause"): "paused",
    ("infusing", "end_infusion"): "infusion_ended",
    ("infusing", "abort"): "aborted",
    ("paused", "resume"): "infusing",
    ("paused", "end_infusion"): "infusion_ended",
    ("paused", "abort"): "aborted",
    ("infusion_ended", "start_recovery"): "recovery",
    ("infusion_ended", "abort"): "aborted",
    ("recovery", "discharge"): "discharged",
    ("recovery", "abort"): "aborted",
}
ALL_PAIRS = [(s.value, e.value) for s in State for e in Event]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def test_the_tables_cover_every_pair() -> None:
    assert len(ALL_PAIRS) == 11 * 11
    assert len(LEGAL) == 18
    assert len(ILLEGAL) == 121 - 18


@pytest.mark.parametrize(("pair", "target"), LEGAL.items())
def test_every_legal_transition(pair: tuple[str, str], target: str) -> None:
    state, event = pair
    reason = "patient unwell" if event in ("cancel", "abort") else None
    after = transition(Session(State(state)), event, T0, reason)
    assert after.state == State(target)
    assert after.history[-1].from_state == State(state)
    assert after.history[-1].at == T0
    assert after.history[-1].reason == reason


@pytest.mark.parametrize("pair", ILLEGAL)
def test_every_illegal_transition_is_refused_naming_state_and_allowed(
    pair: tuple[str, str],
) -> None:
    state, event = pair
    with pytest.raises(ValidationError) as caught:
        transition(Session(State(state)), event, T0, "a reason")
    message = str(caught.value)
    assert f"the session is {state}" in message
    expected = [e for (s, e) in LEGAL if s == state]
    for allowed in expected:
        assert allowed in message
    if not expected:
        assert "none (the session is closed)" in message


def test_allowed_events_from_paused() -> None:
    assert allowed_events(State.PAUSED) == (Event.RESUME, Event.END_INFUSION, Event.ABORT)
    assert allowed_events(State.DISCHARGED) == ()


def test_message_for_starting_before_the_double_check() -> None:
    with pytest.raises(ValidationError) as caught:
        next_state(State.PRECHECKS_DONE, "start_infusion")
    assert str(caught.value) == (
        "event: 'start_infusion' is not allowed; allowed: verify_dose, cancel "
        "(the session is prechecks_done)"
    )


def test_unknown_event_is_named() -> None:
    with pytest.raises(UnknownNameError, match="event: 'teleport'"):
        transition(Session(), "teleport", T0)


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize(("state", "event"), [("scheduled", "cancel"), ("infusing", "abort")])
def test_cancel_and_abort_need_a_reason(state: str, event: str, reason: str | None) -> None:
    with pytest.raises(ValidationError, match=r"reason: .* a non-blank reason"):
        transition(Session(State(state)), event, T0, reason)


def test_time_must_be_aware_and_not_go_backwards() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        transition(Session(), "check_in", T0.replace(tzinfo=None))
    checked_in = transition(Session(), "check_in", T0)
    with pytest.raises(ValidationError, match="or later"):
        transition(checked_in, "complete_prechecks", T0 - timedelta(seconds=1))
    # The same instant is allowed (two quick taps).
    assert transition(checked_in, "complete_prechecks", T0).state == State.PRECHECKS_DONE


def _run(steps: list[tuple[str, int]]) -> Session:
    session = Session()
    for event, minute in steps:
        reason = "transfer" if event in ("cancel", "abort") else None
        session = transition(session, event, T0 + timedelta(minutes=minute), reason)
    return session


BEFORE_START = [("check_in", 0), ("complete_prechecks", 10), ("verify_dose", 15)]


def test_infusing_time_excludes_pauses() -> None:
    # Start 09:20, pause 09:30-09:38, resume, end 10:08: 10 + 30 = 40 min infusing, 8 paused.
    session = _run(
        [
            *BEFORE_START,
            ("start_infusion", 20),
            ("pause", 30),
            ("resume", 38),
            ("end_infusion", 68),
            ("start_recovery", 68),
        ]
    )
    now = T0 + timedelta(minutes=100)
    assert infusing_seconds(session, now) == 40 * 60
    assert paused_seconds(session, now) == 8 * 60
    assert seconds_since(session, "start_infusion", now) == 80 * 60
    assert time_of(session, "end_infusion") == T0 + timedelta(minutes=68)


def test_infusing_time_counts_up_to_now_while_running_or_paused() -> None:
    running = _run([*BEFORE_START, ("start_infusion", 20), ("pause", 25), ("resume", 27)])
    now = T0 + timedelta(minutes=30)
    # 5 min before the pause + 3 min since the resume.
    assert infusing_seconds(running, now) == 8 * 60
    paused = _run([*BEFORE_START, ("start_infusion", 20), ("pause", 25)])
    assert infusing_seconds(paused, now) == 5 * 60
    assert paused_seconds(paused, now) == 5 * 60


def test_no_infusion_yet() -> None:
    session = _run(BEFORE_START)
    assert infusing_seconds(session, T0 + timedelta(hours=1)) == 0
    assert seconds_since(session, "start_infusion", T0 + timedelta(hours=1)) is None


def test_now_before_the_running_interval_is_refused() -> None:
    session = _run([*BEFORE_START, ("start_infusion", 20)])
    with pytest.raises(ValidationError, match="now:"):
        infusing_seconds(session, T0)


def test_abort_from_recovery_keeps_the_history() -> None:
    session = _run(
        [*BEFORE_START, ("start_infusion", 20), ("end_infusion", 60), ("start_recovery", 60)]
    )
    aborted = transition(session, "abort", T0 + timedelta(minutes=70), "  ED transfer ")
    assert aborted.state == State.ABORTED
    assert aborted.history[-1].reason == "ED transfer"
    assert [step.event.value for step in aborted.history] == [
        "check_in",
        "complete_prechecks",
        "verify_dose",
        "start_infusion",
        "end_infusion",
        "start_recovery",
        "abort",
    ]
