"""Reads about treatment courses, always through the patient the user may see.

`infusion_dates` and `planned_dates` are what the symptom-trajectory chart draws as markers;
they take a patient the caller has already checked (patient_for plus VIEW_CLINICAL).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kclinic.domain import courses as rules
from kclinic.web.accounts.models import Chair, User
from kclinic.web.courses.models import (
    CoursePlan,
    PlannedSession,
    SessionStatus,
    TreatmentCourse,
)
from kclinic.web.courses.session_services import plan_findings
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import visible_patients


def infusion_dates(patient: Patient) -> list[datetime]:
    """Times of the patient's completed sessions, oldest first, across all courses."""
    return list(
        PlannedSession.objects.filter(course__patient=patient, status=SessionStatus.COMPLETED)
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
    )


def planned_dates(patient: Patient) -> list[datetime]:
    """Times of the patient's sessions still scheduled (not completed, not cancelled)."""
    return list(
        PlannedSession.objects.filter(course__patient=patient, status=SessionStatus.SCHEDULED)
        .order_by("scheduled_at")
        .values_list("scheduled_at", flat=True)
    )


def courses_of(patient: Patient) -> QuerySet[TreatmentCourse]:
    return (
        TreatmentCourse.objects.filter(patient=patient)
        .select_related("created_by")
        .order_by("-started_on", "-pk")
    )


def course_of(patient: Patient, course_id: uuid.UUID) -> TreatmentCourse:
    """The course of this (already visible) patient, or 404."""
    course = (
        TreatmentCourse.objects.select_related("patient__site")
        .filter(patient=patient, public_id=course_id)
        .first()
    )
    if course is None:
        raise Http404("No such course")
    return course


def course_for(user: User, course_id: uuid.UUID) -> TreatmentCourse:
    """The course, or 404 when it does not exist or its patient is not visible to the user."""
    course = (
        TreatmentCourse.objects.select_related("patient__site")
        .filter(public_id=course_id, patient__in=visible_patients(user))
        .first()
    )
    if course is None:
        raise Http404("No such course")
    return course


def session_of(course: TreatmentCourse, session_id: uuid.UUID) -> PlannedSession:
    session = (
        course.sessions.select_related("chair", "plan", "course__patient__site")
        .filter(public_id=session_id)
        .first()
    )
    if session is None:
        raise Http404("No such session")
    return session


def sessions_of(course: TreatmentCourse) -> QuerySet[PlannedSession]:
    return course.sessions.select_related(
        "chair", "plan", "cancelled_by", "completed_by", "created_by"
    ).order_by("scheduled_at", "sequence")


def chairs_for(course: TreatmentCourse) -> QuerySet[Chair]:
    return Chair.objects.filter(site=course.patient.site).order_by("name")


def latest_plan(course: TreatmentCourse) -> CoursePlan | None:
    return course.plans.order_by("-pk").first()


@dataclass(frozen=True)
class SessionRow:
    """A session as the course page lists it: its course week and block in its plan."""

    session: PlannedSession
    day: date
    week: int
    block: str


@dataclass(frozen=True)
class CourseSummary:
    course: TreatmentCourse
    template: rules.CourseTemplate | None
    rows: tuple[SessionRow, ...]
    plan: CoursePlan | None
    findings: tuple[rules.Finding, ...]
    completed: int
    scheduled: int
    cancelled: int
    next_session: PlannedSession | None


def summary(course: TreatmentCourse, now: datetime | None = None) -> CourseSummary:
    """Sessions with their course week and template block, counts, the next session, and the
    current plan's findings (departures accepted or left by cancellations)."""
    now = now or timezone.now()
    sessions = list(sessions_of(course))
    rows = []
    for session in sessions:
        day = timezone.localdate(session.scheduled_at)
        template = rules.DEFAULT_TEMPLATES.get(session.plan.template_id)
        block = ""
        if template is not None:
            block = template.blocks[rules.block_at(template, session.plan.start_on, day)].name
        rows.append(SessionRow(session, day, rules.course_week(session.plan.start_on, day), block))
    plan = latest_plan(course)
    status = [s.status for s in sessions]
    upcoming = [
        s for s in sessions if s.status == SessionStatus.SCHEDULED and s.scheduled_at >= now
    ]
    return CourseSummary(
        course=course,
        template=rules.DEFAULT_TEMPLATES.get(course.template_id),
        rows=tuple(rows),
        plan=plan,
        findings=plan_findings(plan) if plan is not None else (),
        completed=status.count(SessionStatus.COMPLETED),
        scheduled=status.count(SessionStatus.SCHEDULED),
        cancelled=status.count(SessionStatus.CANCELLED),
        next_session=upcoming[0] if upcoming else None,
    )
