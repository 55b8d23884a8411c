"""Volume infused from pump events: hand-worked vectors, refusals, and properties (never
negative, never falling with time, never above the VTBI)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import ValidationError
from kclinic.domain.infusion_volume import (
    MAX_RATE_ML_PER_H,
    PumpEvent,
    check_rate,
    progress,
    volume_infused_ml,
)

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
D = Decimal


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(kind: str, minute: float, rate: str | None = None) -> PumpEvent:
    return PumpEvent(kind, at(minute), D(rate) if rate is not None else None)  # type: ignore[arg-type]


def test_a_steady_rate_delivers_rate_times_time() -> None:
    # 100 mL/h for 30 min = 50 mL.
    assert volume_infused_ml([ev("start", 0, "100")], at(30)) == D("50.0")
    # Nothing before the start, nothing without events.
    assert volume_infused_ml([ev("start", 10, "100")], at(5)) == D("0.0")
    assert volume_infused_ml([], at(5)) == D("0.0")


def test_pauses_deliver_nothing() -> None:
    # 120 mL/h running 0-15 and 25-45 min: 35 min = 70 mL; the 10 min pause adds nothing.
    events = [ev("start", 0, "120"), ev("pause", 15), ev("resume", 25), ev("stop", 45)]
    assert volume_infused_ml(events, at(20)) == D("30.0")  # 15 min so far
    assert volume_infused_ml(events, at(60)) == D("70.0")
    done = progress(events, at(60))
    assert done.status == "stopped"
    assert done.running_seconds == 35 * 60


def test_rate_changes_count_from_their_moment() -> None:
    # 60 mL/h for 20 min (20 mL), then 30 mL/h for 20 min (10 mL) = 30 mL at 40 min.
    events = [ev("start", 0, "60"), ev("rate_change", 20, "30")]
    assert volume_infused_ml(events, at(40)) == D("30.0")
    assert progress(events, at(40)).rate_ml_per_h == D("30")


def test_a_rate_change_while_paused_applies_on_resume() -> None:
    # 60 mL/h 0-10 (10 mL); paused 10-20 with a change to 120; 120 mL/h 20-30 (20 mL).
    events = [ev("start", 0, "60"), ev("pause", 10), ev("rate_change", 15, "120")]
    events.append(ev("resume", 20))
    assert volume_infused_ml(events, at(30)) == D("30.0")


def test_resume_may_set_a_new_rate() -> None:
    # 60 mL/h 0-10 (10 mL), resume at 30 mL/h 20-40 (10 mL).
    events = [ev("start", 0, "60"), ev("pause", 10), ev("resume", 20, "30")]
    assert volume_infused_ml(events, at(40)) == D("20.0")


def test_rounded_once_and_down_to_a_tenth() -> None:
    # 100 mL/h for 1 min = 1.666... mL -> 1.6 (down, never more than delivered).
    assert volume_infused_ml([ev("start", 0, "100")], at(1)) == D("1.6")
    # 7 mL/h for 17 s = 0.0330... -> 0.0; and three 20 s runs at 100 mL/h (0.5555... each,
    # 1.6666... in all) -> 1.6, not 3 x 0.5 = 1.5: rounding happens once, at the end.
    assert volume_infused_ml([ev("start", 0, "7")], T0 + timedelta(seconds=17)) == D("0.0")
    runs = [ev("start", 0, "100"), ev("pause", 1 / 3), ev("resume", 1), ev("pause", 4 / 3)]
    runs += [ev("resume", 2), ev("stop", 7 / 3)]
    assert volume_infused_ml(runs, at(10)) == D("1.6")


def test_the_vtbi_caps_the_volume() -> None:
    # 150 mL/h for 60 min would be 150 mL; the pump stops at its VTBI of 100 mL.
    events = [ev("start", 0, "150")]
    capped = progress(events, at(60), vtbi_ml=D("100.0"))
    assert capped.volume_ml == D("100.0")
    assert capped.vtbi_reached
    assert capped.remaining_ml == D("0.0")
    before = progress(events, at(20), vtbi_ml=D("100.0"))  # 50 mL
    assert (before.volume_ml, before.vtbi_reached, before.remaining_ml) == (
        D("50.0"),
        False,
        D("50.0"),
    )


def test_events_after_now_are_not_counted() -> None:
    events = [ev("start", 0, "60"), ev("pause", 30)]
    assert volume_infused_ml(events, at(20)) == D("20.0")
    assert progress(events, at(20)).status == "running"


@pytest.mark.parametrize(
    ("events", "field", "allowed"),
    [
        ([ev("pause", 0)], "events[0].kind", "start"),
        ([ev("start", 0, "60"), ev("resume", 5)], "events[1].kind", "pause, rate_change, stop"),
        ([ev("start", 0, "60"), ev("start", 5, "60")], "events[1].kind", "pause"),
        ([ev("start", 0, "60"), ev("stop", 5), ev("resume", 6)], "events[2].kind", "nothing"),
        ([ev("start", 0)], "events[0].rate_ml_per_h", "a rate in mL/h"),
        ([ev("start", 0, "60"), ev("rate_change", 5)], "events[1].rate_ml_per_h", "a rate"),
        ([ev("start", 0, "0")], "events[0].rate_ml_per_h", "more than 0"),
        ([ev("start", 0, "-5")], "events[0].rate_ml_per_h", "more than 0"),
        ([ev("start", 10, "60"), ev("pause", 5)], "events[1].at", "or later"),
    ],
)
def test_impossible_event_sequences_are_refused(
    events: list[PumpEvent], field: str, allowed: str
) -> None:
    # Even when the bad event lies after `now`: the history itself is wrong.
    with pytest.raises(ValidationError) as caught:
        volume_infused_ml(events, at(1))
    assert caught.value.field == field
    assert allowed in caught.value.allowed


def test_naive_times_and_bad_vtbi_are_refused() -> None:
    with pytest.raises(ValidationError, match="now"):
        volume_infused_ml([], datetime(2026, 3, 3, 9, 0))  # noqa: DTZ001
    with pytest.raises(ValidationError, match="vtbi_ml"):
        volume_infused_ml([], at(1), vtbi_ml=D("0"))


@pytest.mark.parametrize(
    ("rate", "ordered", "allowed"),
    [
        (D("0"), None, "more than 0"),
        (D("-10"), None, "more than 0"),
        (D("NaN"), None, "more than 0"),
        (True, None, "a number"),
        ("150", None, "a number"),
        (D("151"), D("150"), "at most the ordered 150 mL/h"),
        (D("1000"), None, "at most 999 mL/h"),
        (D("75.05"), None, "in steps of 0.1 mL/h"),
    ],
)
def test_rates_a_nurse_may_not_program(rate: object, ordered: D | None, allowed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_rate(rate, ordered_ml_per_h=ordered)
    assert caught.value.field == "rate_ml_per_h"
    assert allowed in caught.value.allowed


def test_rates_a_nurse_may_program() -> None:
    assert check_rate(D("75"), ordered_ml_per_h=D("150")) == D("75")
    assert check_rate(D("150"), ordered_ml_per_h=D("150")) == D("150")
    assert str(check_rate(120)) == "120.0"  # one decimal, as the pump and the order keep it
    assert check_rate(MAX_RATE_ML_PER_H.value) == D(999)


# --- properties -------------------------------------------------------------------------

_FOLLOW = {
    "not_started": ("start",),
    "running": ("pause", "rate_change", "stop"),
    "paused": ("resume", "rate_change", "stop"),
}
_AFTER = {"start": "running", "pause": "paused", "resume": "running", "stop": "stopped"}

rates = st.decimals(min_value=D("0.1"), max_value=D("999"), places=1)
steps = st.lists(
    st.tuples(st.integers(0, 3600), st.integers(0, 2), rates, st.booleans()),
    min_size=0,
    max_size=12,
)


def _history(raw: list[tuple[int, int, D, bool]]) -> list[PumpEvent]:
    """A valid event history built from random draws (each draw picks one allowed event)."""
    events: list[PumpEvent] = []
    status, moment = "not_started", T0
    for gap_s, pick, rate, new_rate in raw:
        if status == "stopped":
            break
        moment += timedelta(seconds=gap_s)
        choices = _FOLLOW[status]
        kind = choices[pick % len(choices)]
        with_rate = kind in ("start", "rate_change") or (kind == "resume" and new_rate)
        events.append(PumpEvent(kind, moment, rate if with_rate else None))  # type: ignore[arg-type]
        status = _AFTER.get(kind, status)
    return events


@given(steps, st.integers(0, 20_000), st.integers(0, 20_000))
def test_volume_is_never_negative_and_never_falls(raw, t1_s, t2_s) -> None:  # type: ignore[no-untyped-def]
    events = _history(raw)
    early, late = sorted((T0 + timedelta(seconds=t1_s), T0 + timedelta(seconds=t2_s)))
    first = volume_infused_ml(events, early)
    second = volume_infused_ml(events, late)
    assert D(0) <= first <= second
    # Never more than the fastest rate used for the whole time since the start.
    fastest = max((e.rate_ml_per_h for e in events if e.rate_ml_per_h), default=D(0))
    elapsed_h = D((late - T0).total_seconds()) / 3600
    assert second <= fastest * elapsed_h


@given(steps, st.integers(0, 40_000), st.decimals(min_value=D("0.1"), max_value=D("500"), places=1))
def test_volume_is_never_above_the_vtbi(raw, t_s, vtbi) -> None:  # type: ignore[no-untyped-def]
    events = _history(raw)
    now = T0 + timedelta(seconds=t_s)
    capped = progress(events, now, vtbi_ml=vtbi)
    assert D(0) <= capped.volume_ml <= vtbi
    # The cap only ever lowers the uncapped volume.
    assert capped.volume_ml <= volume_infused_ml(events, now)
