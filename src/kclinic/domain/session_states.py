"""Lifecycle of one chair-side session, as a pure state machine.

    scheduled -> checked_in -> prechecks_done -> dose_verified -> infusing (<-> paused)
              -> infusion_ended -> recovery -> discharged

A session is cancelled (with a reason) only before any drug has been given, and aborted
(with a reason) once it has: the difference matters for the controlled-substance ledger and
for the observation a patient still needs. The web layer persists each `Transition` with the
user who made it; this module only decides whether a step is allowed and keeps the times.
For esketamine the "infusion" states stand for administration of the nasal devices
(start_infusion = first device, end_infusion = last device).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from kclinic.domain.errors import UnknownNameError, ValidationError


class State(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    PRECHECKS_DONE = "prechecks_done"
    DOSE_VERIFIED = "dose_verified"
    INFUSING = "infusing"
    PAUSED = "paused"
    INFUSION_ENDED = "infusion_ended"
    RECOVERY = "recovery"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"
    ABORTED = "aborted"


class Event(StrEnum):
    CHECK_IN = "check_in"
    COMPLETE_PRECHECKS = "complete_prechecks"
    VERIFY_DOSE = "verify_dose"
    START_INFUSION = "start_infusion"
    PAUSE = "pause"
    RESUME = "resume"
    END_INFUSION = "end_infusion"
    START_RECOVERY = "start_recovery"
    DISCHARGE = "discharge"
    CANCEL = "cancel"
    ABORT = "abort"


# Before the drug: cancel. From the first drop on: abort (the patient still needs watching).
_BEFORE_DRUG: Final = (State.SCHEDULED, State.CHECKED_IN, State.PRECHECKS_DONE, State.DOSE_VERIFIED)
_AFTER_DRUG: Final = (State.INFUSING, State.PAUSED, State.INFUSION_ENDED, State.RECOVERY)

TRANSITIONS: Final[dict[State, dict[Event, State]]] = {
    State.SCHEDULED: {Event.CHECK_IN: State.CHECKED_IN},
    State.CHECKED_IN: {Event.COMPLETE_PRECHECKS: State.PRECHECKS_DONE},
    State.PRECHECKS_DONE: {Event.VERIFY_DOSE: State.DOSE_VERIFIED},
    State.DOSE_VERIFIED: {Event.START_INFUSION: State.INFUSING},
    State.INFUSING: {Event.PAUSE: State.PAUSED, Event.END_INFUSION: State.INFUSION_ENDED},
    State.PAUSED: {Event.RESUME: State.INFUSING, Event.END_INFUSION: State.INFUSION_ENDED},
    State.INFUSION_ENDED: {Event.START_RECOVERY: State.RECOVERY},
    State.RECOVERY: {Event.DISCHARGE: State.DISCHARGED},
    State.DISCHARGED: {},
    State.CANCELLED: {},
    State.ABORTED: {},
}
for _state in _BEFORE_DRUG:
    TRANSITIONS[_state][Event.CANCEL] = State.CANCELLED
for _state in _AFTER_DRUG:
    TRANSITIONS[_state][Event.ABORT] = State.ABORTED

TERMINAL: Final = frozenset({State.DISCHARGED, State.CANCELLED, State.ABORTED})
REASON_REQUIRED: Final = frozenset({Event.CANCEL, Event.ABORT})


@dataclass(frozen=True)
class Transition:
    """One step taken: what happened, from which state to which, when, and why."""

    event: Event
    from_state: State
    to_state: State
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class Session:
    """A session's current state and every step that led to it (oldest first)."""

    state: State = State.SCHEDULED
    history: tuple[Transition, ...] = ()


def allowed_events(state: State) -> tuple[Event, ...]:
    """The events allowed from `state`, in lifecycle order (empty for a terminal state)."""
    return tuple(TRANSITIONS[state])


def _event(value: Event | str) -> Event:
    try:
        return Event(value)
    except ValueError:
        raise UnknownNameError("event", value, [e.value for e in Event]) from None


def next_state(state: State, event: Event | str) -> State:
    """The state `event` leads to from `state`; ValidationError if it is not allowed."""
    chosen = _event(event)
    targets = TRANSITIONS[state]
    if chosen not in targets:
        allowed = ", ".join(e.value for e in targets) or "none (the session is closed)"
        raise ValidationError(
            "event", chosen.value, allowed, detail=f"the session is {state.value}"
        )
    return targets[chosen]


def transition(
    session: Session, event: Event | str, at: datetime, reason: str | None = None
) -> Session:
    """Apply `event` at the timezone-aware time `at`; return the new session.

    Refuses (ValidationError) an event not allowed from the current state (the message names
    the state and the allowed events), a naive or earlier-than-last time, and cancel/abort
    without a non-blank reason.
    """
    chosen = _event(event)
    target = next_state(session.state, chosen)
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError("at", at.isoformat(), "a timezone-aware time")
    if session.history and at < session.history[-1].at:
        last = session.history[-1].at.isoformat()
        raise ValidationError("at", at.isoformat(), f"{last} or later (the last step)")
    cleaned = reason.strip() if reason is not None else None
    if chosen in REASON_REQUIRED and not cleaned:
        raise ValidationError("reason", reason if reason is not None else "", "a non-blank reason")
    step = Transition(chosen, session.state, target, at, cleaned or None)
    return Session(state=target, history=(*session.history, step))


def _seconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def _time_in(session: Session, state: State, now: datetime) -> int:
    total = 0
    entered: datetime | None = None
    for step in session.history:
        if step.to_state == state and entered is None:
            entered = step.at
        elif step.from_state == state and entered is not None:
            total += _seconds(entered, step.at)
            entered = None
    if entered is not None:
        if now < entered:
            raise ValidationError("now", now.isoformat(), f"{entered.isoformat()} or later")
        total += _seconds(entered, now)
    return total


def infusing_seconds(session: Session, now: datetime) -> int:
    """Seconds spent infusing (pauses excluded), counting up to `now` if still infusing."""
    return _time_in(session, State.INFUSING, now)


def paused_seconds(session: Session, now: datetime) -> int:
    """Seconds spent paused, counting up to `now` if paused now."""
    return _time_in(session, State.PAUSED, now)


def time_of(session: Session, event: Event | str) -> datetime | None:
    """When `event` first happened in this session, or None if it has not."""
    chosen = _event(event)
    for step in session.history:
        if step.event == chosen:
            return step.at
    return None


def seconds_since(session: Session, event: Event | str, now: datetime) -> int | None:
    """Seconds from the first `event` to `now` (e.g. since start_infusion), None if not yet."""
    started = time_of(session, event)
    if started is None:
        return None
    if now < started:
        raise ValidationError("now", now.isoformat(), f"{started.isoformat()} or later")
    return _seconds(started, now)
