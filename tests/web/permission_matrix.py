"""The permission matrix: every endpoint, the policy action it must enforce, and a request
that exercises it. `test_permissions.py` runs each against every persona: roles the policy
allows must not be refused; other roles get 403; staff of another site get 404 for a patient.

Add an entry for every new page or API operation (test_every_endpoint_is_in_the_matrix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kclinic.web.accounts.policy import Action


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name, e.g. "patients:chart" or "api:get_patient"
    method: str
    action: Action
    patient: bool = True  # takes the patient_id of the clinic fixture's patient
    kwargs: Callable[[Any], dict[str, object]] = field(default=lambda clinic: {})
    data: Callable[[Any], dict[str, object]] = field(default=lambda clinic: {})


def _task(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor
    from kclinic.web.tasks.services import open_safety_task

    task = open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "test", clinic.patient.public_id
    )
    return {"task_id": task.public_id}


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
