"""The courses app's rows of the permission matrix (tests/web/permission_matrix.py adds them).

POST data is valid for every role the policy allows, so a permitted role is never refused for
a reason other than permission; the data reads the version of the course the kwargs built.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _course(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import todays_course

    return {"course_id": todays_course(clinic).public_id}


def _unplanned(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import a_course

    course = a_course(
        clinic, template_id="iv-3-a-week-2-weeks", modality="iv-racemic", started_on=_today()
    )
    return {"course_id": course.public_id}


def _session(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import first_session, todays_course

    course = todays_course(clinic)
    return {"course_id": course.public_id, "session_id": first_session(course).public_id}


def _with_gap(clinic: Any) -> dict[str, object]:
    # Session 2 cancelled: adding a session back on its day restores the template, so the
    # addition needs no prescriber override and every scheduling role may make it.
    from kclinic.web.audit.services import Actor
    from kclinic.web.courses import services
    from tests.web.courses_factories import todays_course

    course = todays_course(clinic)
    second = course.sessions.get(sequence=2)
    services.cancel_session(
        Actor(clinic.prescriber),
        second,
        reason="Patient away that day",
        expected_version=course.version,
    )
    return {"course_id": course.public_id}


def _today() -> date:
    return timezone.localdate()


def _version(clinic: Any) -> int:
    from tests.web.courses_factories import latest_course

    return latest_course(clinic).version


def _gap_time(clinic: Any) -> str:
    from tests.web.courses_factories import latest_course

    cancelled = latest_course(clinic).sessions.get(sequence=2)
    return timezone.localtime(cancelled.scheduled_at).strftime("%Y-%m-%dT%H:%M")


def _first_time_plus_an_hour(clinic: Any) -> str:
    from tests.web.courses_factories import first_session, latest_course

    first = first_session(latest_course(clinic))
    return timezone.localtime(first.scheduled_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def _new_course(clinic: Any) -> dict[str, object]:
    return {
        "indication_code": "F33.2",
        "indication_text": "Major depressive disorder, recurrent, severe",
        "modality": "iv-racemic",
        "template_id": "iv-3-a-week-2-weeks",
        "started_on": _today().isoformat(),
        "phase": "evaluation",
    }


def _plan(clinic: Any) -> dict[str, object]:
    return {
        "version": _version(clinic),
        "start_on": _today().isoformat(),
        "weekdays": [str(d) for d in range(7)],
        "time_of_day": "09:00",
    }


def _plan_json(clinic: Any) -> dict[str, object]:
    return {**_plan(clinic), "weekdays": list(range(7))}


COURSE_ENDPOINTS: list[Endpoint] = [
    Endpoint("courses:list", "GET", Action.VIEW_PATIENT),
    Endpoint("courses:new", "GET", Action.MANAGE_COURSE),
    Endpoint("courses:new", "POST", Action.MANAGE_COURSE, data=_new_course),
    Endpoint("courses:detail", "GET", Action.VIEW_PATIENT, kwargs=_course),
    Endpoint("courses:plan", "GET", Action.SCHEDULE_SESSION, kwargs=_unplanned),
    Endpoint("courses:plan", "POST", Action.SCHEDULE_SESSION, kwargs=_unplanned, data=_plan),
    Endpoint("courses:phase", "GET", Action.MANAGE_COURSE, kwargs=_course),
    Endpoint(
        "courses:phase",
        "POST",
        Action.MANAGE_COURSE,
        kwargs=_course,
        data=lambda c: {"version": _version(c), "phase": "maintenance"},
    ),
    Endpoint("courses:add_session", "GET", Action.SCHEDULE_SESSION, kwargs=_with_gap),
    Endpoint(
        "courses:add_session",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_with_gap,
        data=lambda c: {"version": _version(c), "scheduled_at": _gap_time(c)},
    ),
    Endpoint("courses:reschedule", "GET", Action.SCHEDULE_SESSION, kwargs=_session),
    Endpoint(
        "courses:reschedule",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_session,
        data=lambda c: {"version": _version(c), "scheduled_at": _first_time_plus_an_hour(c)},
    ),
    Endpoint("courses:cancel", "GET", Action.SCHEDULE_SESSION, kwargs=_session),
    Endpoint(
        "courses:cancel",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_session,
        data=lambda c: {"version": _version(c), "reason": "Patient unwell today"},
    ),
    Endpoint("courses:complete", "GET", Action.RECORD_CLINICAL_DATA, kwargs=_session),
    Endpoint("courses:complete", "POST", Action.RECORD_CLINICAL_DATA, kwargs=_session),
    # API
    Endpoint("api:list_courses", "GET", Action.VIEW_PATIENT),
    Endpoint("api:create_course", "POST", Action.MANAGE_COURSE, data=_new_course),
    Endpoint("api:get_course", "GET", Action.VIEW_PATIENT, kwargs=_course),
    Endpoint(
        "api:plan_course_sessions",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_unplanned,
        data=_plan_json,
    ),
    Endpoint(
        "api:add_course_session",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_with_gap,
        data=lambda c: {"version": _version(c), "scheduled_at": _gap_time(c)},
    ),
    Endpoint(
        "api:reschedule_course_session",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_session,
        data=lambda c: {"version": _version(c), "scheduled_at": _first_time_plus_an_hour(c)},
    ),
    Endpoint(
        "api:cancel_course_session",
        "POST",
        Action.SCHEDULE_SESSION,
        kwargs=_session,
        data=lambda c: {"version": _version(c), "reason": "Patient unwell today"},
    ),
    Endpoint("api:complete_course_session", "POST", Action.RECORD_CLINICAL_DATA, kwargs=_session),
    Endpoint(
        "api:change_course_phase",
        "POST",
        Action.MANAGE_COURSE,
        kwargs=_course,
        data=lambda c: {"version": _version(c), "phase": "maintenance"},
    ),
]
