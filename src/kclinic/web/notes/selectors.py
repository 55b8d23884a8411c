"""Reads of notes. Clinical detail needs Action.VIEW_CLINICAL at the patient's site; staff of
another site get 404 from `patient_for` before that, so they learn nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.notes.models import Addendum, ClinicalNote
from kclinic.web.notes.signing import signature_intact
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for


def readable_patient(user: User, patient_id: uuid.UUID) -> Patient:
    """The patient whose notes the user may read: 404 if not visible, 403 without
    VIEW_CLINICAL (front desk)."""
    patient = patient_for(user, patient_id)
    require(user, Action.VIEW_CLINICAL, patient.site)
    return patient


def notes_of(patient: Patient) -> QuerySet[ClinicalNote]:
    return (
        ClinicalNote.objects.filter(patient=patient)
        .select_related("patient", "author", "signed_by", "entered_in_error_by")
        .annotate(addenda_count=Count("addenda"))
        .order_by("-created_at", "-id")
    )


def note_of(patient: Patient, note_id: uuid.UUID) -> ClinicalNote:
    note = notes_of(patient).filter(public_id=note_id).first()
    if note is None:
        raise Http404("No such note for this patient")
    return note


def readable_note(user: User, note_id: uuid.UUID) -> ClinicalNote:
    """A note by id alone (the API): 404 unless its patient is visible, 403 without
    VIEW_CLINICAL."""
    patient_id = (
        ClinicalNote.objects.filter(public_id=note_id)
        .values_list("patient__public_id", flat=True)
        .first()
    )
    if patient_id is None:
        raise Http404("No such note")
    return note_of(readable_patient(user, patient_id), note_id)


def addenda_of(note: ClinicalNote) -> QuerySet[Addendum]:
    return note.addenda.select_related("note__patient", "author", "signed_by").order_by(
        "signed_at", "id"
    )


@dataclass(frozen=True)
class Signed:
    """A record with the result of re-checking its content hash."""

    record: ClinicalNote | Addendum
    intact: bool | None


def with_check(records: QuerySet[Addendum]) -> list[Signed]:
    return [Signed(r, signature_intact(r)) for r in records]


@dataclass(frozen=True)
class NoteRights:
    """What the user may do with a note; drives which buttons a page shows."""

    edit: bool
    sign: bool
    add_addendum: bool


def rights(user: User, note: ClinicalNote) -> NoteRights:
    site = note.patient.site
    own_draft = note.status == "draft" and note.author_id == user.pk
    return NoteRights(
        edit=own_draft and allowed(user, Action.WRITE_NOTE, site),
        sign=own_draft and allowed(user, Action.SIGN_NOTE, site),
        add_addendum=note.is_signed
        and allowed(user, Action.WRITE_NOTE, site)
        and allowed(user, Action.SIGN_NOTE, site),
    )
