"""Volume an infusion pump has delivered, from its events, and the rates a nurse may set.

Events, in time order (`PumpEvent`):
- start: the pump runs at `rate_ml_per_h` (required);
- pause: it stops delivering; the rate is kept;
- resume: it runs again, at a new `rate_ml_per_h` if given, else at the kept rate;
- rate_change: a new rate (required), from that moment if running, from the resume if paused;
- stop: it stops for good; nothing may follow.

Volume (mL) = sum over running intervals of rate (mL/h) x time (h), computed exactly in
Decimal from whole microseconds, capped at the VTBI (a pump stops itself there), and rounded
once at the end, down to 0.1 mL: the screen never claims more than the pump has delivered.
Events later than `now` are ignored (they have not happened yet at `now`), so the volume is a
function of time that never falls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Final, Literal

from kclinic.domain.errors import ValidationError
from kclinic.domain.sources import KCLINIC_POLICY, Cited

Kind = Literal["start", "pause", "resume", "rate_change", "stop"]
KINDS: Final[tuple[Kind, ...]] = ("start", "pause", "resume", "rate_change", "stop")
Status = Literal["not_started", "running", "paused", "stopped"]

VOLUME_STEP_ML: Final = Decimal("0.1")
# Pumps are programmed in tenths of a mL/h; the stored order and events keep one decimal.
RATE_STEP_ML_PER_H: Final = Decimal("0.1")
# A pump's usual programmable ceiling; a higher number is a typing error, not an order.
MAX_RATE_ML_PER_H: Final = Cited(
    Decimal(999),
    replace(
        KCLINIC_POLICY,
        note="plausibility ceiling of a programmed rate (common volumetric pump maximum); the "
        "order's own rate is the real limit when it names one",
    ),
)

# Which event may come in which pump status.
_NEXT: Final[dict[Status, dict[Kind, Status]]] = {
    "not_started": {"start": "running"},
    "running": {"pause": "paused", "rate_change": "running", "stop": "stopped"},
    "paused": {"resume": "running", "rate_change": "paused", "stop": "stopped"},
    "stopped": {},
}


@dataclass(frozen=True)
class PumpEvent:
    """One pump event; `at` timezone-aware; `rate_ml_per_h` for start, rate_change and
    (optionally) resume."""

    kind: Kind
    at: datetime
    rate_ml_per_h: Decimal | None = None


@dataclass(frozen=True)
class PumpProgress:
    """Where the pump is at `now`: status, volume delivered (mL, rounded down to 0.1), the
    programmed rate, seconds spent running, and whether the VTBI has been reached."""

    status: Status
    volume_ml: Decimal
    rate_ml_per_h: Decimal | None
    running_seconds: int
    vtbi_ml: Decimal | None
    vtbi_reached: bool

    @property
    def remaining_ml(self) -> Decimal | None:
        return None if self.vtbi_ml is None else self.vtbi_ml - self.volume_ml


def check_rate(
    rate_ml_per_h: object, field: str = "rate_ml_per_h", ordered_ml_per_h: Decimal | None = None
) -> Decimal:
    """A rate a nurse may program: a Decimal above 0, in steps of 0.1 mL/h, and at most the
    ordered rate (a faster one needs a new prescriber order) or, without one,
    MAX_RATE_ML_PER_H. Returned with one decimal place."""
    if isinstance(rate_ml_per_h, bool) or not isinstance(rate_ml_per_h, Decimal | int):
        raise ValidationError(field, rate_ml_per_h, "a number of mL/h")
    rate = Decimal(rate_ml_per_h)
    if not rate.is_finite() or rate <= 0:
        raise ValidationError(field, rate, "more than 0 mL/h")
    if ordered_ml_per_h is not None and rate > ordered_ml_per_h:
        raise ValidationError(
            field,
            rate,
            f"at most the ordered {ordered_ml_per_h} mL/h",
            detail="a faster rate needs a new prescriber order",
        )
    ceiling = MAX_RATE_ML_PER_H.value
    if rate > ceiling:
        raise ValidationError(field, rate, f"at most {ceiling} mL/h")
    stepped = rate.quantize(RATE_STEP_ML_PER_H)
    if stepped != rate:
        raise ValidationError(field, rate, f"a rate in steps of {RATE_STEP_ML_PER_H} mL/h")
    return stepped


def _seconds(span: timedelta) -> Decimal:
    # Exact: timedelta keeps whole days, seconds and microseconds.
    whole = Decimal(span.days * 86_400 + span.seconds)
    return whole + Decimal(span.microseconds) / Decimal(1_000_000)


def _aware(field: str, at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(field, at.isoformat(), "a timezone-aware time")


def check_events(events: Sequence[PumpEvent]) -> None:
    """Refuse (ValidationError naming the event) one out of time order, one not allowed in
    the pump's status (e.g. a resume while running), or a missing or non-positive rate."""
    status: Status = "not_started"
    previous: datetime | None = None
    for index, event in enumerate(events):
        field = f"events[{index}]"
        _aware(f"{field}.at", event.at)
        if previous is not None and event.at < previous:
            raise ValidationError(
                f"{field}.at", event.at.isoformat(), f"{previous.isoformat()} or later"
            )
        previous = event.at
        allowed = _NEXT[status]
        if event.kind not in allowed:
            raise ValidationError(
                f"{field}.kind",
                event.kind,
                ", ".join(allowed) or "nothing (the pump was stopped)",
                detail=f"the pump is {status.replace('_', ' ')}",
            )
        if event.kind in ("start", "rate_change") and event.rate_ml_per_h is None:
            raise ValidationError(f"{field}.rate_ml_per_h", None, "a rate in mL/h")
        if event.rate_ml_per_h is not None and (
            not event.rate_ml_per_h.is_finite() or event.rate_ml_per_h <= 0
        ):
            raise ValidationError(f"{field}.rate_ml_per_h", event.rate_ml_per_h, "more than 0")
        status = allowed[event.kind]


def progress(
    events: Sequence[PumpEvent], now: datetime, vtbi_ml: Decimal | None = None
) -> PumpProgress:
    """The pump at `now` from its `events` (oldest first, checked by `check_events`); events
    after `now` are not counted. See the module docstring for the arithmetic."""
    _aware("now", now)
    if vtbi_ml is not None and (not vtbi_ml.is_finite() or vtbi_ml <= 0):
        raise ValidationError("vtbi_ml", vtbi_ml, "more than 0 mL")
    check_events(events)
    status: Status = "not_started"
    rate: Decimal | None = None
    running_since: datetime | None = None
    delivered = Decimal(0)
    running = Decimal(0)
    for event in events:
        if event.at > now:
            break
        if running_since is not None and rate is not None:
            span = _seconds(event.at - running_since)
            delivered += rate * span / 3600
            running += span
        status = _NEXT[status][event.kind]
        rate = event.rate_ml_per_h if event.rate_ml_per_h is not None else rate
        running_since = event.at if status == "running" else None
    if running_since is not None and rate is not None:
        span = _seconds(now - running_since)
        delivered += rate * span / 3600
        running += span
    reached = vtbi_ml is not None and delivered >= vtbi_ml
    if vtbi_ml is not None and reached:
        delivered = vtbi_ml
    return PumpProgress(
        status=status,
        volume_ml=delivered.quantize(VOLUME_STEP_ML, rounding=ROUND_DOWN),
        rate_ml_per_h=rate,
        running_seconds=int(running),
        vtbi_ml=vtbi_ml,
        vtbi_reached=reached,
    )


def volume_infused_ml(
    events: Sequence[PumpEvent], now: datetime, vtbi_ml: Decimal | None = None
) -> Decimal:
    """Millilitres delivered by `now`, rounded down to 0.1 mL, never above `vtbi_ml`."""
    return progress(events, now, vtbi_ml).volume_ml
