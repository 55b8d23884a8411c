"""Course services: the reference's schedule vector on a real database, validation that writes
nothing, permissions per role, optimistic concurrency, phases, and an audit row per write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Role
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.courses import services
from kclinic.web.courses.models import CoursePlan, PlannedSession, TreatmentCourse
from kclinic.web.courses.selectors import course_for, infusion_dates, planned_dates
from tests.web.courses_factories import (
    SPRAVATO_START,
    a_chair,
    a_course,
    a_plan,
    spravato_course,
)
from tests.web.factories import UserFactory

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


# --- creating a course -----------------------------------------------------------------------


def test_prescriber_creates_a_course_and_it_is_audited(clinic):
    course = a_course(clinic)
    assert (course.phase, course.modality, course.template_id, course.version) == (
        "induction",
        "esketamine",
        "esketamine-trd",
        1,
    )
    assert course.protocol_version
    event = events("create", "course").get()
    assert event.patient_public_id == clinic.patient.public_id
    assert event.object_id == str(course.public_id)
    assert event.detail["indication_code"] == "F33.2"
    assert (event.username, event.role) == ("dr_lee", Role.PRESCRIBER)


@pytest.mark.parametrize("role", ["nurse", "front_desk", "compliance", "auditor", "admin"])
def test_only_prescribers_manage_courses(clinic, role):
    with pytest.raises(PermissionDenied):
        services.create_course(
            Actor(getattr(clinic, role)),
            clinic.patient,
            services.NewCourse("F33.2", "MDD", "iv-racemic", "iv-3-a-week-2-weeks", SPRAVATO_START),
        )
    assert not TreatmentCourse.objects.exists()


def test_a_prescriber_of_another_site_cannot_create_a_course_here(clinic):
    elsewhere = UserFactory(role=Role.PRESCRIBER, sites=[clinic.site_b])
    with pytest.raises(PermissionDenied):
        services.create_course(
            Actor(elsewhere),
            clinic.patient,
            services.NewCourse("F33.2", "MDD", "iv-racemic", "iv-3-a-week-2-weeks", SPRAVATO_START),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"indication_code": "33.2"}, r"^indication_code: '33.2' .*ICD-10-CM"),
        ({"indication_text": "  "}, r"^indication_text"),
        ({"modality": "oral"}, r"^modality: 'oral'"),
        ({"template_id": "esketamine-trd"}, r"^template_id: 'esketamine-trd' .*iv-racemic"),
        ({"template_id": "nightly"}, r"^template_id: 'nightly'"),
        ({"started_on": dt.date(1999, 12, 31)}, r"^started_on: '1999-12-31' .*2000-01-01 to"),
        ({"phase": "ended"}, r"^phase: 'ended'"),
    ],
)
def test_bad_course_input_names_the_field_and_writes_nothing(clinic, change, message):
    data = {
        "indication_code": "F33.2",
        "indication_text": "MDD",
        "modality": "iv-racemic",
        "template_id": "iv-3-a-week-2-weeks",
        "started_on": SPRAVATO_START,
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        services.create_course(Actor(clinic.prescriber), clinic.patient, services.NewCourse(**data))
    assert not TreatmentCourse.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_patient_has_one_active_course_at_a_time(clinic):
    a_course(clinic)
    with pytest.raises(ValidationError, match=r"^patient: .*active course"):
        a_course(clinic, template_id="esketamine-mdsi")
    assert TreatmentCourse.objects.count() == 1


# --- planning from the template --------------------------------------------------------------


def test_planning_the_spravato_template_gives_the_reference_dates(clinic):
    course = spravato_course(clinic)
    sessions = list(course.sessions.order_by("scheduled_at"))
    assert [timezone.localdate(s.scheduled_at).isoformat() for s in sessions] == VECTOR
    assert [s.sequence for s in sessions] == list(range(1, 13))
    assert {timezone.localtime(s.scheduled_at).time() for s in sessions} == {dt.time(9, 0)}
    assert {s.chair.name for s in sessions} == {"Chair 1"}
    assert course.version == 2
    plan = events("create", "course_plan").get()
    assert plan.detail["dates"] == VECTOR
    assert plan.detail["weekdays"] == "mon,thu"


def test_front_desk_may_plan_but_compliance_may_not(clinic):
    course = a_course(clinic)
    with pytest.raises(PermissionDenied):
        services.plan_sessions(
            Actor(clinic.compliance),
            course,
            start_on=SPRAVATO_START,
            weekdays=[0, 3],
            time_of_day=dt.time(9),
            expected_version=1,
        )
    services.plan_sessions(
        Actor(clinic.front_desk),
        course,
        start_on=SPRAVATO_START,
        weekdays=[0, 3],
        time_of_day=dt.time(9),
        expected_version=1,
    )
    assert course.sessions.count() == 12


def test_weekdays_that_cannot_hold_the_template_write_nothing(clinic):
    course = a_course(clinic)
    with pytest.raises(ValidationError, match=r"^weekdays: 'Mon'"):
        a_plan(clinic, course, weekdays=[0])
    course.refresh_from_db()
    assert course.version == 1
    assert not CoursePlan.objects.exists()
    assert not PlannedSession.objects.exists()


def test_a_new_plan_may_not_overlap_the_sessions_already_planned(clinic):
    course = spravato_course(clinic)
    with pytest.raises(ValidationError, match=r"^start_on: '2025-04-07' .*2025-04-21"):
        a_plan(clinic, course, start_on=dt.date(2025, 4, 7))
    assert course.sessions.count() == 12


def test_a_chair_of_another_site_is_refused(clinic):
    course = a_course(clinic)
    with pytest.raises(ValidationError, match=r"^chair: .*a chair at North"):
        a_plan(clinic, course, chair=a_chair(clinic.site_b))


# --- reads -----------------------------------------------------------------------------------


def test_staff_of_another_site_see_nothing_of_a_course(clinic):
    course = a_course(clinic)
    with pytest.raises(Http404):
        course_for(clinic.other_site_nurse, course.public_id)
    assert course_for(clinic.front_desk, course.public_id) == course


def test_chart_markers_span_every_course_of_the_patient(clinic):
    first = spravato_course(clinic)
    services.complete_session(Actor(clinic.nurse), session(first, "2025-03-03"))
    services.change_phase(
        Actor(clinic.prescriber),
        first,
        phase="ended",
        reason="Moved to IV ketamine by patient choice",
        expected_version=3,
    )
    second = a_course(
        clinic, template_id="iv-2-a-week-3-weeks", modality="iv-racemic", started_on=SPRAVATO_START
    )
    a_plan(clinic, second, start_on=dt.date(2025, 6, 2), weekdays=[1, 4])
    services.complete_session(Actor(clinic.nurse), second.sessions.order_by("sequence").first())
    assert infusion_dates(clinic.patient) == [at("2025-03-03"), at("2025-06-03")]
    assert len(planned_dates(clinic.patient)) == 5
