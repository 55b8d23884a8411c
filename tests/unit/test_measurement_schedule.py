"""Which self-report questionnaires are due when: items generated from a course's sessions,
phases and end, and their status from the questionnaires completed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import ValidationError
from kclinic.domain.measurement_schedule import (
    DEFAULT_PROTOCOL,
    CourseTimeline,
    Evidence,
    PhaseSpan,
    SessionPoint,
    Window,
    item_status,
    missing,
    outstanding,
    schedule,
)

MON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 09:00
H, D = timedelta(hours=1), timedelta(days=1)


def session(n: int, at: datetime, status: str = "scheduled") -> SessionPoint:
    completed = at + 2 * H if status == "completed" else None
    return SessionPoint(f"s{n}", n, at, status, completed)  # type: ignore[arg-type]


def induction(*statuses: str) -> CourseTimeline:
    """Sessions Mon, Wed, Fri, Mon... (3 a week), with the given statuses."""
    days = (0, 2, 4, 7, 9, 11)
    return CourseTimeline(
        "c1",
        tuple(session(n + 1, MON + days[n] * D, s) for n, s in enumerate(statuses)),
        (PhaseSpan("induction", MON - D, None),),
    )


def keys(items) -> list[str]:
    return [item.key for item in items]


def test_a_pre_infusion_item_per_session_and_the_first_is_the_baseline():
    course = induction("scheduled", "scheduled", "scheduled")
    items = schedule(course, until=MON + 30 * D)
    assert keys(items) == ["c1:pre-infusion:s1", "c1:pre-infusion:s2", "c1:pre-infusion:s3"]
    first, second = items[0], items[1]
    assert first.context == "baseline"
    assert first.instruments == (
        "phq9",
        "gad7",
        "cssrs-screener",
        "urinary-symptoms",
        "qids-sr16",
        "pcl5",
    )
    assert second.context == "pre-session"
    assert second.instruments == ("phq9", "gad7", "cssrs-screener", "urinary-symptoms")
    # Open 72 h before, due 2 h before the chair, counted until 4 h after.
    assert (first.opens_at, first.due_at, first.closes_at) == (
        MON - 72 * H,
        MON - 2 * H,
        MON + 4 * H,
    )


def test_a_questionnaire_for_one_infusion_never_counts_for_the_next():
    course = induction("completed", "scheduled")
    pre1, pre2 = (i for i in schedule(course, until=MON + 9 * D) if i.rule == "pre-infusion")
    # Session 2 is 48 h after session 1, so 72 h before it would reach back past session 1.
    assert pre2.opens_at == pre1.closes_at == MON + 4 * H
    answered_at_session_1 = [Evidence(i, MON - H) for i in pre1.instruments]
    assert item_status(pre1, answered_at_session_1, MON + H).status == "complete"
    assert item_status(pre2, answered_at_session_1, MON + 2 * D - H).status == "overdue"


def test_post_infusion_items_only_for_completed_sessions():
    course = induction("completed", "cancelled", "scheduled")
    items = schedule(course, until=MON + 30 * D)
    assert keys(items) == ["c1:pre-infusion:s1", "c1:post-infusion:s1", "c1:pre-infusion:s3"]
    post = items[1]
    completed = MON + 2 * H
    assert (post.opens_at, post.due_at, post.closes_at) == (
        completed + 24 * H,
        completed + 48 * H,
        completed + 96 * H,
    )
    assert post.instruments == ("phq9", "side-effects")
    assert post.context == "post-session"


def test_items_open_no_later_than_until():
    course = induction("scheduled", "scheduled", "scheduled")
    # At Monday 08:00 only sessions 1 (today) and 2 (Wednesday, opens Monday 13:00) exist...
    assert keys(schedule(course, until=MON - H)) == ["c1:pre-infusion:s1"]
    assert keys(schedule(course, until=MON + 4 * H)) == [
        "c1:pre-infusion:s1",
        "c1:pre-infusion:s2",
    ]


def test_weekly_in_maintenance_skips_weeks_with_a_session():
    start = MON + 14 * D
    course = CourseTimeline(
        "c1",
        (session(1, start + 7 * D + D, "scheduled"),),  # a session 1 day after week 1
        (PhaseSpan("induction", MON, start), PhaseSpan("maintenance", start, None)),
    )
    weekly = [i for i in schedule(course, until=start + 29 * D) if i.rule == "maintenance-weekly"]
    assert [i.anchor for i in weekly] == ["1.2", "1.3", "1.4"]
    assert [i.opens_at for i in weekly] == [start + 14 * D, start + 21 * D, start + 28 * D]
    assert weekly[0].due_at == start + 16 * D
    assert weekly[0].instruments == ("phq9", "gad7")
    assert weekly[0].context == "follow-up"


def test_weekly_items_stop_when_maintenance_ends():
    start = MON
    course = CourseTimeline(
        "c1",
        (),
        (PhaseSpan("maintenance", start, start + 15 * D), PhaseSpan("ended", start + 15 * D, None)),
        ended_at=start + 15 * D,
    )
    weekly = [i for i in schedule(course, until=start + 60 * D) if i.rule == "maintenance-weekly"]
    assert [i.anchor for i in weekly] == ["1.1", "1.2"]


def test_monthly_for_twelve_months_after_the_course_ends():
    ended = MON + 40 * D
    course = CourseTimeline("c1", (), (), ended_at=ended)
    after = schedule(course, until=ended + 400 * D)
    assert [i.anchor for i in after] == [str(n) for n in range(1, 13)]
    assert after[0].opens_at == ended + 30 * D
    assert after[-1].opens_at == ended + 360 * D
    assert after[0].instruments == (
        "phq9",
        "gad7",
        "qids-sr16",
        "cssrs-screener",
        "urinary-symptoms",
    )
    assert schedule(course, until=ended + 29 * D) == ()


def test_status_moves_from_upcoming_to_missed_and_evidence_completes_it():
    course = induction("completed")
    post = next(i for i in schedule(course, until=MON + 9 * D) if i.rule == "post-infusion")
    assert item_status(post, [], post.opens_at - H).status == "upcoming"
    assert item_status(post, [], post.opens_at).status == "due"
    assert item_status(post, [], post.due_at).status == "overdue"
    assert item_status(post, [], post.closes_at).status == "missed"
    half = [Evidence("phq9", post.opens_at + H)]
    state = item_status(post, half, post.due_at)
    assert (state.status, state.missing) == ("overdue", ("side-effects",))
    both = [*half, Evidence("side-effects", post.due_at + H)]
    assert item_status(post, both, post.due_at + 2 * H).status == "complete"


def test_evidence_outside_the_window_does_not_count():
    course = induction("completed")
    post = next(i for i in schedule(course, until=MON + 9 * D) if i.rule == "post-infusion")
    early = [Evidence("phq9", post.opens_at - timedelta(seconds=1))]
    late = [Evidence("phq9", post.closes_at + timedelta(seconds=1))]
    assert missing(post, early) == ("phq9", "side-effects")
    assert missing(post, late) == ("phq9", "side-effects")


def test_outstanding_lists_only_due_and_overdue():
    course = induction("completed", "scheduled", "scheduled")
    now = MON + 2 * D - H  # Wednesday 08:00: session 2 at 09:00
    found = {(s.item.key, s.status) for s in outstanding(course, [], now)}
    assert found == {
        ("c1:pre-infusion:s2", "overdue"),
        ("c1:post-infusion:s1", "due"),
    }


def test_a_window_must_be_ordered():
    with pytest.raises(ValidationError, match="opens <= due <= closes"):
        Window(H, timedelta(0), 2 * H)


def test_every_rule_is_cited():
    for rule in DEFAULT_PROTOCOL.rules:
        assert rule.instruments.source.citation
        assert rule.window.source.citation
    assert DEFAULT_PROTOCOL.baseline_extra.source.url


@given(
    gaps=st.lists(st.integers(min_value=1, max_value=20 * 24), min_size=1, max_size=12),
    statuses=st.lists(st.sampled_from(["scheduled", "completed", "cancelled"]), max_size=12),
)
def test_items_are_well_formed_and_pre_windows_never_overlap(gaps, statuses):
    at = MON
    sessions = []
    for n, gap in enumerate(gaps, start=1):
        at += gap * H
        status = statuses[n - 1] if n <= len(statuses) else "scheduled"
        sessions.append(session(n, at, status))
    course = CourseTimeline("c", tuple(sessions), (PhaseSpan("induction", MON, None),))
    items = schedule(course, until=at + 400 * D)
    assert len({i.key for i in items}) == len(items)
    for item in items:
        assert item.opens_at <= item.due_at <= item.closes_at
    pre = [i for i in items if i.rule == "pre-infusion"]
    live = [s for s in sessions if s.status != "cancelled"]
    assert [i.anchor for i in pre] == [s.id for s in live]
    for before, after in pairwise(pre):
        assert before.closes_at <= after.opens_at
    completed = [s for s in sessions if s.status == "completed"]
    assert len([i for i in items if i.rule == "post-infusion"]) == len(completed)
