"""/api/v1/patients/{id}/screenings: the same services, permissions and audit as the pages.

POST a profile (the JSON of docs/clinical/eligibility.md) and get the stored screening with the
core's result; a bad profile is a 422 envelope whose field is the profile path
(`trials[2].weeks_at_dose`). Overrides are POSTed per relative finding.
"""

# No `from __future__ import annotations`: ninja's @paginate wrapper resolves the path
# parameters' annotations in its own module, where a string "uuid.UUID" means nothing.
import uuid
from datetime import date, datetime
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.patients.selectors import patient_for
from kclinic.web.screenings import services
from kclinic.web.screenings.models import EligibilityScreening, ScreeningOverride
from kclinic.web.screenings.selectors import (
    effective_status,
    screening_for,
    screenings_of,
    superseding,
)

router = Router(tags=["screenings"])


class OverrideOut(Schema):
    id: uuid.UUID
    rule: str
    reason: str
    overridden_by: str
    overridden_at: datetime

    @staticmethod
    def resolve_id(obj: ScreeningOverride) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_overridden_by(obj: ScreeningOverride) -> str:
        return obj.overridden_by.signature_name


class ScreeningOut(Schema):
    id: uuid.UUID
    screened_on: date
    performed_at: datetime
    performed_by: str
    status: str = Field(description="the core's status: blocked, override-needed, ...")
    effective_status: str = Field(
        description="after overrides: adds eligible-with-overrides; blocked stays blocked"
    )
    pending_overrides: list[str]
    trd_definition: str
    protocol: dict[str, str]
    superseded_by: uuid.UUID | None
    profile: dict[str, Any]
    result: dict[str, Any]
    overrides: list[OverrideOut]

    @staticmethod
    def resolve_id(obj: EligibilityScreening) -> uuid.UUID:
        return obj.public_id

    @staticmethod
    def resolve_performed_by(obj: EligibilityScreening) -> str:
        return obj.performed_by.signature_name

    @staticmethod
    def resolve_effective_status(obj: EligibilityScreening) -> str:
        return effective_status(obj).code

    @staticmethod
    def resolve_pending_overrides(obj: EligibilityScreening) -> list[str]:
        return list(effective_status(obj).pending)

    @staticmethod
    def resolve_protocol(obj: EligibilityScreening) -> dict[str, str]:
        return {"name": obj.protocol_name, "version": obj.protocol_version}

    @staticmethod
    def resolve_superseded_by(obj: EligibilityScreening) -> uuid.UUID | None:
        newer = superseding(obj)
        return newer.public_id if newer else None

    @staticmethod
    def resolve_overrides(obj: EligibilityScreening) -> list[ScreeningOverride]:
        return list(obj.overrides.all())


class ScreeningIn(Schema):
    profile: dict[str, Any] = Field(
        description="eligibility profile (docs/clinical/eligibility.md)"
    )
    screened_on: date | None = Field(None, description="default: today (clinic time zone)")
    trd_definition: str | None = Field(None, description="default: two-adequate-current-episode")


class OverrideIn(Schema):
    rule: str = Field(description="id of a relative finding of the screening")
    reason: str = Field(description="at least 20 characters")


def _audit_view(request: AuthedRequest, patient_id: uuid.UUID, what: str) -> None:
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient_id,
        object_type="api",
        object_id=what,
    )


@router.get("/{patient_id}/screenings", response=list[ScreeningOut])
@paginate(LimitOffsetPagination)
def list_screenings(request: AuthedRequest, patient_id: uuid.UUID) -> Any:
    patient = patient_for(request.user, patient_id)
    screenings = screenings_of(request.user, patient)
    _audit_view(request, patient.public_id, "screenings")
    return screenings


@router.get("/{patient_id}/screenings/{screening_id}", response=ScreeningOut)
def get_screening(
    request: AuthedRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> EligibilityScreening:
    patient = patient_for(request.user, patient_id)
    screening = screening_for(request.user, patient, screening_id)
    _audit_view(request, patient.public_id, f"screening:{screening.public_id}")
    return screening


@router.post("/{patient_id}/screenings", response={201: ScreeningOut})
def create_screening(
    request: AuthedRequest, patient_id: uuid.UUID, payload: ScreeningIn
) -> Status[EligibilityScreening]:
    patient = patient_for(request.user, patient_id)
    screening = services.perform_screening(
        Actor.from_request(request),
        patient,
        payload.profile,
        screened_on=payload.screened_on,
        trd_definition=payload.trd_definition,
    )
    return Status(201, screening)


@router.post("/{patient_id}/screenings/{screening_id}/overrides", response={201: OverrideOut})
def override_screening(
    request: AuthedRequest, patient_id: uuid.UUID, screening_id: uuid.UUID, payload: OverrideIn
) -> Status[ScreeningOverride]:
    patient = patient_for(request.user, patient_id)
    screening = screening_for(request.user, patient, screening_id)
    override = services.override_finding(
        Actor.from_request(request), screening, payload.rule, payload.reason
    )
    return Status(201, override)
