"""/api/v1/patients/{id}/assessments: submit answers and get the score, flags and the safety
tasks opened; list and read stored assessments. Same services, permissions and audit as the
pages.

No `from __future__ import annotations` here: django-ninja reads the annotations of the
paginated operation through its wrapper, where postponed (string) annotations cannot be
resolved.
"""

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kclinic.web.assessments import selectors, services
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.patients.selectors import patient_for

router = Router(tags=["assessments"])


class AssessmentIn(Schema):
    instrument: str
    # A list in item order or an object keyed by item id; null = unanswered. Values are
    # checked by the core, which names the item and the allowed values when it refuses one.
    answers: list[Any] | dict[str, Any]
    context: str
    administered_at: datetime | None = None
    band_table: str | None = None
    options: dict[str, str] | None = None
    respondent: str | None = None


class CorrectionIn(Schema):
    answers: list[Any] | dict[str, Any]
    reason: str
    context: str | None = None
    administered_at: datetime | None = None
    band_table: str | None = None
    options: dict[str, str] | None = None
    respondent: str | None = None


class AssessmentOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    instrument: str
    instrument_version: str
    context: str
    respondent: str
    administered_at: datetime
    administered_by: str
    entered_at: datetime
    entered_by: str
    total: int | None
    band: str | None
    band_table: str | None
    complete: bool
    flags: list[str]
    subscales: dict[str, int | None]
    criteria: dict[str, bool]
    options: dict[str, str]
    answers: dict[str, int | None]
    tasks: list[uuid.UUID]
    supersedes: uuid.UUID | None
    superseded_by: uuid.UUID | None
    correction_reason: str


def _out(assessment: Assessment, tasks: list[uuid.UUID]) -> dict[str, Any]:
    superseded_by = getattr(assessment, "superseded_by", None)
    return {
        "id": assessment.public_id,
        "patient": assessment.patient.public_id,
        "instrument": assessment.instrument_id,
        "instrument_version": assessment.instrument_version,
        "context": assessment.context,
        "respondent": assessment.respondent,
        "administered_at": assessment.administered_at,
        "administered_by": assessment.administered_by.username,
        "entered_at": assessment.entered_at,
        "entered_by": assessment.entered_by.username,
        "total": assessment.total,
        "band": assessment.band or None,
        "band_table": assessment.band_table or None,
        "complete": assessment.complete,
        "flags": list(assessment.flags),
        "subscales": dict(assessment.subscales),
        "criteria": dict(assessment.criteria),
        "options": dict(assessment.options),
        "answers": dict(assessment.answers),
        "tasks": tasks,
        "supersedes": assessment.supersedes.public_id if assessment.supersedes else None,
        "superseded_by": superseded_by.public_id if superseded_by else None,
        "correction_reason": assessment.correction_reason,
    }


@router.post("/{patient_id}/assessments", response={201: AssessmentOut})
def create_assessment(
    request: AuthedRequest, patient_id: uuid.UUID, payload: AssessmentIn
) -> Status[dict[str, Any]]:
    """Score and store answers. `tasks` holds the ids of the safety tasks the flags opened."""
    patient = patient_for(request.user, patient_id)
    recorded = services.record_assessment(
        Actor.from_request(request),
        patient,
        payload.instrument,
        payload.answers,
        payload.context,
        payload.administered_at or timezone.now(),
        payload.band_table,
        payload.options,
        respondent=payload.respondent,
    )
    return Status(201, _out(recorded.assessment, [t.public_id for t in recorded.tasks]))


@router.get("/{patient_id}/assessments", response=list[AssessmentOut])
@paginate(LimitOffsetPagination)
def list_assessments(
    request: AuthedRequest, patient_id: uuid.UUID, instrument: str = ""
) -> list[dict[str, Any]]:
    """Newest first; `instrument` filters by instrument id."""
    patient = patient_for(request.user, patient_id)
    rows = selectors.assessments_of(request.user, patient).select_related("patient")
    if instrument:
        rows = rows.filter(instrument_id=instrument)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="assessments",
    )
    # Pagination slices a list here; a patient's assessments number in the hundreds at most.
    found = list(rows)
    tasks = selectors.task_ids_by_assessment(found)
    return [_out(a, [t.public_id for t in tasks.get(a.public_id, [])]) for a in found]


@router.get("/{patient_id}/assessments/{assessment_id}", response=AssessmentOut)
def get_assessment(
    request: AuthedRequest, patient_id: uuid.UUID, assessment_id: uuid.UUID
) -> dict[str, Any]:
    patient = patient_for(request.user, patient_id)
    assessment = selectors.assessment_for(request.user, patient, assessment_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="assessment",
        object_id=assessment.public_id,
    )
    return _out(assessment, [t.public_id for t in selectors.tasks_for(assessment)])


@router.post("/{patient_id}/assessments/{assessment_id}/corrections", response={201: AssessmentOut})
def correct_assessment(
    request: AuthedRequest, patient_id: uuid.UUID, assessment_id: uuid.UUID, payload: CorrectionIn
) -> Status[dict[str, Any]]:
    """Store a correction that supersedes the assessment (which stays in the record)."""
    patient = patient_for(request.user, patient_id)
    original = selectors.assessment_for(request.user, patient, assessment_id)
    recorded = services.correct_assessment(
        Actor.from_request(request),
        original,
        payload.answers,
        payload.reason,
        context=payload.context,
        administered_at=payload.administered_at,
        band_table=payload.band_table,
        options=payload.options,
        respondent=payload.respondent,
    )
    return Status(201, _out(recorded.assessment, [t.public_id for t in recorded.tasks]))
