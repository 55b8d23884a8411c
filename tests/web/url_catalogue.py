"""Every URL pattern of the application, classified. A new view fails
test_every_url_is_classified until it is added here, so nobody can add a page that shows
patient data without the test checking that it writes an audit row.

PATIENT: a page about one patient; a GET must write a `view` audit row naming the patient.
         The value builds the extra URL kwargs from the `clinic` fixture (patient_id is added).
PATIENT_DATA_LIST: shows several patients' data; a GET must write an audit row.
NO_PATIENT_DATA: shows no patient data (sign-in, health, audit log for compliance, admin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kclinic.web.tasks.services import open_safety_task

Kwargs = Callable[[Any], dict[str, object]]


def _task(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor

    task = open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "test", clinic.patient.public_id
    )
    return {"task_id": task.public_id}


PATIENT: dict[str, Kwargs] = {
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
}

# The JSON API: operation names under the "api" namespace, classified the same way.
API_PATIENT: set[str] = {"api:get_patient", "api:add_measurement"}
API_PATIENT_DATA_LIST: set[str] = {"api:list_patients", "api:create_patient"}
API_NO_PATIENT_DATA: set[str] = {"api:api-root", "api:openapi-json", "api:openapi-view"}
