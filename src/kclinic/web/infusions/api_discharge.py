"""/api/v1/sessions/...: recovery, discharge, session record and REMS form (part C).

The same services, permissions and audit as the pages: reads need view_clinical and write a
view audit row naming the patient; a session of a patient the caller cannot see is 404.

No `from __future__ import annotations`: ninja reads the annotations at runtime.
"""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status

from kclinic.domain import rems
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.infusions import services_discharge as discharge_services
from kclinic.web.infusions import services_record, services_rems
from kclinic.web.infusions.api_common import ERRORS, session_for_api
from kclinic.web.infusions.models import Discharge, InfusionSession, RemsForm
from kclinic.web.infusions.pdf import session_record_pdf
from kclinic.web.infusions.pdf_rems import rems_pdf

router = Router(tags=["sessions"])


class VersionIn(Schema):
    version: int | None = None


class SessionStateOut(Schema):
    id: uuid.UUID
    state: str
    version: int


class ReadinessOut(Schema):
    ready: bool
    at: dt.datetime
    modality: str
    observed_minutes: int
    aldrete_total: int | None
    criteria: list[dict[str, Any]]
    unmet: list[str]
    policy: dict[str, Any]


class DischargeIn(Schema):
    escort_present: bool
    escort_name: str = ""
    escort_relationship: str = ""
    escort_phone: str = ""
    override_reason: str = ""
    version: int | None = None


class DischargeOut(Schema):
    session: uuid.UUID
    at: dt.datetime
    by: str
    ready: bool
    unmet: list[str]
    override_reason: str
    escort_name: str
    instructions: str


class RecordOut(Schema):
    note: uuid.UUID
    title: str
    status: str
    version: int
    body: str


class RemsIn(Schema):
    answers: dict[str, Any] = {}
    medications_confirmed: bool | None = None


class SubmittedIn(Schema):
    submitted_on: dt.date
    reference: str = ""


class RemsOut(Schema):
    session: uuid.UUID
    form_version: str
    data: dict[str, Any]
    derived: list[str]
    problems: list[str]
    completed_at: dt.datetime | None
    completed_by: str | None
    submitted_on: dt.date | None
    submission_reference: str
    due: dt.date | None


class DueOut(Schema):
    session: uuid.UUID
    patient: uuid.UUID
    mrn: str
    treatment_date: dt.date
    due: dt.date
    overdue: bool
    status: str


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _discharge(done: Discharge) -> dict[str, object]:
    return {
        "session": done.session.public_id,
        "at": done.at,
        "by": done.by.signature_name,
        "ready": bool(done.readiness.get("ready")),
        "unmet": list(done.readiness.get("unmet", [])),
        "override_reason": done.override_reason,
        "escort_name": done.escort_name,
        "instructions": done.instructions,
    }


def _rems(request: AuthedRequest, session: InfusionSession) -> dict[str, object]:
    session.refresh_from_db()
    data = services_rems.current_data(session, request.user)
    form = RemsForm.objects.filter(session=session).first()
    treated = data.get("treatment_date")
    return {
        "session": session.public_id,
        "form_version": data["form_version"],
        "data": {n: data.get(n) for n in (*services_rems.FIELDS, "medications_confirmed")},
        "derived": list(data.get("derived", [])),
        "problems": list(services_rems.problems(data)),
        "completed_at": form.completed_at if form else None,
        "completed_by": form.completed_by.signature_name if form and form.completed_by else None,
        "submitted_on": form.submitted_on if form else None,
        "submission_reference": form.submission_reference if form else "",
        "due": rems.submission_due(dt.date.fromisoformat(treated)) if treated else None,
    }


@router.get("/rems/due", response={200: list[DueOut], **ERRORS})
def list_rems_due(request: AuthedRequest) -> list[dict[str, object]]:
    """Esketamine sessions of the caller's sites whose REMS form is not marked submitted."""
    rows = services_rems.due_forms(request.user)
    record(
        Actor.from_request(request),
        "view",
        object_type="api",
        object_id="rems_due",
        detail={"patients": sorted({str(r.session.patient.public_id) for r in rows})},
    )
    return [
        {
            "session": r.session.public_id,
            "patient": r.session.patient.public_id,
            "mrn": r.session.patient.mrn,
            "treatment_date": r.treatment_date,
            "due": r.due,
            "overdue": r.overdue,
            "status": r.status,
        }
        for r in rows
    ]


@router.get("/{session_id}/discharge-readiness", response={200: ReadinessOut, **ERRORS})
def get_discharge_readiness(
    request: AuthedRequest, session_id: uuid.UUID, escort_present: bool = False
) -> dict[str, object]:
    session = session_for_api(request, session_id, "discharge_readiness")
    return discharge_services.readiness(session, escort_present=escort_present).as_dict()


@router.post("/{session_id}/recovery", response={200: SessionStateOut, **ERRORS})
def start_session_recovery(
    request: AuthedRequest, session_id: uuid.UUID, payload: VersionIn
) -> dict[str, object]:
    session = discharge_services.start_recovery(
        Actor.from_request(request),
        session_for_api(request, session_id),
        expected_version=payload.version,
    )
    return {"id": session.public_id, "state": session.state, "version": session.version}


@router.post("/{session_id}/discharge", response={201: DischargeOut, **ERRORS})
def discharge_session(
    request: AuthedRequest, session_id: uuid.UUID, payload: DischargeIn
) -> Status[dict[str, object]]:
    done = discharge_services.discharge(
        Actor.from_request(request),
        session_for_api(request, session_id),
        escort_present=payload.escort_present,
        escort_name=payload.escort_name,
        escort_relationship=payload.escort_relationship,
        escort_phone=payload.escort_phone,
        override_reason=payload.override_reason,
        expected_version=payload.version,
    )
    return Status(201, _discharge(done))


@router.post("/{session_id}/record", response={201: RecordOut, **ERRORS})
def draft_session_record_note(
    request: AuthedRequest, session_id: uuid.UUID
) -> Status[dict[str, object]]:
    note = services_record.draft_session_record(
        Actor.from_request(request), session_for_api(request, session_id)
    )
    out = {
        "note": note.public_id,
        "title": note.title,
        "status": note.status,
        "version": note.version,
        "body": note.body,
    }
    return Status(201, out)


@router.get("/{session_id}/record.pdf")
def get_session_record_pdf(request: AuthedRequest, session_id: uuid.UUID) -> HttpResponse:
    session = session_for_api(request, session_id, "session_record_pdf")
    return _pdf(session_record_pdf(session), f"session-record-{session.public_id}.pdf")


@router.get("/{session_id}/rems", response={200: RemsOut, **ERRORS})
def get_rems_form(request: AuthedRequest, session_id: uuid.UUID) -> dict[str, object]:
    return _rems(request, session_for_api(request, session_id, "rems_form"))


@router.put("/{session_id}/rems", response={200: RemsOut, **ERRORS})
def update_rems_form(
    request: AuthedRequest, session_id: uuid.UUID, payload: RemsIn
) -> dict[str, object]:
    session = session_for_api(request, session_id)
    services_rems.save_rems(
        Actor.from_request(request),
        session,
        payload.answers,
        medications_confirmed=payload.medications_confirmed,
    )
    return _rems(request, session)


@router.post("/{session_id}/rems/complete", response={200: RemsOut, **ERRORS})
def complete_rems_form(request: AuthedRequest, session_id: uuid.UUID) -> dict[str, object]:
    session = session_for_api(request, session_id)
    services_rems.complete_rems(Actor.from_request(request), session)
    return _rems(request, session)


@router.post("/{session_id}/rems/submitted", response={200: RemsOut, **ERRORS})
def mark_rems_submitted(
    request: AuthedRequest, session_id: uuid.UUID, payload: SubmittedIn
) -> dict[str, object]:
    session = session_for_api(request, session_id)
    services_rems.mark_submitted(
        Actor.from_request(request),
        session,
        submitted_on=payload.submitted_on,
        reference=payload.reference,
    )
    return _rems(request, session)


@router.get("/{session_id}/rems.pdf")
def get_rems_pdf(request: AuthedRequest, session_id: uuid.UUID) -> HttpResponse:
    session = session_for_api(request, session_id, "rems_pdf")
    data = services_rems.current_data(session, request.user)
    content = rems_pdf(session, data, services_rems.problems(data))
    return _pdf(content, f"rems-form-{session.public_id}.pdf")
