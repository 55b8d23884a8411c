"""Treatment courses: schedules generated from cited templates, and plans checked against them.

This is the entry point of the course rules; it re-exports the templates and their sources
(`courses_templates`), plan checks (`courses_validate`) and phases (`courses_phases`). The two
rules the reference asks for (section 1.3, 1.7 and acceptance check 8.2):

- `generate_schedule`: the session dates of a template from a start date on the weekdays the
  clinic treats. The result always passes `validate_plan` (it is checked before it is
  returned), or a ValidationError names `weekdays` and what the template needs.
- `validate_plan`: findings for a proposed plan (dates). A finding with
  `override_required=True` is a departure from the template: the plan is refused unless a
  clinician gives a reason (`require_override`). Notices need no override.

Weeks are course weeks counted from the plan's start date: week 1 is the start date and the
six days after it. All dates are calendar dates in the clinic's time zone; the caller
converts appointment times.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Final

from kclinic.domain.courses_phases import (
    PHASES,
    REASON_MIN_CHARS,
    Phase,
    check_phase_change,
    check_reason,
    next_phases,
)
from kclinic.domain.courses_templates import (
    DEFAULT_TEMPLATES,
    MODALITIES,
    TEMPLATES_VERSION,
    Block,
    CourseTemplate,
    Pace,
    check_modality,
    check_template_for_modality,
    get_template,
    templates_for,
)
from kclinic.domain.courses_validate import (
    Finding,
    block_at,
    course_week,
    departures,
    gap_bounds,
    period_label,
    require_override,
    validate_plan,
)
from kclinic.domain.errors import OutOfRangeError, ValidationError

__all__ = [
    "DEFAULT_TEMPLATES",
    "MAX_OPEN_ENDED_SESSIONS",
    "MODALITIES",
    "PHASES",
    "REASON_MIN_CHARS",
    "TEMPLATES_VERSION",
    "WEEKDAY_NAMES",
    "Block",
    "CourseTemplate",
    "Finding",
    "Pace",
    "Phase",
    "block_at",
    "check_modality",
    "check_phase_change",
    "check_reason",
    "check_template_for_modality",
    "course_week",
    "departures",
    "generate_schedule",
    "get_template",
    "next_phases",
    "parse_weekdays",
    "require_override",
    "templates_for",
    "validate_plan",
]

WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Two years of weekly sessions: a bound on how far ahead one request may plan.
MAX_OPEN_ENDED_SESSIONS: Final = 104


def parse_weekdays(text: str, field: str = "weekdays") -> tuple[int, ...]:
    """Parse "mon,thu" (or "Mon Thu", or "0,3") into weekday numbers, Monday = 0."""
    days: set[int] = set()
    for word in text.replace(",", " ").split():
        token = word.strip().lower()[:3]
        if token in WEEKDAY_NAMES:
            days.add(WEEKDAY_NAMES.index(token))
        elif token.isdigit() and 0 <= int(token) <= 6:
            days.add(int(token))
        else:
            raise ValidationError(field, word, "weekday names mon-sun or numbers 0-6 (Monday = 0)")
    return _weekdays(days, field)


def _weekdays(days: Iterable[int], field: str = "weekdays") -> tuple[int, ...]:
    result = tuple(sorted(set(days)))
    if not result:
        raise ValidationError(field, "", "at least one weekday")
    for day in result:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise ValidationError(field, day, "weekday numbers 0-6 (Monday = 0)")
    return result


def _names(days: Iterable[int]) -> str:
    return ", ".join(WEEKDAY_NAMES[d].capitalize() for d in days)


def generate_schedule(
    template: CourseTemplate,
    start: date,
    weekdays: Iterable[int],
    *,
    open_ended_sessions: int = 0,
    pace: str | None = None,
) -> tuple[date, ...]:
    """Session dates for `template` from `start`, on the allowed `weekdays` (Monday = 0).

    Each block's periods get the number of sessions of its first pace (or of `pace`, which
    names a pace of the open-ended block), spaced as evenly as the weekdays allow and never
    closer than the block's minimum interval. `open_ended_sessions` sessions are added in an
    open-ended block (0 to MAX_OPEN_ENDED_SESSIONS). The result passes `validate_plan`
    without departures, or ValidationError names `weekdays`. Clinical reference 1.3, 1.7.
    """
    days = _weekdays(weekdays)
    last = template.blocks[-1]
    if not 0 <= open_ended_sessions <= MAX_OPEN_ENDED_SESSIONS:
        raise OutOfRangeError(
            "open_ended_sessions", open_ended_sessions, 0, MAX_OPEN_ENDED_SESSIONS
        )
    if not template.open_ended and (open_ended_sessions or pace is not None):
        raise ValidationError(
            "open_ended_sessions" if open_ended_sessions else "pace",
            open_ended_sessions or pace,
            f"none: {template.id} has no open-ended block",
        )
    chosen = last.pace(pace) if template.open_ended else None
    paces = tuple(
        chosen if block.weeks.value is None and chosen else block.pace(None)
        for block in template.blocks
    )
    # Greedy placement from the first allowed day; when that cannot hold the template (Mon/Tue/
    # Sun for twice a week), starting on a later allowed day of the first week may (Tue/Sun).
    first_error: ValidationError | None = None
    for skip in range(7):
        try:
            schedule = _place(template, paces, start, days, open_ended_sessions, skip)
        except _NoDay as stop:
            first_error = first_error or stop.error
            if stop.exhausted:
                break
            continue
        wrong = [f for f in validate_plan(template, start, schedule) if f.override_required]
        if not wrong:
            return tuple(schedule)
        first_error = first_error or ValidationError(
            "weekdays", _names(days), f"weekdays that fit {wrong[0].rule}", wrong[0].message
        )
    assert first_error is not None
    raise first_error


class _NoDay(Exception):
    """No allowed day for a session; `exhausted` when the first session itself had none."""

    def __init__(self, error: ValidationError, exhausted: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.exhausted = exhausted


def _place(
    template: CourseTemplate,
    paces: tuple[Pace, ...],
    start: date,
    days: tuple[int, ...],
    open_ended_sessions: int,
    skip: int,
) -> list[date]:
    schedule: list[date] = []
    offsets = template.block_starts()
    for block, pace, offset in zip(template.blocks, paces, offsets, strict=True):
        schedule += _fill_block(
            template,
            block,
            pace,
            start,
            start + timedelta(days=offset),
            schedule,
            days,
            open_ended_sessions,
            skip,
        )
    return schedule


def _fill_block(
    template: CourseTemplate,
    block: Block,
    pace: Pace,
    start: date,
    block_start: date,
    before: list[date],
    days: tuple[int, ...],
    open_ended_sessions: int,
    skip: int,
) -> list[date]:
    weeks = block.weeks.value
    period_days = 7 * pace.weeks
    if weeks is None:
        to_place = open_ended_sessions
        periods = -(-open_ended_sessions // pace.sessions)
    else:
        periods = weeks // pace.weeks
        to_place = periods * pace.sessions
    placed: list[date] = []
    previous = before[-1] if before else None
    high = block.max_interval_days.value
    for period in range(periods):
        period_start = block_start + timedelta(days=period * period_days)
        for _ in range(min(pace.sessions, to_place - len(placed))):
            low = (
                block.min_interval_days.value
                if placed or previous is None
                else gap_bounds(template, start, previous, block_start)[0]
            )
            candidates = [
                day
                for day in (period_start + timedelta(days=i) for i in range(period_days))
                if day.weekday() in days and (previous is None or (day - previous).days >= low)
            ]
            if previous is None:
                candidates = candidates[skip:]
            if not candidates:
                raise _NoDay(
                    ValidationError(
                        "weekdays",
                        _names(days),
                        f"weekdays that fit {block.rule()}",
                        f"no allowed day for session {len(before) + len(placed) + 1} in "
                        f"{period_label(course_week(start, period_start), pace.weeks)}",
                    ),
                    exhausted=previous is None,
                )
            pick = candidates[0]
            if placed and previous is not None:
                # Within a block, prefer the even spacing (Mon/Thu rather than Mon/Tue) but
                # never past the longest interval; the first session of a block takes the
                # first allowed day so the block starts on time.
                gaps = [(c, (c - previous).days) for c in candidates]
                even = [c for c, gap in gaps if pace.ideal_gap_days <= gap <= high]
                within = [c for c, gap in gaps if gap <= high]
                pick = (even or within or candidates)[0]
            placed.append(pick)
            previous = pick
    return placed
