"""Plan checks against course templates: the reference's vectors (clinical reference 1.3, 1.5, 1.7,
8.2) and hand-counted calendars. Expected dates are written out here, never computed by the
code under test."""

from __future__ import annotations

from datetime import date

import pytest

from kclinic.domain.courses import (
    Finding,
    departures,
    get_template,
    require_override,
    validate_plan,
)
from kclinic.domain.errors import (
    ValidationError,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(t) for t in texts]


# Reference 1.7: induction starting Mon 2025-03-03, sessions Mon/Thu.
SPRAVATO_WEEKS_1_TO_8 = days(
    "2025-03-03",
    "2025-03-06",
    "2025-03-10",
    "2025-03-13",
    "2025-03-17",
    "2025-03-20",
    "2025-03-24",
    "2025-03-27",
    "2025-03-31",
    "2025-04-07",
    "2025-04-14",
    "2025-04-21",
)
START = d("2025-03-03")


def codes(findings: tuple[Finding, ...]) -> list[tuple[str, int | None]]:
    return [(f.code, f.week) for f in findings]


# --- validation -----------------------------------------------------------------------------


def test_the_reference_plan_validates():
    trd = get_template("esketamine-trd")
    assert validate_plan(trd, START, SPRAVATO_WEEKS_1_TO_8) == ()
    weekly = [*SPRAVATO_WEEKS_1_TO_8, *days("2025-04-28", "2025-05-05")]
    fortnightly = [*SPRAVATO_WEEKS_1_TO_8, *days("2025-04-28", "2025-05-12", "2025-05-26")]
    assert validate_plan(trd, START, weekly) == ()
    assert validate_plan(trd, START, fortnightly) == ()


def test_a_week_2_plan_with_one_session_is_an_under_dosed_induction():
    plan = [day for day in SPRAVATO_WEEKS_1_TO_8 if day != d("2025-03-13")]
    findings = validate_plan(get_template("esketamine-trd"), START, plan)
    assert ("too-few-sessions", 2) in codes(findings)
    short = next(f for f in findings if f.code == "too-few-sessions")
    assert short.message == "week 2 has 1 session; the induction block asks for 2"
    assert short.dates == (d("2025-03-10"),)
    assert short.source.id == "spravato-trd-schedule"
    assert short.override_required
    # Monday 03-10 to Monday 03-17 is 7 days; twice weekly allows 2 to 5.
    assert ("interval-too-long", 3) in codes(findings)


def test_a_week_6_plan_with_two_sessions_is_refused():
    plan = [*SPRAVATO_WEEKS_1_TO_8, d("2025-04-10")]  # Thursday of week 6
    findings = validate_plan(get_template("esketamine-trd"), START, plan)
    assert ("too-many-sessions", 6) in codes(findings)
    many = next(f for f in findings if f.code == "too-many-sessions")
    assert many.dates == tuple(days("2025-04-07", "2025-04-10"))
    # 04-07 to 04-10 is 3 days and 04-10 to 04-14 is 4: weekly allows 5 to 9.
    assert ("interval-too-short", 6) in codes(findings)
    assert ("interval-too-short", 7) in codes(findings)


def test_a_departure_is_refused_unless_overridden_with_a_reason():
    plan = [*SPRAVATO_WEEKS_1_TO_8, d("2025-04-10")]
    findings = validate_plan(get_template("esketamine-trd"), START, plan)
    with pytest.raises(ValidationError, match=r"^override_reason: '' .*week 6 has 2 sessions"):
        require_override(findings, None)
    with pytest.raises(ValidationError, match="at least 10 characters"):
        require_override(findings, " ok ")
    assert require_override(findings, "  relapse signs; extra session agreed  ") == (
        "relapse signs; extra session agreed"
    )
    assert require_override((), None) == ""


def test_moving_a_session_by_a_day_within_the_bounds_is_no_departure():
    # Thursday 03-13 to Friday 03-14: 03-10 -> 03-14 is 4 days, 03-14 -> 03-17 is 3 days.
    plan = [d("2025-03-14") if day == d("2025-03-13") else day for day in SPRAVATO_WEEKS_1_TO_8]
    assert validate_plan(get_template("esketamine-trd"), START, plan) == ()


def test_the_first_weekly_session_may_follow_the_last_twice_weekly_one_after_four_days():
    # Thursday 03-27 (week 4) to Monday 03-31 (week 5) is 4 days: below weekly's 5, within
    # twice weekly's 2-5; the interval crosses the block boundary.
    findings = validate_plan(get_template("esketamine-trd"), START, SPRAVATO_WEEKS_1_TO_8)
    assert findings == ()


def test_sessions_before_the_start_or_after_the_template_are_departures():
    template = get_template("iv-maintenance-weekly-4")
    start = d("2025-03-17")
    plan = days("2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31", "2025-04-07", "2025-04-14")
    assert codes(validate_plan(template, start, plan)) == [
        ("before-start", None),
        ("beyond-template", 5),
    ]


def test_two_sessions_on_one_day_are_an_interval_of_zero():
    plan = [*SPRAVATO_WEEKS_1_TO_8[:2], d("2025-03-06")]
    findings = validate_plan(get_template("esketamine-trd"), START, plan)
    assert ("interval-too-short", 1) in codes(findings)
    assert ("too-many-sessions", 1) in codes(findings)


def test_a_plan_cut_short_gets_a_notice_not_a_departure():
    findings = validate_plan(get_template("esketamine-trd"), START, SPRAVATO_WEEKS_1_TO_8[:5])
    assert codes(findings) == [("plan-ends-early", 3)]
    assert not findings[0].override_required
    assert findings[0].message == "the plan has 5 of the template's 12 sessions (weeks 1-8)"


def test_ketect_may_stop_at_remission_without_a_notice():
    # 8 sessions Mon/Wed/Fri: weeks 1-2 full, week 3 stops after Wednesday.
    plan = days(
        "2025-03-03",
        "2025-03-05",
        "2025-03-07",
        "2025-03-10",
        "2025-03-12",
        "2025-03-14",
        "2025-03-17",
        "2025-03-19",
    )
    assert validate_plan(get_template("iv-3-a-week-up-to-12"), START, plan) == ()


def test_an_empty_plan_has_no_findings():
    assert validate_plan(get_template("esketamine-trd"), START, []) == ()


def test_departures_are_only_the_new_ones():
    trd = get_template("esketamine-trd")
    short = [day for day in SPRAVATO_WEEKS_1_TO_8 if day != d("2025-03-13")]
    before = validate_plan(trd, START, short)
    # Moving the week-7 session a day later changes nothing the clinician has not accepted.
    moved = [d("2025-04-15") if day == d("2025-04-14") else day for day in short]
    assert departures(before, validate_plan(trd, START, moved)) == ()
    # Adding a second week-6 session is new.
    extra = [*short, d("2025-04-10")]
    assert {f.code for f in departures(before, validate_plan(trd, START, extra))} == {
        "too-many-sessions",
        "interval-too-short",
    }


def test_findings_serialise_for_the_audit_trail():
    plan = [*SPRAVATO_WEEKS_1_TO_8, d("2025-04-10")]
    finding = validate_plan(get_template("esketamine-trd"), START, plan)[0]
    assert finding.as_dict() == {
        "code": "too-many-sessions",
        "message": "week 6 has 2 sessions; the maintenance block asks for 1",
        "week": 6,
        "dates": ["2025-04-07", "2025-04-10"],
        "rule": "maintenance: once a week, 5-9 days apart",
        "source": "spravato-trd-schedule",
        "override_required": True,
    }
