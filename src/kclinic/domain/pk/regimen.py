"""Dosing regimens as piecewise-constant inputs: infusions, boluses, pauses, repeated sessions.

Time is in minutes from the start of the simulation (the body is empty at time 0); amounts are
in mg and rates in mg/min, all Decimal. `Regimen.segments` turns the events into the
piecewise-constant input that a linear compartment model solves exactly: on each segment the
infusion rate is constant (the sum of the infusions running, so overlapping infusions
superpose), and boluses enter at segment starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kclinic.domain.errors import OutOfRangeError, ValidationError

# A planning horizon, not a clinical limit: beyond 60 days a ketamine prediction means nothing.
MAX_TIME_MIN = Decimal(60 * 24 * 60)
MAX_DOSE_MG = Decimal(10_000)


def _check_time(field: str, value: Decimal) -> None:
    if not Decimal(0) <= value <= MAX_TIME_MIN:
        raise OutOfRangeError(field, value, 0, MAX_TIME_MIN, "min")


@dataclass(frozen=True)
class Infusion:
    """A constant-rate infusion: `rate_mg_per_min` from `start_min` for `duration_min`."""

    start_min: Decimal
    duration_min: Decimal
    rate_mg_per_min: Decimal

    def __post_init__(self) -> None:
        _check_time("start_min", self.start_min)
        if not Decimal(0) < self.duration_min <= MAX_TIME_MIN:
            raise OutOfRangeError("duration_min", self.duration_min, "> 0", MAX_TIME_MIN, "min")
        _check_time("end_min", self.end_min)
        if not Decimal(0) <= self.rate_mg_per_min <= MAX_DOSE_MG:
            raise OutOfRangeError("rate_mg_per_min", self.rate_mg_per_min, 0, MAX_DOSE_MG)

    @property
    def end_min(self) -> Decimal:
        return self.start_min + self.duration_min

    @property
    def dose_mg(self) -> Decimal:
        return self.rate_mg_per_min * self.duration_min


@dataclass(frozen=True)
class Bolus:
    """An instantaneous intravenous dose of `dose_mg` at `time_min`."""

    time_min: Decimal
    dose_mg: Decimal

    def __post_init__(self) -> None:
        _check_time("time_min", self.time_min)
        if not Decimal(0) <= self.dose_mg <= MAX_DOSE_MG:
            raise OutOfRangeError("dose_mg", self.dose_mg, 0, MAX_DOSE_MG, "mg")


@dataclass(frozen=True)
class Segment:
    """A stretch of constant input: `rate_mg_per_min` on [start_min, end_min), after a bolus
    of `bolus_mg` at `start_min`. The last segment has end_min = inf (washout)."""

    start_min: float
    end_min: float
    rate_mg_per_min: float
    bolus_mg: float


@dataclass(frozen=True)
class Regimen:
    """Everything given: infusions and boluses (in any order; overlaps add up)."""

    infusions: tuple[Infusion, ...] = ()
    boluses: tuple[Bolus, ...] = ()

    @property
    def total_dose_mg(self) -> Decimal:
        return sum((i.dose_mg for i in self.infusions), Decimal(0)) + sum(
            (b.dose_mg for b in self.boluses), Decimal(0)
        )

    @property
    def last_event_min(self) -> Decimal:
        ends = [i.end_min for i in self.infusions] + [b.time_min for b in self.boluses]
        return max(ends, default=Decimal(0))

    def segments(self) -> tuple[Segment, ...]:
        """The piecewise-constant input, from time 0 to infinity."""
        points = {Decimal(0)}
        for infusion in self.infusions:
            points.update((infusion.start_min, infusion.end_min))
        points.update(b.time_min for b in self.boluses)
        ordered = sorted(points)
        segments = []
        for index, start in enumerate(ordered):
            end = ordered[index + 1] if index + 1 < len(ordered) else None
            rate = sum(
                (
                    i.rate_mg_per_min
                    for i in self.infusions
                    if i.start_min <= start and (end is not None and end <= i.end_min)
                ),
                Decimal(0),
            )
            bolus = sum((b.dose_mg for b in self.boluses if b.time_min == start), Decimal(0))
            segments.append(
                Segment(
                    start_min=float(start),
                    end_min=float("inf") if end is None else float(end),
                    rate_mg_per_min=float(rate),
                    bolus_mg=float(bolus),
                )
            )
        return tuple(segments)

    def shifted(self, by_min: Decimal) -> Regimen:
        """The same regimen started `by_min` later."""
        return Regimen(
            infusions=tuple(
                Infusion(i.start_min + by_min, i.duration_min, i.rate_mg_per_min)
                for i in self.infusions
            ),
            boluses=tuple(Bolus(b.time_min + by_min, b.dose_mg) for b in self.boluses),
        )

    def plus(self, other: Regimen) -> Regimen:
        """Both regimens given together (their inputs add)."""
        return Regimen(self.infusions + other.infusions, self.boluses + other.boluses)

    def paused(self, at_min: Decimal, for_min: Decimal) -> Regimen:
        """Stop every infusion running at `at_min` for `for_min`, then resume it at the same
        rate until its planned dose has gone in (the pump's pause button)."""
        _check_time("pause at_min", at_min)
        if not Decimal(0) < for_min <= MAX_TIME_MIN:
            raise OutOfRangeError("pause for_min", for_min, "> 0", MAX_TIME_MIN, "min")
        infusions: list[Infusion] = []
        for infusion in self.infusions:
            if infusion.start_min < at_min < infusion.end_min:
                done = at_min - infusion.start_min
                infusions.append(Infusion(infusion.start_min, done, infusion.rate_mg_per_min))
                infusions.append(
                    Infusion(
                        at_min + for_min,
                        infusion.duration_min - done,
                        infusion.rate_mg_per_min,
                    )
                )
            elif infusion.start_min >= at_min:
                infusions.append(
                    Infusion(
                        infusion.start_min + for_min,
                        infusion.duration_min,
                        infusion.rate_mg_per_min,
                    )
                )
            else:
                infusions.append(infusion)
        return Regimen(tuple(infusions), self.boluses)


def constant_infusion(
    dose_mg: Decimal, minutes: Decimal, start_min: Decimal = Decimal(0)
) -> Regimen:
    """`dose_mg` infused at a constant rate over `minutes` (e.g. 0.5 mg/kg over 40 min)."""
    if not Decimal(0) < dose_mg <= MAX_DOSE_MG:
        raise OutOfRangeError("dose_mg", dose_mg, "> 0", MAX_DOSE_MG, "mg")
    if not Decimal(0) < minutes <= MAX_TIME_MIN:
        raise OutOfRangeError("minutes", minutes, "> 0", MAX_TIME_MIN, "min")
    return Regimen(infusions=(Infusion(start_min, minutes, dose_mg / minutes),))


def course(session: Regimen, session_starts_min: tuple[Decimal, ...]) -> Regimen:
    """A course: the same session repeated at each start time (e.g. 6 infusions over 2-3
    weeks). Start times must be increasing."""
    if not session_starts_min:
        raise ValidationError("session_starts_min", session_starts_min, "at least one start")
    if list(session_starts_min) != sorted(set(session_starts_min)):
        raise ValidationError(
            "session_starts_min", session_starts_min, "strictly increasing start times"
        )
    result = Regimen()
    for start in session_starts_min:
        result = result.plus(session.shifted(start))
    return result
