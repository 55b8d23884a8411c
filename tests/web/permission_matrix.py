"""The permission matrix: every endpoint, the policy action it must enforce, and a request
that exercises it. `test_permissions.py` runs each against every persona: roles the policy
allows must not be refused; other roles get 403; staff of another site get 404 for a patient.

Add an entry for every new page or API operation (test_every_endpoint_is_in_the_matrix).
"""

from __future__ import annotations

from typing import Any

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _task(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor
    from kclinic.web.tasks.services import open_safety_task

    task = open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "test", clinic.patient.public_id
    )
    return {"task_id": task.public_id}


def _screening(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor
    from kclinic.web.screenings.services import perform_screening

    # Pregnant: a relative finding, so a prescriber has something to override.
    screening = perform_screening(Actor(clinic.nurse), clinic.patient, {"pregnant": True})
    return {"screening_id": screening.public_id}


def _consent_document(clinic: Any) -> Any:
    from kclinic.web.screenings.models import ConsentDocument

    document, _ = ConsentDocument.objects.get_or_create(
        code="iv-ketamine-treatment",
        version=1,
        defaults={"title": "IV ketamine", "body": "Text.", "effective_from": "2025-01-01"},
    )
    return document


def _consent(clinic: Any) -> dict[str, object]:
    from django.utils import timezone

    from kclinic.web.audit.services import Actor
    from kclinic.web.screenings.services import record_consent

    consent = record_consent(
        Actor(clinic.nurse),
        clinic.patient,
        _consent_document(clinic),
        timezone.localdate(),
        "tablet",
        clinic.prescriber,
    )
    return {"consent_id": consent.public_id}


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


_OVERRIDE = {"rule": "pregnancy", "reason": "Pregnancy test negative today, see the note."}


ENDPOINTS: list[Endpoint] = [
    # pages
    Endpoint("patients:list", "GET", Action.VIEW_PATIENT, patient=False),
    Endpoint("patients:register", "GET", Action.REGISTER_PATIENT, patient=False),
    Endpoint("patients:chart", "GET", Action.VIEW_PATIENT),
    Endpoint(
        "patients:chart",
        "POST",
        Action.RECORD_CLINICAL_DATA,
        data=lambda c: {"kind": "measurement", "measurement-weight_kg": "70"},
    ),
    Endpoint("patients:edit", "GET", Action.EDIT_DEMOGRAPHICS),
    Endpoint("tasks:list", "GET", Action.VIEW_CLINICAL, patient=False),
    Endpoint("tasks:patient", "GET", Action.VIEW_CLINICAL),
    Endpoint(
        "tasks:resolve",
        "POST",
        Action.RESOLVE_SAFETY_TASK,
        kwargs=_task,
        data=lambda c: {"action": "cssrs_done", "note": "Assessed: low risk, plan in place"},
    ),
    Endpoint("audit:list", "GET", Action.VIEW_AUDIT, patient=False),
    Endpoint("audit:export", "GET", Action.EXPORT_AUDIT, patient=False),
    # screenings and consents
    Endpoint("screenings:list", "GET", Action.VIEW_CLINICAL),
    Endpoint("screenings:new", "GET", Action.SCREEN_ELIGIBILITY),
    Endpoint(
        "screenings:new",
        "POST",
        Action.SCREEN_ELIGIBILITY,
        data=lambda c: {
            "screened_on": _today(),
            "trd_definition": "two-adequate-current-episode",
            "trials_status": "none",
            "ect_status": "none",
            "trials-TOTAL_FORMS": "0",
            "trials-INITIAL_FORMS": "0",
            "ect-TOTAL_FORMS": "0",
            "ect-INITIAL_FORMS": "0",
        },
    ),
    Endpoint("screenings:detail", "GET", Action.VIEW_CLINICAL, kwargs=_screening),
    Endpoint(
        "screenings:detail",
        "POST",
        Action.OVERRIDE_SCREENING,
        kwargs=_screening,
        data=lambda c: _OVERRIDE,
    ),
    Endpoint("screenings:consents", "GET", Action.VIEW_CLINICAL),
    Endpoint(
        "screenings:consents",
        "POST",
        Action.RECORD_CONSENT,
        data=lambda c: {
            "document": str(_consent_document(c).public_id),
            "signed_on": _today(),
            "signature_method": "tablet",
            "witness": str(c.front_desk.public_id),  # never the recorder in this matrix
        },
    ),
    Endpoint("screenings:withdraw", "GET", Action.RECORD_CONSENT, kwargs=_consent),
    Endpoint(
        "screenings:withdraw",
        "POST",
        Action.RECORD_CONSENT,
        kwargs=_consent,
        data=lambda c: {"withdrawn_on": _today(), "withdrawn_reason": "changed mind"},
    ),
    Endpoint(
        "screenings:document",
        "GET",
        Action.VIEW_PATIENT,
        patient=False,
        kwargs=lambda c: {"document_id": _consent_document(c).public_id},
    ),
    Endpoint("api:list_screenings", "GET", Action.VIEW_CLINICAL),
    Endpoint("api:get_screening", "GET", Action.VIEW_CLINICAL, kwargs=_screening),
    Endpoint(
        "api:create_screening", "POST", Action.SCREEN_ELIGIBILITY, data=lambda c: {"profile": {}}
    ),
    Endpoint(
        "api:override_screening",
        "POST",
        Action.OVERRIDE_SCREENING,
        kwargs=_screening,
        data=lambda c: _OVERRIDE,
    ),
    # API
    Endpoint("api:list_patients", "GET", Action.VIEW_PATIENT, patient=False),
    Endpoint("api:get_patient", "GET", Action.VIEW_PATIENT),
    Endpoint(
        "api:create_patient",
        "POST",
        Action.REGISTER_PATIENT,
        patient=False,
        data=lambda c: {
            "mrn": "M-NEW",
            "given_name": "Ada",
            "family_name": "Moss",
            "date_of_birth": "1975-02-03",
            "sex": "female",
        },
    ),
    Endpoint(
        "api:add_measurement",
        "POST",
        Action.RECORD_CLINICAL_DATA,
        data=lambda c: {"weight_kg": "70"},
    ),
]

from tests.web.courses_matrix import COURSE_ENDPOINTS  # noqa: E402

ENDPOINTS += COURSE_ENDPOINTS
from tests.web.test_assessments_matrix import assessment_endpoints  # noqa: E402

ENDPOINTS += assessment_endpoints()
from tests.web.test_notes_matrix import notes_endpoints  # noqa: E402

ENDPOINTS += notes_endpoints()

# Writes only the note's author may make: a permitted role that is not the author is refused
# by design, so they cannot be one row per role here. tests/web/test_notes_matrix.py
# (test_author_only_api_writes_per_role) checks them for every persona.
AUTHOR_ONLY = {"api:update_note", "api:sign_note", "api:enter_note_in_error"}

# Later apps keep their rows in their own modules, each with an `endpoints()` function.
for _part in (
    "inventory_matrix",
    "session_matrix",
    "monitoring_matrix",
    "discharge_matrix",
    "portal_matrix",
    "reports_matrix",
):
    ENDPOINTS += __import__(f"tests.web.{_part}", fromlist=["_"]).endpoints()
