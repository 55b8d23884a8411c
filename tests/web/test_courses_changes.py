"""Course services that change a plan: departures need a prescriber's reason, cancellations and
completions, optimistic concurrency, phases and templates, each with its audit row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.courses import services
from kclinic.web.courses.models import PlannedSession, SessionStatus, TreatmentCourse
from kclinic.web.courses.selectors import infusion_dates, planned_dates
from tests.web.courses_factories import (
    a_chair,
    a_course,
    a_plan,
    spravato_course,
)

# Clinical reference 1.7: Mon 2025-03-03 on Mon/Thu, weeks 1-8.
VECTOR = [
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
]


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute))
    )


def session(course: TreatmentCourse, day: str) -> PlannedSession:
    return next(
        s for s in course.sessions.all() if timezone.localdate(s.scheduled_at).isoformat() == day
    )


def events(action: str, object_type: str):
    return AuditEvent.objects.filter(action=action, object_type=object_type)


# --- changing the plan: departures need a prescriber's reason --------------------------------


def test_a_week_6_plan_with_two_sessions_is_refused_unless_a_prescriber_gives_a_reason(clinic):
    course = spravato_course(clinic)
    extra = at("2025-04-10")  # Thursday of week 6: weekly maintenance allows one
    with pytest.raises(ValidationError, match=r"^scheduled_at: .*only a prescriber.*week 6 has 2"):
        services.add_session(Actor(clinic.nurse), course, scheduled_at=extra, expected_version=2)
    with pytest.raises(ValidationError, match=r"^override_reason: '' .*week 6 has 2 sessions"):
        services.add_session(
            Actor(clinic.prescriber), course, scheduled_at=extra, expected_version=2
        )
    assert course.sessions.count() == 12
    added = services.add_session(
        Actor(clinic.prescriber),
        course,
        scheduled_at=extra,
        expected_version=2,
        override_reason="Early relapse signs; extra session agreed with patient",
    )
    assert added.sequence == 13
    assert added.override_reason.startswith("Early relapse")
    assert {f["code"] for f in added.override_findings} == {
        "too-many-sessions",
        "interval-too-short",
    }
    event = events("create", "session").get()
    assert event.detail["override_reason"].startswith("Early relapse")
    assert "too-many-sessions" in event.detail["departures"]


def test_a_week_2_plan_with_one_session_is_an_under_dosed_induction(clinic):
    course = spravato_course(clinic)
    thursday = session(course, "2025-03-13")
    # Moving week 2's Thursday into week 3 leaves week 2 with one session.
    with pytest.raises(ValidationError, match=r"week 2 has 1 session"):
        services.reschedule_session(
            Actor(clinic.nurse), thursday, scheduled_at=at("2025-03-18"), expected_version=2
        )
    thursday.refresh_from_db()
    assert timezone.localdate(thursday.scheduled_at) == dt.date(2025, 3, 13)


def test_rescheduling_within_the_template_needs_no_override(clinic):
    course = spravato_course(clinic)
    thursday = session(course, "2025-03-13")
    moved = services.reschedule_session(
        Actor(clinic.front_desk),
        thursday,
        scheduled_at=at("2025-03-14", 14, 30),
        chair=a_chair(clinic.site_a, "Chair 2"),
        expected_version=2,
    )
    assert timezone.localtime(moved.scheduled_at) == timezone.localtime(at("2025-03-14", 14, 30))
    assert moved.override_reason == ""
    event = events("update", "session").get()
    assert event.detail["scheduled_at"][1].startswith("2025-03-14T14:30")
    assert event.detail["chair"] == ["Chair 1", "Chair 2"]


def test_an_accepted_departure_is_not_asked_about_again(clinic):
    course = spravato_course(clinic)
    services.cancel_session(
        Actor(clinic.front_desk),
        session(course, "2025-03-13"),
        reason="Patient has a fever",
        expected_version=2,
    )
    # Week 2 is now short; moving a week-7 session a day is still fine for a nurse.
    services.reschedule_session(
        Actor(clinic.nurse),
        session(course, "2025-04-14"),
        scheduled_at=at("2025-04-15"),
        expected_version=3,
    )


# --- cancelling and completing ---------------------------------------------------------------


def test_a_cancelled_session_stays_with_its_reason_and_the_gap_is_recorded(clinic):
    course = spravato_course(clinic)
    cancelled = services.cancel_session(
        Actor(clinic.front_desk),
        session(course, "2025-03-13"),
        reason="Patient called: no driver",
        expected_version=2,
    )
    assert cancelled.status == SessionStatus.CANCELLED
    assert course.sessions.count() == 12  # never deleted
    event = events("cancel", "session").get()
    assert event.detail["reason"] == "Patient called: no driver"
    assert {f["code"] for f in event.detail["departures_left"]} >= {"too-few-sessions"}
    with pytest.raises(ValidationError, match=r"^status: 'cancelled'"):
        services.cancel_session(
            Actor(clinic.nurse), cancelled, reason="Patient called again", expected_version=3
        )


def test_a_cancellation_needs_a_reason(clinic):
    course = spravato_course(clinic)
    with pytest.raises(ValidationError, match=r"^reason: 'ill' .*at least 10 characters"):
        services.cancel_session(
            Actor(clinic.nurse), session(course, "2025-03-13"), reason="ill", expected_version=2
        )
    assert not course.sessions.filter(status=SessionStatus.CANCELLED).exists()


def test_completing_a_session_feeds_the_chart_markers(clinic):
    course = spravato_course(clinic)
    first, second = session(course, "2025-03-03"), session(course, "2025-03-06")
    services.complete_session(Actor(clinic.nurse), first)
    services.complete_session(Actor(clinic.prescriber), second)
    assert infusion_dates(clinic.patient) == [at("2025-03-03"), at("2025-03-06")]
    assert planned_dates(clinic.patient) == [at(day) for day in VECTOR[2:]]
    assert events("complete", "session").count() == 2
    course.refresh_from_db()
    assert course.version == 4  # completion moves the version on too
    with pytest.raises(ValidationError, match=r"^status: 'completed'"):
        services.reschedule_session(
            Actor(clinic.nurse), first, scheduled_at=at("2025-03-04"), expected_version=4
        )


def test_front_desk_cannot_mark_a_treatment_completed(clinic):
    course = spravato_course(clinic)
    with pytest.raises(PermissionDenied):
        services.complete_session(Actor(clinic.front_desk), session(course, "2025-03-03"))


def test_a_session_cannot_be_completed_before_its_day(clinic):
    course = spravato_course(clinic)
    early = at("2025-03-05", 12)
    with pytest.raises(ValidationError, match=r"^scheduled_at: '2025-03-06' .*on or before 2025"):
        services.complete_session(Actor(clinic.nurse), session(course, "2025-03-06"), now=early)


# --- optimistic concurrency ------------------------------------------------------------------


def test_concurrent_edits_of_a_plan_are_refused(clinic):
    course = spravato_course(clinic)
    opened_at = course.version
    services.reschedule_session(
        Actor(clinic.nurse),
        session(course, "2025-03-13"),
        scheduled_at=at("2025-03-14"),
        expected_version=opened_at,
    )
    before = AuditEvent.objects.count()
    with pytest.raises(services.ConflictError):
        services.cancel_session(
            Actor(clinic.front_desk),
            session(course, "2025-03-17"),
            reason="Clinic closed for training",
            expected_version=opened_at,
        )
    assert session(course, "2025-03-17").status == SessionStatus.SCHEDULED
    assert AuditEvent.objects.count() == before


def test_a_stale_phase_change_is_refused(clinic):
    course = spravato_course(clinic)
    services.change_phase(
        Actor(clinic.prescriber), course, phase="maintenance", expected_version=course.version
    )
    stale = TreatmentCourse.objects.get(pk=course.pk)
    with pytest.raises(services.ConflictError):
        services.change_phase(
            Actor(clinic.prescriber),
            stale,
            phase="ended",
            reason="Remission sustained for months",
            expected_version=2,
        )
    stale.refresh_from_db()
    assert stale.phase == "maintenance"


# --- phases ----------------------------------------------------------------------------------


def test_phase_changes_forward_and_back_for_re_induction(clinic):
    course = spravato_course(clinic)
    actor = Actor(clinic.prescriber)
    services.change_phase(actor, course, phase="maintenance", expected_version=2)
    services.change_phase(
        actor, course, phase="induction", expected_version=3, reason="Relapse: PHQ-9 back to 18"
    )
    with pytest.raises(ValidationError, match=r"^phase: 'evaluation'"):
        services.change_phase(actor, course, phase="evaluation", expected_version=4)
    course.refresh_from_db()
    assert course.phase == "induction"
    assert [(c.from_phase, c.to_phase) for c in course.phase_changes.all()] == [
        ("induction", "maintenance"),
        ("maintenance", "induction"),
    ]
    assert events("update", "course").count() == 2


def test_only_prescribers_change_the_phase(clinic):
    course = spravato_course(clinic)
    with pytest.raises(PermissionDenied):
        services.change_phase(Actor(clinic.nurse), course, phase="maintenance", expected_version=2)


def test_ending_a_course_needs_a_reason_and_cancels_what_is_left(clinic):
    course = spravato_course(clinic)
    services.complete_session(Actor(clinic.nurse), session(course, "2025-03-03"))
    with pytest.raises(ValidationError, match=r"^reason: ''"):
        services.change_phase(Actor(clinic.prescriber), course, phase="ended", expected_version=3)
    services.change_phase(
        Actor(clinic.prescriber),
        course,
        phase="ended",
        expected_version=3,
        reason="Intolerable dissociation; patient declines further sessions",
        now=at("2025-03-05"),
    )
    course.refresh_from_db()
    assert (course.phase, course.ended_on) == ("ended", dt.date(2025, 3, 5))
    statuses = list(course.sessions.values_list("status", flat=True))
    assert statuses.count("completed") == 1
    assert statuses.count("cancelled") == 11
    assert events("cancel", "session").count() == 11
    with pytest.raises(ValidationError, match=r"^phase: 'ended' .*has ended"):
        services.add_session(
            Actor(clinic.prescriber), course, scheduled_at=at("2025-03-10"), expected_version=4
        )


def test_switching_to_the_maintenance_template_after_induction(clinic):
    # Phillips 2019: 6 infusions 3 a week over 2 weeks, then 4 weekly maintenance infusions.
    course = a_course(clinic, template_id="iv-3-a-week-2-weeks", modality="iv-racemic")
    a_plan(clinic, course, weekdays=[0, 2, 4])
    with pytest.raises(ValidationError, match=r"^template_id: 'iv-maintenance-weekly-4'"):
        services.change_phase(
            Actor(clinic.prescriber),
            course,
            phase="maintenance",
            template_id="iv-maintenance-weekly-4",
            expected_version=2,
        )
    for item in course.sessions.all():
        services.complete_session(Actor(clinic.nurse), item)
    course.refresh_from_db()
    services.change_phase(
        Actor(clinic.prescriber),
        course,
        phase="maintenance",
        template_id="iv-maintenance-weekly-4",
        expected_version=course.version,
    )
    course.refresh_from_db()
    assert course.template_id == "iv-maintenance-weekly-4"
    a_plan(clinic, course, start_on=dt.date(2025, 3, 17), weekdays=[0])
    maintenance = course.plans.order_by("-pk").first().sessions.order_by("scheduled_at")
    assert [timezone.localdate(s.scheduled_at).isoformat() for s in maintenance] == [
        "2025-03-17",
        "2025-03-24",
        "2025-03-31",
        "2025-04-07",
    ]


def test_an_esketamine_course_cannot_switch_to_an_iv_template(clinic):
    course = a_course(clinic)
    with pytest.raises(ValidationError, match=r"^template_id: 'iv-maintenance-weekly-4'"):
        services.change_phase(
            Actor(clinic.prescriber),
            course,
            phase="maintenance",
            template_id="iv-maintenance-weekly-4",
            expected_version=1,
        )
