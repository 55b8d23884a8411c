"""Geometry of the course timeline drawn as server-side SVG (no script, no external chart
library): one mark per session on a date axis, the template's blocks as bands, and today.
The table on the same page carries the same facts for screen readers and printing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from kclinic.domain import courses as rules
from kclinic.web.courses.selectors import CourseSummary

WIDTH = 1000
HEIGHT = 120
LEFT, RIGHT = 30, 30
AXIS_Y = 70
MAX_TICKS = 10


@dataclass(frozen=True)
class Mark:
    x: float
    status: str
    title: str

    @property
    def cross(self) -> str:
        """SVG path of the cross drawn for a cancelled session."""
        return f"M{self.x - 5} {AXIS_Y - 5} l10 10 m0 -10 l-10 10"


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    name: str
    css: str

    @property
    def label_x(self) -> float:
        return self.x + 4


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    tick_y2: int = AXIS_Y + 6
    label_y: int = AXIS_Y + 22


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    axis_y: int
    axis_x1: int
    axis_x2: int
    marks: tuple[Mark, ...]
    bands: tuple[Band, ...]
    ticks: tuple[Tick, ...]
    today_x: float | None
    description: str


def build_timeline(summary: CourseSummary, today: date, *, clinical: bool) -> Timeline | None:
    """The timeline of a course's sessions, or None when it has none. Blocks (induction,
    maintenance) are drawn only for staff who may see clinical detail."""
    if not summary.rows:
        return None
    first, last = summary.rows[0].day, summary.rows[-1].day
    if summary.course.active:
        # An active course's axis reaches today, so a plan that ran out shows as a gap.
        first, last = min(first, today), max(last, today)
    span = max((last - first).days, 7)
    first -= timedelta(days=1)
    span += 2

    def x(day: date) -> float:
        return round(LEFT + (day - first).days * (WIDTH - LEFT - RIGHT) / span, 1)

    marks = tuple(
        Mark(
            x(row.day),
            row.session.status,
            f"#{row.session.sequence} "
            f"{timezone.localtime(row.session.scheduled_at):%Y-%m-%d %H:%M} "
            f"{row.session.get_status_display().lower()}",
        )
        for row in summary.rows
    )
    bands = _bands(summary, x, first, first + timedelta(days=span)) if clinical else ()
    step = max(1, -(-span // 7 // MAX_TICKS)) * 7
    ticks = tuple(
        Tick(x(first + timedelta(days=d)), f"{first + timedelta(days=d):%d %b}")
        for d in range(1, span, step)
    )
    description = (
        f"{len(summary.rows)} sessions from {summary.rows[0].day} to {summary.rows[-1].day}: "
        f"{summary.completed} completed, {summary.scheduled} scheduled, "
        f"{summary.cancelled} cancelled."
    )
    today_x = x(today) if first <= today <= first + timedelta(days=span) else None
    return Timeline(
        WIDTH, HEIGHT, AXIS_Y, LEFT, WIDTH - RIGHT, marks, bands, ticks, today_x, description
    )


def _bands(
    summary: CourseSummary, x: Callable[[date], float], low: date, high: date
) -> tuple[Band, ...]:
    plan = summary.plan
    if plan is None:
        return ()
    template = rules.DEFAULT_TEMPLATES.get(plan.template_id)
    if template is None:
        return ()
    bands = []
    for block, offset in zip(template.blocks, template.block_starts(), strict=True):
        start = plan.start_on + timedelta(days=offset)
        weeks = block.weeks.value
        end = high if weeks is None else start + timedelta(days=7 * weeks)
        start, end = max(start, low), min(end, high)
        if start < end:
            bands.append(Band(x(start), round(x(end) - x(start), 1), block.name, block.phase))
    return tuple(bands)
