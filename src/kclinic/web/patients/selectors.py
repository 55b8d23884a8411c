"""Reads about patients, always limited to the sites the user belongs to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.patients.models import BodyMeasurement, Patient


def visible_patients(user: User) -> QuerySet[Patient]:
    """Patients of the user's sites, if the role may see patients at all; else none."""
    if not allowed(user, Action.VIEW_PATIENT):
        return Patient.objects.none()
    return Patient.objects.filter(site__in=user.sites.all()).select_related("site")


def search(user: User, query: str = "") -> QuerySet[Patient]:
    patients = visible_patients(user)
    for word in query.split():
        patients = patients.filter(
            Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(mrn__icontains=word)
        )
    return patients.order_by("family_name", "given_name")


def patient_for(user: User, public_id: uuid.UUID) -> Patient:
    """The patient, or 404 when it does not exist or the user may not see it (no hint which)."""
    patient = visible_patients(user).filter(public_id=public_id).first()
    if patient is None:
        raise Http404("No such patient")
    return patient


@dataclass(frozen=True)
class Banner:
    """What every screen about a patient shows so no one acts on the wrong patient."""

    patient: Patient
    age: int
    allergies: tuple[str, ...]
    allergies_recorded: bool
    weight: BodyMeasurement | None
    height_cm: object
    open_safety_tasks: int


def banner(patient: Patient, today: date, *, show_clinical: bool = True) -> Banner:
    """The banner. Allergies always show (safety); the open safety-task count only to roles
    that may see clinical detail."""
    from kclinic.web.tasks.selectors import open_safety_task_count

    allergies = patient.allergies.all()
    latest = patient.measurements.first()
    height = (
        patient.measurements.exclude(height_cm=None).values_list("height_cm", flat=True).first()
    )
    return Banner(
        patient=patient,
        age=patient.age_on(today),
        allergies=tuple(
            f"{a.substance} ({a.reaction})" if a.reaction else a.substance
            for a in allergies
            if a.active
        ),
        allergies_recorded=allergies.exists(),
        weight=latest,
        height_cm=height,
        open_safety_tasks=open_safety_task_count(patient) if show_clinical else 0,
    )
