"""Checking a proposed course plan against its template (clinical reference 1.3, 1.5, 1.7, 8.2).

`validate_plan` returns findings. A finding with `override_required=True` is a departure from
the template: the plan is refused unless a clinician gives a reason (`require_override`).
`departures` tells the findings a change introduces from those already accepted. Notices
(`override_required=False`) need no override.

Weeks are course weeks counted from the plan's start date: week 1 is the start date and the
six days after it. Dates are calendar dates in the clinic's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from kclinic.domain.courses_phases import REASON_MIN_CHARS
from kclinic.domain.courses_templates import Block, CourseTemplate
from kclinic.domain.errors import ValidationError
from kclinic.domain.sources import Source

Code = Literal[
    "before-start",
    "beyond-template",
    "too-few-sessions",
    "too-many-sessions",
    "interval-too-short",
    "interval-too-long",
    "plan-ends-early",
]


@dataclass(frozen=True)
class Finding:
    """One way a plan departs from its template (or, if not `override_required`, a notice).

    `week` is the course week the finding is about; `dates` are the sessions involved;
    `rule` is the template's rule in words and `source` where it comes from.
    """

    code: Code
    message: str
    week: int | None
    dates: tuple[date, ...]
    rule: str
    source: Source
    override_required: bool = True

    @property
    def key(self) -> tuple[str, int | None, tuple[date, ...]]:
        """Identity used to tell a new departure from one already accepted. Count findings
        are about a period, not its dates, so adding a session to a short week is not new."""
        if self.code in {"too-few-sessions", "too-many-sessions", "plan-ends-early"}:
            return (self.code, self.week, ())
        return (self.code, self.week, self.dates)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "week": self.week,
            "dates": [d.isoformat() for d in self.dates],
            "rule": self.rule,
            "source": self.source.id,
            "override_required": self.override_required,
        }


def course_week(start: date, day: date) -> int:
    """Course week of `day` for a plan starting on `start` (week 1 = start + 0..6 days)."""
    return (day - start).days // 7 + 1


def block_at(template: CourseTemplate, start: date, day: date) -> int:
    """Index of the block `day` falls in; days before the start count as the first block and
    days after a finite template's end as its last."""
    offset = (day - start).days
    index = 0
    for i, block_start in enumerate(template.block_starts()):
        if offset >= block_start:
            index = i
    return index


def gap_bounds(template: CourseTemplate, start: date, a: date, b: date) -> tuple[int, int]:
    """Shortest and longest interval in days allowed from session `a` to session `b`."""
    # An interval that crosses into the next block may meet either block's bounds: the first
    # weekly maintenance session may follow the last twice-weekly one after 4 days.
    first = template.blocks[block_at(template, start, a)]
    second = template.blocks[block_at(template, start, b)]
    return (
        min(first.min_interval_days.value, second.min_interval_days.value),
        max(first.max_interval_days.value, second.max_interval_days.value),
    )


def validate_plan(
    template: CourseTemplate, start: date, sessions: Sequence[date]
) -> tuple[Finding, ...]:
    """Findings for planned session dates against `template`, for a plan starting `start`.

    Checks, each as cited in the template: no session before the start or after a finite
    template's end; in every period of a block up to the one holding the last session, the
    number of sessions the block's pace asks for (no more in any period; the period holding
    the last session may hold fewer, since a plan may be cut short); and every interval
    between consecutive sessions within the block's bounds in days. A plan shorter than the
    template gets the notice `plan-ends-early` unless its last block may stop at remission.
    Clinical reference 1.3, 1.5, 1.7, 8.2.
    """
    dates = sorted(sessions)
    if not dates:
        return ()
    findings: list[Finding] = []
    first_block = template.blocks[0]
    for day in dates:
        if day < start:
            findings.append(
                Finding(
                    "before-start",
                    f"session on {day} is before the plan's start ({start})",
                    None,
                    (day,),
                    f"sessions from {start}",
                    first_block.weeks.source,
                )
            )
    inside = [d for d in dates if d >= start]
    findings += _beyond_end(template, start, inside)
    findings += _period_counts(template, start, inside)
    findings += _intervals(template, start, dates)
    return tuple(findings)


def _beyond_end(template: CourseTemplate, start: date, dates: list[date]) -> list[Finding]:
    if template.open_ended:
        return []
    end = start + timedelta(days=template.window_days)
    last = template.blocks[-1]
    return [
        Finding(
            "beyond-template",
            f"session on {day} (week {course_week(start, day)}) is after the template ends "
            f"(week {template.finite_weeks}, {end - timedelta(days=1)})",
            course_week(start, day),
            (day,),
            f"{template.sessions} sessions in {template.finite_weeks} weeks",
            last.weeks.source,
        )
        for day in dates
        if day >= end
    ]


def _period_counts(template: CourseTemplate, start: date, dates: list[date]) -> list[Finding]:
    if not dates:
        return []
    findings: list[Finding] = []
    last = dates[-1]
    planned = 0
    for block, offset in zip(template.blocks, template.block_starts(), strict=True):
        period_days = 7 * block.period_weeks
        low, high = block.sessions_per_period
        weeks = block.weeks.value
        block_end = None if weeks is None else start + timedelta(days=offset + 7 * weeks)
        period_start = start + timedelta(days=offset)
        while period_start <= last and (block_end is None or period_start < block_end):
            period_end = period_start + timedelta(days=period_days)
            held = tuple(d for d in dates if period_start <= d < period_end)
            planned += len(held)
            week = course_week(start, period_start)
            span = period_label(week, block.period_weeks)
            if len(held) > high:
                findings.append(
                    _count(block, "too-many-sessions", span, week, held, _most(low, high))
                )
            elif len(held) < low and last >= period_end:
                findings.append(
                    _count(block, "too-few-sessions", span, week, held, _least(low, high))
                )
            period_start = period_end
    finite = template.sessions
    stop = template.blocks[block_at(template, start, last)]
    short = finite and planned < finite
    if short and last < start + timedelta(days=template.window_days) and not stop.stops_early:
        findings.append(
            Finding(
                "plan-ends-early",
                f"the plan has {planned} of the template's {finite} sessions "
                f"(weeks 1-{template.finite_weeks})",
                course_week(start, last),
                (last,),
                f"{finite} sessions in {template.finite_weeks} weeks",
                stop.weeks.source,
                override_required=False,
            )
        )
    return findings


def _least(low: int, high: int) -> str:
    return str(low) if low == high else f"at least {low}"


def _most(low: int, high: int) -> str:
    return str(high) if low == high else f"at most {high}"


def period_label(week: int, period_weeks: int) -> str:
    """ "week 3", or "weeks 9-10" for a period of two weeks."""
    return f"week {week}" if period_weeks == 1 else f"weeks {week}-{week + period_weeks - 1}"


def _count(
    block: Block, code: Code, span: str, week: int, held: tuple[date, ...], wanted: str
) -> Finding:
    return Finding(
        code,
        f"{span} has {len(held)} session{'s' if len(held) != 1 else ''}; the {block.name} "
        f"block asks for {wanted}",
        week,
        held,
        block.rule(),
        block.paces.source,
    )


def _intervals(template: CourseTemplate, start: date, dates: list[date]) -> list[Finding]:
    findings: list[Finding] = []
    for a, b in pairwise(dates):
        low, high = gap_bounds(template, start, a, b)
        gap = (b - a).days
        block = template.blocks[block_at(template, start, b)]
        if gap < low or gap > high:
            code: Code = "interval-too-short" if gap < low else "interval-too-long"
            findings.append(
                Finding(
                    code,
                    f"{gap} days from {a} to {b}; the {block.name} allows {low} to {high} days",
                    course_week(start, b),
                    (a, b),
                    block.rule(),
                    block.min_interval_days.source,
                )
            )
    return findings


def departures(before: Iterable[Finding], after: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in `after` that need an override and were not already in `before`, so a
    departure a clinician accepted once is not asked about again at every later change."""
    seen = {f.key for f in before if f.override_required}
    return tuple(f for f in after if f.override_required and f.key not in seen)


def require_override(findings: Iterable[Finding], reason: str | None) -> str:
    """Return the stripped override reason, or raise ValidationError on `override_reason`
    naming the first departure when there are departures and no reason of at least
    REASON_MIN_CHARS characters."""
    needing = [f for f in findings if f.override_required]
    text = (reason or "").strip()
    if needing and len(text) < REASON_MIN_CHARS:
        raise ValidationError(
            "override_reason",
            text,
            f"a reason of at least {REASON_MIN_CHARS} characters for departing from the template",
            "; ".join(f.message for f in needing),
        )
    return text
