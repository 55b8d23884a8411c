"""Notes pages: the list, one note with its addenda, new note, edit draft, sign (password),
add a signed addendum (password), and marking a draft entered in error."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.notes import services
from kclinic.web.notes.forms import AddendumForm, EnteredInErrorForm, NoteForm, SignForm
from kclinic.web.notes.models import ClinicalNote
from kclinic.web.notes.selectors import (
    addenda_of,
    note_of,
    notes_of,
    readable_patient,
    rights,
    with_check,
)
from kclinic.web.notes.signing import ReauthenticationError, signature_intact
from kclinic.web.patients.models import Patient


def _page(
    request: AuthedRequest, patient_id: uuid.UUID, page: str, note_id: uuid.UUID | None = None
) -> tuple[Patient, ClinicalNote | None, dict[str, Any]]:
    """Patient (404/403), note (404), banner context; a GET writes a `view` audit row naming
    the note when there is one."""
    patient = readable_patient(request.user, patient_id)
    note = note_of(patient, note_id) if note_id else None
    _, context = patient_page(request, patient_id, "notes", audit=False)
    if request.method == "GET":
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=patient.public_id,
            object_type="note" if note else "page",
            object_id=note.public_id if note else page,
            detail={"page": page},
        )
    context.update({"note": note, "time_zone": timezone.get_current_timezone_name()})
    return patient, note, context


def _to_note(note: ClinicalNote) -> HttpResponse:
    return redirect("notes:detail", note.patient.public_id, note.public_id)


def _closed(request: AuthedRequest, note: ClinicalNote) -> HttpResponse:
    note.refresh_from_db()
    if note.is_signed:
        messages.error(request, "This note is signed and locked; add an addendum instead.")
    else:
        messages.error(request, "This draft was entered in error and can no longer change.")
    return _to_note(note)


def _not_own_draft(
    request: AuthedRequest, note: ClinicalNote, action: Action, doing: str
) -> HttpResponse | None:
    """403 for roles that may not write notes at all; a clinician who is not the author is
    sent back to the note with the reason (the service refuses them too)."""
    require(request.user, action, note.patient.site)
    if note.author_id != request.user.pk:
        messages.error(
            request,
            f"Only the author ({note.author.signature_name}) can {doing} this draft.",
        )
        return _to_note(note)
    return None


@login_required
def note_list(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, _, context = _page(request, patient_id, "notes")
    context.update(
        {
            "notes": notes_of(patient),
            "can_write": allowed(request.user, Action.WRITE_NOTE, patient.site),
        }
    )
    return render(request, "notes/list.html", context)


@login_required
def note_new(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, _, context = _page(request, patient_id, "note_new")
    require(request.user, Action.WRITE_NOTE, patient.site)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = services.create_note(
                Actor.from_request(request),
                patient,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Draft saved. Sign it when it is complete.")
            return _to_note(note)
    context.update({"form": form, "heading": "New note"})
    return render(request, "notes/form.html", context)


@login_required
def note_detail(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    _, note, context = _page(request, patient_id, "note", note_id)
    assert note is not None
    context.update(
        {
            "intact": signature_intact(note),
            "addenda": with_check(addenda_of(note)),
            "rights": rights(request.user, note),
        }
    )
    return render(request, "notes/detail.html", context)


@login_required
def note_edit(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    _, note, context = _page(request, patient_id, "note_edit", note_id)
    assert note is not None
    if note.status != "draft":
        return _closed(request, note)
    if refused := _not_own_draft(request, note, Action.WRITE_NOTE, "edit"):
        return refused
    initial = {"kind": note.kind, "title": note.title, "body": note.body, "version": note.version}
    form = NoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_draft(
                Actor.from_request(request),
                note,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                expected_version=data["version"] or 0,
            )
        except services.LockedError:
            return _closed(request, note)
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Draft saved.")
            return _to_note(note)
    context.update({"form": form, "heading": "Edit draft"})
    return render(request, "notes/form.html", context)


@login_required
def note_sign(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    _, note, context = _page(request, patient_id, "note_sign", note_id)
    assert note is not None
    if note.status != "draft":
        return _closed(request, note)
    if refused := _not_own_draft(request, note, Action.SIGN_NOTE, "sign"):
        return refused
    form = SignForm(request.POST or None, initial={"version": note.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sign_note(
                Actor.from_request(request),
                note,
                password=data["password"],
                meaning=data["meaning"],
                expected_version=data["version"],
                request=request,
            )
        except ReauthenticationError as error:
            if error.locked:
                return _locked_out(request, str(error))
            attach_error(form, error)
        except services.LockedError:
            return _closed(request, note)
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Note signed and locked.")
            return _to_note(note)
    context["form"] = form
    return render(request, "notes/sign.html", context)


def _locked_out(request: AuthedRequest, message: str) -> HttpResponse:
    # Repeated wrong passwords on an open session: end the session as well as the signing.
    logout(request)
    messages.error(request, f"Signed out. {message}")
    return redirect("accounts:login")


@login_required
def addendum_new(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    _, note, context = _page(request, patient_id, "addendum_new", note_id)
    assert note is not None
    if not note.is_signed:
        messages.error(request, "Addenda are added to signed notes; edit the draft instead.")
        return _to_note(note)
    if not rights(request.user, note).add_addendum:
        raise PermissionDenied("add_addendum is not permitted for this user here")
    form = AddendumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_addendum(
                Actor.from_request(request),
                note,
                body=data["body"],
                meaning=data["meaning"],
                password=data["password"],
                request=request,
            )
        except ReauthenticationError as error:
            if error.locked:
                return _locked_out(request, str(error))
            attach_error(form, error)
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Addendum signed and added.")
            return _to_note(note)
    context.update({"form": form, "intact": signature_intact(note)})
    return render(request, "notes/addendum.html", context)


@login_required
def note_discard(request: AuthedRequest, patient_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    _, note, context = _page(request, patient_id, "note_discard", note_id)
    assert note is not None
    if note.status != "draft":
        return _closed(request, note)
    if refused := _not_own_draft(request, note, Action.WRITE_NOTE, "mark entered in error"):
        return refused
    form = EnteredInErrorForm(request.POST or None, initial={"version": note.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.enter_in_error(
                Actor.from_request(request),
                note,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.LockedError:
            return _closed(request, note)
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Draft marked entered in error. It stays in the record.")
            return _to_note(note)
    context["form"] = form
    return render(request, "notes/discard.html", context)
