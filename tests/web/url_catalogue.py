"""Every URL pattern of the application, classified. A new view fails
test_every_url_is_classified until it is added here, so nobody can add a page that shows
patient data without the test checking that it writes an audit row.

PATIENT: a page about one patient; a GET must write a `view` audit row naming the patient.
         The value builds the extra URL kwargs from the `clinic` fixture (patient_id is added).
PATIENT_DATA_LIST: shows several patients' data; a GET must write an audit row.
NO_PATIENT_DATA: shows no patient data (sign-in, health, audit log for compliance, admin).
"""

from __future__ import annotations

from typing import Any

from kclinic.web.tasks.services import open_safety_task
from tests.web.catalogue_types import Kwargs


def _task(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor

    task = open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "test", clinic.patient.public_id
    )
    return {"task_id": task.public_id}


def _note(clinic: Any, *, signed: bool = False) -> dict[str, object]:
    # A note by the prescriber (the persona that opens every page in the audit test).
    from django.test import RequestFactory

    from kclinic.web.audit.services import Actor
    from kclinic.web.notes import services as notes
    from tests.web.factories import PASSWORD

    actor = Actor(clinic.prescriber)
    note = notes.create_note(
        actor, clinic.patient, kind="progress", title="Infusion 3", body="Tolerated well."
    )
    if signed:
        notes.sign_note(
            actor,
            note,
            password=PASSWORD,
            meaning="author",
            expected_version=note.version,
            request=RequestFactory().post("/"),
        )
    return {"note_id": note.public_id}


def _assessment(clinic: Any) -> dict[str, object]:
    from django.utils import timezone

    from kclinic.web.assessments.services import record_assessment
    from kclinic.web.audit.services import Actor

    recorded = record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [1] * 9, "pre-session", timezone.now()
    )
    return {"assessment_id": recorded.assessment.public_id}


def _screening(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor
    from kclinic.web.screenings.services import perform_screening

    # Pregnant: a relative finding, so a prescriber has something to override.
    screening = perform_screening(Actor(clinic.nurse), clinic.patient, {"pregnant": True})
    return {"screening_id": screening.public_id}


def _consent(clinic: Any) -> dict[str, object]:
    from django.utils import timezone

    from kclinic.web.audit.services import Actor
    from kclinic.web.screenings.models import ConsentDocument
    from kclinic.web.screenings.services import record_consent

    document, _ = ConsentDocument.objects.get_or_create(
        code="iv-ketamine-treatment",
        version=1,
        defaults={"title": "IV ketamine", "body": "Text.", "effective_from": "2025-01-01"},
    )
    consent = record_consent(
        Actor(clinic.nurse),
        clinic.patient,
        document,
        timezone.localdate(),
        "tablet",
        clinic.prescriber,
    )
    return {"consent_id": consent.public_id}


def _course(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import todays_course

    return {"course_id": todays_course(clinic).public_id}


def _course_session(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import first_session, todays_course

    course = todays_course(clinic)
    return {"course_id": course.public_id, "session_id": first_session(course).public_id}


PATIENT: dict[str, Kwargs] = {
    "courses:list": lambda clinic: {},
    "courses:new": lambda clinic: {},
    "courses:detail": _course,
    "courses:plan": _course,
    "courses:phase": _course,
    "courses:add_session": _course,
    "courses:reschedule": _course_session,
    "courses:cancel": _course_session,
    "courses:complete": _course_session,
    "screenings:list": lambda clinic: {},
    "screenings:new": lambda clinic: {},
    "screenings:detail": _screening,
    "screenings:consents": lambda clinic: {},
    "screenings:withdraw": _consent,
    "assessments:list": lambda clinic: {},
    "assessments:pick": lambda clinic: {},
    "assessments:new": lambda clinic: {"instrument_id": "phq9"},
    "assessments:preview": lambda clinic: {"instrument_id": "cssrs-screener"},
    "assessments:detail": _assessment,
    "assessments:correct": _assessment,
    "notes:list": lambda clinic: {},
    "notes:new": lambda clinic: {},
    "notes:detail": lambda clinic: _note(clinic, signed=True),
    "notes:edit": _note,
    "notes:sign": _note,
    "notes:addendum": lambda clinic: _note(clinic, signed=True),
    "notes:discard": _note,
    "patients:chart": lambda clinic: {},
    "patients:edit": lambda clinic: {},
    "tasks:patient": lambda clinic: {},
    "tasks:resolve": _task,
}

PATIENT_DATA_LIST: set[str] = {"patients:list", "tasks:list"}

NO_PATIENT_DATA: set[str] = {
    "home",
    "healthz",
    "accounts:login",
    "accounts:logout",
    "accounts:verify",
    "accounts:totp_setup",
    "patients:register",
    "audit:list",
    "audit:export",
    "screenings:document",
}

# The JSON API: operation names under the "api" namespace, classified the same way.
API_PATIENT: set[str] = {
    "api:list_courses",
    "api:create_course",
    "api:get_course",
    "api:plan_course_sessions",
    "api:add_course_session",
    "api:reschedule_course_session",
    "api:cancel_course_session",
    "api:complete_course_session",
    "api:change_course_phase",
    "api:get_patient",
    "api:add_measurement",
    "api:list_screenings",
    "api:get_screening",
    "api:create_screening",
    "api:override_screening",
    "api:create_assessment",
    "api:list_assessments",
    "api:get_assessment",
    "api:correct_assessment",
    "api:list_notes",
    "api:create_note",
    "api:get_note",
    "api:update_note",
    "api:sign_note",
    "api:add_addendum",
    "api:enter_note_in_error",
}
API_PATIENT_DATA_LIST: set[str] = {"api:list_patients", "api:create_patient"}
API_NO_PATIENT_DATA: set[str] = {
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:list_course_templates",
}

# Later apps keep their rows in their own modules (same six names, each may omit some).
for _part in (
    "catalogue_inventory",
    "catalogue_session",
    "catalogue_monitoring",
    "catalogue_discharge",
    "catalogue_portal",
    "catalogue_reports",
):
    _module = __import__(f"tests.web.{_part}", fromlist=["_"])
    PATIENT.update(getattr(_module, "PATIENT", {}))
    PATIENT_DATA_LIST |= getattr(_module, "PATIENT_DATA_LIST", set())
    NO_PATIENT_DATA |= getattr(_module, "NO_PATIENT_DATA", set())
    API_PATIENT |= getattr(_module, "API_PATIENT", set())
    API_PATIENT_DATA_LIST |= getattr(_module, "API_PATIENT_DATA_LIST", set())
    API_NO_PATIENT_DATA |= getattr(_module, "API_NO_PATIENT_DATA", set())
