"""Geometry of the symptom-trajectory chart: from (time, score) pairs to SVG coordinates.

Pure arithmetic (no Django, no clock): the selector gathers the scores, thresholds and
infusion times, this module places them, and the template only draws what it is given.
Scores run up the y axis from 0 at the bottom to the instrument's maximum at the top; time
runs left to right over the span of the scores and infusions, padded so that no point sits
on an axis. Coordinates are rounded to 0.1 of an SVG unit (drawing precision only; no
clinical value is rounded here).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Literal

# Day steps tried for date ticks, smallest first; the first giving few enough ticks wins.
DAY_STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)
SCORE_STEPS = (1, 2, 5, 10, 20, 25, 50)
MIN_PAD = timedelta(hours=12)
PAD_FRACTION = 0.04


@dataclass(frozen=True)
class Threshold:
    """A horizontal line at a score, e.g. the response or remission threshold."""

    kind: Literal["response", "remission"]
    score: Decimal
    label: str


@dataclass(frozen=True)
class Series:
    """One instrument's totals over time, with what the chart draws around them."""

    key: str  # used in element ids: letters, digits and hyphens
    title: str
    y_label: str
    max_score: int
    points: tuple[tuple[datetime, int], ...]
    infusions: tuple[datetime, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Frame:
    """The SVG canvas and the margins around the plot area, in SVG units."""

    width: int = 720
    height: int = 300
    left: int = 60
    right: int = 20
    top: int = 20
    bottom: int = 64

    @property
    def plot_left(self) -> int:
        return self.left

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_top(self) -> int:
        return self.top

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


@dataclass(frozen=True)
class Tick:
    at: float  # x for a date tick or an infusion, y for a score tick
    label: str
    anchor: Literal["start", "middle", "end"] = "middle"


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Rule:
    kind: str
    y: float
    label: str
    label_x: float
    label_y: float
    anchor: Literal["start", "end"]


@dataclass(frozen=True)
class Geometry:
    """Everything the template draws, already placed."""

    key: str
    title: str
    desc: str
    y_label: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    marks: tuple[Mark, ...]
    polyline: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    infusions: tuple[Tick, ...]
    rules: tuple[Rule, ...]

    @property
    def middle_x(self) -> float:
        return _r((self.left + self.right) / 2)

    @property
    def middle_y(self) -> float:
        return _r((self.top + self.bottom) / 2)

    @property
    def y_tick_label_x(self) -> float:
        return self.left - 6

    @property
    def x_tick_label_y(self) -> float:
        return self.bottom + 16

    @property
    def x_title_y(self) -> float:
        return self.bottom + 34

    @property
    def legend_y(self) -> float:
        return self.height - 8


def _r(value: float) -> float:
    return round(value, 1)


def time_domain(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The x-axis span: earliest to latest time, each end padded by 4% of the span or by
    12 hours, whichever is more (so one lone point still gets a day-wide axis)."""
    if not times:
        raise ValueError("a chart needs at least one time")
    start, end = min(times), max(times)
    pad = max((end - start) * PAD_FRACTION, MIN_PAD)
    return start - pad, end + pad


def x_at(when: datetime, start: datetime, end: datetime, left: float, right: float) -> float:
    """Linear position of a time between start (at `left`) and end (at `right`). Uses epoch
    seconds, so a daylight-saving change inside the span does not bend the axis."""
    span = end.timestamp() - start.timestamp()
    return _r(left + (when.timestamp() - start.timestamp()) / span * (right - left))


def y_at(score: Decimal | int, max_score: int, top: float, bottom: float) -> float:
    """Position of a score: 0 at `bottom`, `max_score` at `top` (SVG y grows downwards)."""
    return _r(bottom - float(score) / max_score * (bottom - top))


def score_ticks(max_score: int, most: int = 6) -> tuple[int, ...]:
    """Round score ticks from 0: the smallest step from 1, 2, 5, 10, 20, 25, 50 giving at
    most `most` intervals up to max_score."""
    if max_score < 1:
        raise ValueError(f"max_score {max_score} must be at least 1")
    step = next((s for s in SCORE_STEPS if max_score // s <= most), SCORE_STEPS[-1])
    while max_score // step > most:
        step *= 2
    return tuple(range(0, max_score + 1, step))


def date_ticks(start: datetime, end: datetime, most: int = 6) -> tuple[datetime, ...]:
    """Midnights (in start's time zone) from the first one at or after start, every 1, 2,
    7, 14, 28... days: the smallest step giving at most `most` ticks up to end."""
    first = datetime.combine(start.date(), time(0), tzinfo=start.tzinfo)
    if first < start:
        first += timedelta(days=1)
    for step in _day_steps():
        ticks: list[datetime] = []
        when = first
        while when <= end and len(ticks) <= most:
            ticks.append(when)
            when += timedelta(days=step)
        if len(ticks) <= most:
            return tuple(ticks)
    raise AssertionError("unreachable: the steps grow without bound")


def _day_steps() -> Iterator[int]:
    yield from DAY_STEPS
    step = DAY_STEPS[-1]
    while True:
        step *= 2
        yield step


# A date label is about 60 units wide: within half of that of a plot edge it is anchored at
# its end (or start) so it does not run off the canvas.
EDGE = 30


def _date_tick(when: datetime, start: datetime, end: datetime, left: int, right: int) -> Tick:
    x = x_at(when, start, end, left, right)
    anchor: Literal["start", "middle", "end"] = "middle"
    if x > right - EDGE:
        anchor = "end"
    elif x < left + EDGE:
        anchor = "start"
    return Tick(x, f"{when:%Y-%m-%d}", anchor)


def layout(series: Series, frame: Frame | None = None) -> Geometry:
    """Place one series, its thresholds and infusion markers on the frame."""
    frame = frame or Frame()
    left, right = frame.plot_left, frame.plot_right
    top, bottom = frame.plot_top, frame.plot_bottom
    points = sorted(series.points, key=lambda p: p[0].timestamp())
    times = [when for when, _ in points] + list(series.infusions)
    start, end = time_domain(times)

    marks = tuple(
        Mark(
            x=x_at(when, start, end, left, right),
            y=y_at(score, series.max_score, top, bottom),
            label=f"{when:%Y-%m-%d %H:%M}: {score}",
        )
        for when, score in points
    )
    rules = []
    for index, threshold in enumerate(series.thresholds):
        y = y_at(threshold.score, series.max_score, top, bottom)
        # Alternate label sides so two close lines do not print over each other.
        anchor: Literal["start", "end"] = "start" if index % 2 == 0 else "end"
        rules.append(
            Rule(
                kind=threshold.kind,
                y=y,
                label=threshold.label,
                label_x=left + 4 if anchor == "start" else right - 4,
                label_y=_r(y - 4),
                anchor=anchor,
            )
        )
    return Geometry(
        key=series.key,
        title=series.title,
        desc=series.description,
        y_label=series.y_label,
        width=frame.width,
        height=frame.height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        marks=marks,
        polyline=" ".join(f"{m.x},{m.y}" for m in marks),
        x_ticks=tuple(_date_tick(when, start, end, left, right) for when in date_ticks(start, end)),
        y_ticks=tuple(
            Tick(y_at(score, series.max_score, top, bottom), str(score))
            for score in score_ticks(series.max_score)
        ),
        infusions=tuple(
            Tick(x_at(when, start, end, left, right), f"infusion {when:%Y-%m-%d %H:%M}")
            for when in sorted(series.infusions, key=lambda w: w.timestamp())
        ),
        rules=tuple(rules),
    )
