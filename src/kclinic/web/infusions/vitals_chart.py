"""Geometry of the chair-side vitals chart: BP, heart rate and SpO2 against time, drawn by
the server as SVG (no script, so it works under the strict CSP and on a polled partial).

Pure arithmetic: the view gathers the sets, this module places them, the template draws
what it is given. Two panels share the time axis: BP (systolic and diastolic) and heart rate
on 40-220 (mmHg and beats/min), SpO2 on 80-100 %. A value outside its panel is drawn on the
panel's edge (the table beside the chart shows the true number). Coordinates are rounded to
0.1 SVG unit (drawing precision only; no clinical value is rounded here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, GAP, BOTTOM = 44, 12, 10, 18, 28
# (low, high, tick step) of each panel, and the share of the plot height it gets.
MAIN = (40, 220, 40)
SPO2 = (80, 100, 5)
MAIN_SHARE = 0.7
MINUTE_STEPS = (5, 10, 15, 20, 30, 60, 120)
MAX_TICKS = 9


@dataclass(frozen=True)
class Reading:
    """One set as the chart needs it (None where not measured)."""

    at: datetime
    sbp: int | None
    dbp: int | None
    hr: int | None
    spo2: int | None


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Line:
    key: str  # sbp | dbp | hr | spo2: the CSS class and legend entry
    label: str
    marks: tuple[Mark, ...]

    @property
    def points(self) -> str:
        return " ".join(f"{m.x},{m.y}" for m in self.marks)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Panel:
    top: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class VitalsChart:
    width: int
    height: int
    left: int
    right: int
    panels: tuple[Panel, ...]
    x_ticks: tuple[Tick, ...]
    start_x: float | None  # where dosing started, if it falls on the chart
    empty: bool


def _round(value: float) -> float:
    return round(value, 1)


def _minutes(start: datetime, at: datetime) -> float:
    return (at - start).total_seconds() / 60


def _step(span_min: float) -> int:
    for step in MINUTE_STEPS:
        if span_min / step <= MAX_TICKS:
            return step
    return MINUTE_STEPS[-1]


def build_chart(
    readings: Sequence[Reading],
    start: datetime,
    end: datetime,
    dosing_started_at: datetime | None = None,
) -> VitalsChart:
    """Place `readings` (oldest first) on a chart spanning `start` to `end` (at least 30
    min wide). Time ticks are minutes from `start`."""
    span = max(_minutes(start, end), 30.0)
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM - GAP
    main_bottom = TOP + plot_h * MAIN_SHARE
    spo2_top = main_bottom + GAP
    spo2_bottom = HEIGHT - BOTTOM

    def x(at: datetime) -> float:
        return _round(plot_left + (plot_right - plot_left) * _minutes(start, at) / span)

    def y(value: int, low: int, high: int, top: float, bottom: float) -> float:
        clamped = min(max(value, low), high)
        return _round(bottom - (bottom - top) * (clamped - low) / (high - low))

    def line(
        key: str, label: str, pick: int, scale: tuple[int, int, int], top: float, bottom: float
    ) -> Line:
        marks = []
        for reading in readings:
            value = (reading.sbp, reading.dbp, reading.hr, reading.spo2)[pick]
            if value is not None:
                marks.append(Mark(x(reading.at), y(value, scale[0], scale[1], top, bottom), value))
        return Line(key, label, tuple(marks))

    def y_ticks(scale: tuple[int, int, int], top: float, bottom: float) -> tuple[Tick, ...]:
        low, high, step = scale
        return tuple(
            Tick(y(value, low, high, top, bottom), str(value))
            for value in range(low, high + 1, step)
        )

    main = Panel(
        TOP,
        _round(main_bottom),
        y_ticks(MAIN, TOP, main_bottom),
        (
            line("sbp", "Systolic (mmHg)", 0, MAIN, TOP, main_bottom),
            line("dbp", "Diastolic (mmHg)", 1, MAIN, TOP, main_bottom),
            line("hr", "Heart rate (/min)", 2, MAIN, TOP, main_bottom),
        ),
    )
    oxygen = Panel(
        _round(spo2_top),
        _round(spo2_bottom),
        y_ticks(SPO2, spo2_top, spo2_bottom),
        (line("spo2", "SpO2 (%)", 3, SPO2, spo2_top, spo2_bottom),),
    )
    step = _step(span)
    x_ticks = tuple(
        Tick(x(start + timedelta(minutes=minute)), f"{minute}")
        for minute in range(0, int(span) + 1, step)
    )
    start_x = None
    if dosing_started_at is not None and start <= dosing_started_at <= start + timedelta(
        minutes=span
    ):
        start_x = x(dosing_started_at)
    return VitalsChart(
        WIDTH, HEIGHT, plot_left, plot_right, (main, oxygen), x_ticks, start_x, not readings
    )
