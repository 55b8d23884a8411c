"""/api/v1/patients/{patient_id}/notes: the same services, permissions and audit as the pages.

A change refused because the note is signed (or the draft entered in error) answers 409 with
code "locked"; a draft that moved on from the version sent answers 409 with code "conflict".
A wrong signing password is a 422 naming the `password` field; a locked-out account is 429.
"""

# No `from __future__ import annotations`: django-ninja reads the endpoint signatures at
# import time, through the pagination decorator, and needs real types there.
import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.notes import services
from kclinic.web.notes.models import Addendum, ClinicalNote
from kclinic.web.notes.selectors import addenda_of, note_of, notes_of, readable_patient
from kclinic.web.notes.signing import ReauthenticationError, signature_intact
from kclinic.web.patients.selectors import patient_for

router = Router(tags=["notes"])


class SignatureOut(Schema):
    signed_at: datetime
    signed_by: uuid.UUID
    signed_name: str
    meaning: str
    meaning_text: str
    content_hash: str
    verified: bool


class EnteredInErrorOut(Schema):
    at: datetime
    by: uuid.UUID
    reason: str


class AddendumOut(Schema):
    id: uuid.UUID
    body: str
    author: uuid.UUID
    created_at: datetime
    signature: SignatureOut

    @staticmethod
    def resolve_id(obj: Addendum) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_author(obj: Addendum) -> uuid.UUID:
        return obj.author.public_id

    @staticmethod
    def resolve_signature(obj: Addendum) -> dict[str, object] | None:
        return _signature(obj)


class NoteOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    kind: str
    title: str
    body: str
    author: uuid.UUID
    author_name: str
    created_at: datetime
    updated_at: datetime
    version: int
    status: str
    signature: SignatureOut | None
    entered_in_error: EnteredInErrorOut | None
    addenda: list[AddendumOut]

    @staticmethod
    def resolve_id(obj: ClinicalNote) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_patient(obj: ClinicalNote) -> uuid.UUID:
        return obj.patient.public_id

    @staticmethod
    def resolve_author(obj: ClinicalNote) -> uuid.UUID:
        return obj.author.public_id

    @staticmethod
    def resolve_author_name(obj: ClinicalNote) -> str:
        return obj.author.signature_name

    @staticmethod
    def resolve_signature(obj: ClinicalNote) -> dict[str, object] | None:
        return _signature(obj)

    @staticmethod
    def resolve_entered_in_error(obj: ClinicalNote) -> dict[str, object] | None:
        if obj.entered_in_error_at is None or obj.entered_in_error_by is None:
            return None
        return {
            "at": obj.entered_in_error_at,
            "by": obj.entered_in_error_by.public_id,
            "reason": obj.entered_in_error_reason,
        }

    @staticmethod
    def resolve_addenda(obj: ClinicalNote) -> list[Addendum]:
        return list(addenda_of(obj))


class NoteIn(Schema):
    kind: str
    title: str
    body: str = ""


class DraftIn(Schema):
    kind: str
    title: str
    body: str = ""
    version: int


class SignIn(Schema):
    password: str
    meaning: str = "author"
    version: int


class AddendumIn(Schema):
    body: str
    meaning: str = "addendum_author"
    password: str


class EnterInErrorIn(Schema):
    reason: str
    version: int


class ErrorBody(Schema):
    code: str
    message: str
    fields: list[dict[str, object]]


class ErrorOut(Schema):
    error: ErrorBody


def _signature(record: ClinicalNote | Addendum) -> dict[str, object] | None:
    if record.signed_at is None or record.signed_by is None:
        return None
    return {
        "signed_at": record.signed_at,
        "signed_by": record.signed_by.public_id,
        "signed_name": record.signed_name,
        "meaning": record.signature_meaning,
        "meaning_text": record.get_signature_meaning_display(),
        "content_hash": record.content_hash,
        "verified": bool(signature_intact(record)),
    }


def _error(code: str, message: str, field: str | None = None) -> dict[str, object]:
    fields = [{"field": field, "message": message}] if field else []
    return {"error": {"code": code, "message": message, "fields": fields}}


def _refused(error: Exception) -> Status[Any]:
    if isinstance(error, services.ConflictError):
        return Status(409, _error("conflict", str(error), "version"))
    return Status(409, _error("locked", str(error)))


def _note(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> ClinicalNote:
    return note_of(readable_patient(request.user, patient_id), note_id)


@router.get("/{patient_id}/notes", response=list[NoteOut])
@paginate(LimitOffsetPagination)
def list_notes(request: AuthedRequest, patient_id: uuid.UUID) -> QuerySet[ClinicalNote]:
    patient = readable_patient(request.user, patient_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="notes",
    )
    return notes_of(patient)


@router.post("/{patient_id}/notes", response={201: NoteOut})
def create_note(
    request: AuthedRequest, patient_id: uuid.UUID, payload: NoteIn
) -> Status[ClinicalNote]:
    patient = patient_for(request.user, patient_id)
    note = services.create_note(
        Actor.from_request(request),
        patient,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
    )
    return Status(201, note_of(patient, note.public_id))


@router.get("/{patient_id}/notes/{note_id}", response=NoteOut)
def get_note(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> ClinicalNote:
    note = _note(request, patient_id, note_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=note.patient.public_id,
        object_type="api",
        object_id=f"note {note.public_id}",
    )
    return note


@router.put("/{patient_id}/notes/{note_id}", response={200: NoteOut, 409: ErrorOut})
def update_note(
    request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID, payload: DraftIn
) -> Status[Any]:
    note = _note(request, patient_id, note_id)
    try:
        services.update_draft(
            Actor.from_request(request),
            note,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            expected_version=payload.version,
        )
    except (services.LockedError, services.ConflictError) as error:
        return _refused(error)
    return Status(200, _note(request, patient_id, note_id))


@router.post(
    "/{patient_id}/notes/{note_id}/sign", response={200: NoteOut, 409: ErrorOut, 429: ErrorOut}
)
def sign_note(
    request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID, payload: SignIn
) -> Status[Any]:
    note = _note(request, patient_id, note_id)
    try:
        services.sign_note(
            Actor.from_request(request),
            note,
            password=payload.password,
            meaning=payload.meaning,
            expected_version=payload.version,
            request=request,
        )
    except ReauthenticationError as error:
        if not error.locked:
            raise
        return Status(429, _error("locked_out", str(error), "password"))
    except (services.LockedError, services.ConflictError) as error:
        return _refused(error)
    return Status(200, _note(request, patient_id, note_id))


@router.post(
    "/{patient_id}/notes/{note_id}/addenda",
    response={201: NoteOut, 409: ErrorOut, 429: ErrorOut},
)
def add_addendum(
    request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID, payload: AddendumIn
) -> Status[Any]:
    note = _note(request, patient_id, note_id)
    try:
        services.add_addendum(
            Actor.from_request(request),
            note,
            body=payload.body,
            meaning=payload.meaning,
            password=payload.password,
            request=request,
        )
    except ReauthenticationError as error:
        if not error.locked:
            raise
        return Status(429, _error("locked_out", str(error), "password"))
    return Status(201, _note(request, patient_id, note_id))


@router.post(
    "/{patient_id}/notes/{note_id}/entered-in-error", response={200: NoteOut, 409: ErrorOut}
)
def enter_note_in_error(
    request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID, payload: EnterInErrorIn
) -> Status[Any]:
    note = _note(request, patient_id, note_id)
    try:
        services.enter_in_error(
            Actor.from_request(request),
            note,
            reason=payload.reason,
            expected_version=payload.version,
        )
    except (services.LockedError, services.ConflictError) as error:
        return _refused(error)
    return Status(200, _note(request, patient_id, note_id))
