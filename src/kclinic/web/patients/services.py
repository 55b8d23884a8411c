"""Every write about a patient: permission check, validation, one transaction, audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from kclinic.domain.dosing_limits import DEFAULT_PROTOCOL, plausible
from kclinic.domain.errors import KclinicError, ValidationError
from kclinic.web.accounts.models import Site
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import (
    Allergy,
    BodyMeasurement,
    Diagnosis,
    Medication,
    Patient,
    Sex,
)


class ConflictError(KclinicError):
    """The record changed since the editor loaded it; nothing was written. (A KclinicError,
    so views show it like any other refusal; the API answers 409.)"""


@dataclass(frozen=True)
class Demographics:
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

    def check(self, today: date) -> None:
        for field in ("mrn", "given_name", "family_name"):
            if not getattr(self, field).strip():
                raise ValidationError(field, getattr(self, field), "a non-empty value")
        if not (date(1900, 1, 1) <= self.date_of_birth <= today):
            raise ValidationError(
                "date_of_birth", self.date_of_birth.isoformat(), f"1900-01-01 to {today}"
            )
        if self.sex not in Sex.values:
            raise ValidationError("sex", self.sex, ", ".join(Sex.values))


def register_patient(actor: Actor, site: Site, data: Demographics) -> Patient:
    user = actor.signed_in()
    require(user, Action.REGISTER_PATIENT, site)
    data.check(timezone.localdate())
    with transaction.atomic():
        if Patient.objects.filter(clinic=site.clinic, mrn=data.mrn.strip()).exists():
            raise ValidationError("mrn", data.mrn, "an MRN not already used in this clinic")
        patient = Patient.objects.create(
            clinic=site.clinic, site=site, created_by=user, **_fields(data)
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="patient",
            object_id=patient.public_id,
        )
    return patient


def update_demographics(
    actor: Actor, patient: Patient, data: Demographics, expected_version: int
) -> Patient:
    user = actor.signed_in()
    require(user, Action.EDIT_DEMOGRAPHICS, patient.site)
    data.check(timezone.localdate())
    with transaction.atomic():
        changed = Patient.objects.filter(pk=patient.pk, version=expected_version).update(
            version=expected_version + 1, **_fields(data)
        )
        if not changed:
            raise ConflictError(
                "this patient was changed by someone else since you opened the form; "
                "reload to see their change"
            )
        before = {k: str(getattr(patient, k)) for k in _fields(data)}
        patient.refresh_from_db()
        after = {k: str(getattr(patient, k)) for k in _fields(data)}
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        record(
            actor,
            "update",
            patient_public_id=patient.public_id,
            object_type="patient",
            object_id=patient.public_id,
            detail={"changed": changes},
        )
    return patient


def _fields(data: Demographics) -> dict[str, object]:
    return {
        "mrn": data.mrn.strip(),
        "given_name": data.given_name.strip(),
        "family_name": data.family_name.strip(),
        "date_of_birth": data.date_of_birth,
        "sex": data.sex,
        "phone": data.phone.strip(),
        "email": data.email.strip(),
        "address": data.address.strip(),
        "escort_name": data.escort_name.strip(),
        "escort_phone": data.escort_phone.strip(),
    }


def record_measurement(
    actor: Actor,
    patient: Patient,
    weight_kg: Decimal | str,
    height_cm: Decimal | str | None = None,
    measured_at: datetime | None = None,
) -> BodyMeasurement:
    """Record weight (and height); ranges are the core's plausibility limits."""
    user = actor.signed_in()
    require(user, Action.RECORD_CLINICAL_DATA, patient.site)
    limits = DEFAULT_PROTOCOL.patient
    weight = plausible(weight_kg, limits.weight_kg, "weight_kg")
    height = (
        None
        if height_cm is None or height_cm == ""
        else plausible(height_cm, limits.height_cm, "height_cm")
    )
    with transaction.atomic():
        measurement = BodyMeasurement.objects.create(
            patient=patient,
            measured_at=measured_at or timezone.now(),
            weight_kg=weight,
            height_cm=height,
            recorded_by=user,
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="measurement",
            object_id=measurement.public_id,
            detail={"weight_kg": str(weight), "height_cm": str(height) if height else None},
        )
    return measurement


def add_allergy(actor: Actor, patient: Patient, substance: str, reaction: str = "") -> Allergy:
    return _add_fact(actor, patient, Allergy, "allergy", substance=substance, reaction=reaction)


def add_medication(actor: Actor, patient: Patient, name: str, dose: str = "") -> Medication:
    return _add_fact(actor, patient, Medication, "medication", name=name, dose=dose)


def add_diagnosis(actor: Actor, patient: Patient, icd10: str, description: str) -> Diagnosis:
    code = icd10.strip().upper()
    if not code or not code[0].isalpha() or len(code) > 8:
        raise ValidationError("icd10", icd10, "an ICD-10-CM code such as F33.2")
    return _add_fact(actor, patient, Diagnosis, "diagnosis", icd10=code, description=description)


Fact = TypeVar("Fact", Allergy, Medication, Diagnosis)


def _add_fact(actor: Actor, patient: Patient, model: type[Fact], kind: str, **values: str) -> Fact:
    user = actor.signed_in()
    require(user, Action.RECORD_CLINICAL_DATA, patient.site)
    first = next(iter(values))
    if not str(values[first]).strip():
        raise ValidationError(first, values[first], "a non-empty value")
    with transaction.atomic():
        fact = model.objects.create(
            patient=patient, recorded_by=user, **{k: str(v).strip() for k, v in values.items()}
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type=kind,
            object_id=fact.public_id,
            detail={k: str(v) for k, v in values.items()},
        )
    return fact


def inactivate(actor: Actor, fact: Allergy | Medication | Diagnosis, reason: str) -> None:
    """Mark a recorded fact no longer true. It stays in the record with who, when and why."""
    user = actor.signed_in()
    require(user, Action.RECORD_CLINICAL_DATA, fact.patient.site)
    if not reason.strip():
        raise ValidationError("reason", reason, "a reason for the change")
    with transaction.atomic():
        type(fact).objects.filter(pk=fact.pk).update(
            active=False, inactivated_at=timezone.now(), inactivated_reason=reason.strip()
        )
        record(
            actor,
            "inactivate",
            patient_public_id=fact.patient.public_id,
            object_type=type(fact).__name__.lower(),
            object_id=fact.public_id,
            detail={"reason": reason.strip()},
        )
