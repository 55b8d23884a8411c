"""Properties of generated course schedules (hypothesis).

For every template, start date and set of treatment weekdays: the generator either refuses
naming `weekdays`, or returns a schedule that validates, has the template's number of
sessions, falls only on allowed days, keeps every week's count and every interval within the
block bounds (recomputed here from the template data, not by the code under test), and
stays inside the template's window. Evenly spread weekday sets are never refused. Dropping or
adding a session inside the template's window is always a departure.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.courses import (
    DEFAULT_TEMPLATES,
    CourseTemplate,
    generate_schedule,
    validate_plan,
)
from kclinic.domain.errors import ValidationError

templates = st.sampled_from(sorted(DEFAULT_TEMPLATES.values(), key=lambda t: t.id))
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
weekday_sets = st.sets(st.integers(0, 6), min_size=1, max_size=7)


def _block_index(template: CourseTemplate, start: date, day: date) -> int:
    week = (day - start).days // 7  # 0-based course week
    first = 0
    for index, block in enumerate(template.blocks):
        weeks = block.weeks.value
        if weeks is None or week < first + weeks:
            return index
        first += weeks
    return len(template.blocks) - 1


def _check_schedule(
    template: CourseTemplate, start: date, weekdays: set[int], extra: int, schedule
) -> None:
    assert list(schedule) == sorted(set(schedule)), "strictly increasing, no duplicates"
    assert len(schedule) == template.sessions + extra
    assert all(day >= start for day in schedule)
    assert all(day.weekday() in weekdays for day in schedule)
    finite = schedule[: template.sessions]
    assert all((day - start).days < template.window_days for day in finite)
    for a, b in pairwise(schedule):
        first = template.blocks[_block_index(template, start, a)]
        second = template.blocks[_block_index(template, start, b)]
        low = min(first.min_interval_days.value, second.min_interval_days.value)
        high = max(first.max_interval_days.value, second.max_interval_days.value)
        assert low <= (b - a).days <= high, (a, b)
    # Every course week of a finite block holds exactly its pace's sessions (all finite
    # blocks in the default templates have one pace of one week).
    offset = 0
    for block in template.blocks:
        weeks = block.weeks.value
        if weeks is None:
            break
        for week in range(offset, offset + weeks):
            lo = start + timedelta(days=7 * week)
            held = [day for day in schedule if lo <= day < lo + timedelta(days=7)]
            assert len(held) == block.paces.value[0].sessions, (week + 1, held)
        offset += weeks
    assert [f for f in validate_plan(template, start, schedule) if f.override_required] == []


@given(templates, starts, weekday_sets, st.integers(0, 12), st.data())
def test_generated_schedules_always_validate_or_name_the_weekdays(
    template, start, weekdays, extra, data
):
    if not template.open_ended:
        extra = 0
    pace = None
    if template.open_ended:
        pace = data.draw(st.sampled_from([p.name for p in template.blocks[-1].paces.value]))
    try:
        schedule = generate_schedule(
            template, start, weekdays, open_ended_sessions=extra, pace=pace
        )
    except ValidationError as error:
        refused = error.field
    else:
        refused = None
        _check_schedule(template, start, weekdays, extra, schedule)
    assert refused in {None, "weekdays"}


@given(templates, starts, st.integers(0, 6), st.booleans())
def test_evenly_spread_weekdays_are_never_refused(template, start, shift, every_day):
    weekdays = (
        set(range(7)) if every_day else {(day + shift) % 7 for day in template.example_weekdays}
    )
    extra = 4 if template.open_ended else 0
    schedule = generate_schedule(template, start, weekdays, open_ended_sessions=extra)
    _check_schedule(template, start, weekdays, extra, schedule)


@given(templates, starts, st.integers(0, 6), st.data())
def test_dropping_a_session_before_the_last_is_a_departure(template, start, shift, data):
    weekdays = {(day + shift) % 7 for day in template.example_weekdays}
    schedule = list(generate_schedule(template, start, weekdays))
    index = data.draw(st.integers(0, len(schedule) - 2))
    plan = schedule[:index] + schedule[index + 1 :]
    assert any(f.override_required for f in validate_plan(template, start, plan))


@given(templates, starts, st.integers(0, 6), st.integers(0, 200))
def test_adding_a_session_inside_the_window_is_a_departure(template, start, shift, day):
    weekdays = {(d + shift) % 7 for d in template.example_weekdays}
    schedule = list(generate_schedule(template, start, weekdays))
    extra = start + timedelta(days=day % template.window_days)
    assume(extra not in schedule)
    findings = validate_plan(template, start, [*schedule, extra])
    assert any(f.override_required for f in findings)
