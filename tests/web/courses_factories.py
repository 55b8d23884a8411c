"""Builders for course tests, the URL catalogue and the permission matrix. They go through the
services (as a prescriber), so what they build is what the application would build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from kclinic.web.accounts.models import Chair, Site
from kclinic.web.audit.services import Actor
from kclinic.web.courses import services
from kclinic.web.courses.models import CoursePlan, PlannedSession, TreatmentCourse

SPRAVATO_START = dt.date(2025, 3, 3)  # Monday: the clinical reference's test vector (1.7)
MON, THU = 0, 3


def a_chair(site: Site, name: str = "Chair 1") -> Chair:
    chair, _ = Chair.objects.get_or_create(site=site, name=name)
    return chair


def a_course(
    clinic: Any,
    *,
    patient: Any = None,
    template_id: str = "esketamine-trd",
    modality: str = "esketamine",
    started_on: dt.date = SPRAVATO_START,
    phase: str = "induction",
) -> TreatmentCourse:
    return services.create_course(
        Actor(clinic.prescriber),
        patient or clinic.patient,
        services.NewCourse(
            indication_code="F33.2",
            indication_text="Major depressive disorder, recurrent, severe",
            modality=modality,
            template_id=template_id,
            started_on=started_on,
            phase=phase,
        ),
    )


def a_plan(
    clinic: Any,
    course: TreatmentCourse,
    *,
    start_on: dt.date | None = None,
    weekdays: Sequence[int] = (MON, THU),
    at: dt.time = dt.time(9, 0),
    chair: Chair | None = None,
    open_ended_sessions: int = 0,
) -> CoursePlan:
    course.refresh_from_db()
    return services.plan_sessions(
        Actor(clinic.prescriber),
        course,
        start_on=start_on or course.started_on,
        weekdays=weekdays,
        time_of_day=at,
        chair=chair,
        expected_version=course.version,
        open_ended_sessions=open_ended_sessions,
    )


def spravato_course(clinic: Any) -> TreatmentCourse:
    """The reference's vector: esketamine TRD from Mon 2025-03-03 on Mon/Thu (12 sessions)."""
    course = a_course(clinic)
    a_plan(clinic, course, chair=a_chair(clinic.site_a))
    course.refresh_from_db()
    return course


def todays_course(clinic: Any) -> TreatmentCourse:
    """An IV course whose plan starts today, every day allowed: session 1 is today 09:00,
    so it can be completed, and the week's sessions fall 2 or 3 days apart."""
    today = timezone.localdate()
    course = a_course(
        clinic,
        template_id="iv-3-a-week-2-weeks",
        modality="iv-racemic",
        started_on=today,
    )
    a_plan(clinic, course, weekdays=range(7))
    course.refresh_from_db()
    return course


def first_session(course: TreatmentCourse) -> PlannedSession:
    return course.sessions.order_by("sequence").first()  # type: ignore[return-value]


def latest_course(clinic: Any) -> TreatmentCourse:
    return TreatmentCourse.objects.filter(patient=clinic.patient).order_by("-pk").first()  # type: ignore[return-value]
