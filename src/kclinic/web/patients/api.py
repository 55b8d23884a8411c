"""/api/v1/patients: the same services, permissions and audit as the pages."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.patients import services
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for, search

router = Router(tags=["patients"])


class PatientOut(Schema):
    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    site: str
    version: int

    @staticmethod
    def resolve_id(obj: Patient) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_site(obj: Patient) -> str:
        return obj.site.code


class PatientIn(Schema):
    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    phone: str = ""
    email: str = ""
    address: str = ""
    escort_name: str = ""
    escort_phone: str = ""
    site: str | None = None


class MeasurementIn(Schema):
    weight_kg: Decimal
    height_cm: Decimal | None = None


@router.get("/", response=list[PatientOut])
@paginate(LimitOffsetPagination)
def list_patients(request: AuthedRequest, q: str = "") -> object:
    if not allowed(request.user, Action.VIEW_PATIENT):
        raise PermissionDenied("view_patient is not permitted for this user")
    record(
        Actor.from_request(request),
        "search",
        object_type="api",
        object_id="patients",
        detail={"query": q},
    )
    return search(request.user, q)


@router.get("/{patient_id}", response=PatientOut)
def get_patient(request: AuthedRequest, patient_id: uuid.UUID) -> Patient:
    patient = patient_for(request.user, patient_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="patient",
    )
    return patient


@router.post("/", response={201: PatientOut})
def create_patient(request: AuthedRequest, payload: PatientIn) -> Status[Patient]:
    user = request.user
    sites = user.sites.all()
    site = sites.filter(code=payload.site).first() if payload.site else sites.first()
    if site is None:
        raise PermissionDenied("register_patient is not permitted at that site")
    data = services.Demographics(**payload.dict(exclude={"site"}))
    return Status(201, services.register_patient(Actor.from_request(request), site, data))


@router.post("/{patient_id}/measurements", response={201: dict})
def add_measurement(
    request: AuthedRequest, patient_id: uuid.UUID, payload: MeasurementIn
) -> Status[dict[str, object]]:
    patient = patient_for(request.user, patient_id)
    m = services.record_measurement(
        Actor.from_request(request), patient, payload.weight_kg, payload.height_cm
    )
    return Status(
        201,
        {
            "id": str(m.public_id),
            "weight_kg": str(m.weight_kg),
            "height_cm": None if m.height_cm is None else str(m.height_cm),
        },
    )
