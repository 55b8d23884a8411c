"""Clinical notes through the services: drafts, version checks, sign-and-lock with
re-authentication, addenda, entered in error, content hash, permissions and audit."""

from __future__ import annotations

import hashlib

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.notes import services
from kclinic.web.notes.models import Addendum, ClinicalNote
from kclinic.web.notes.selectors import readable_note, readable_patient
from kclinic.web.notes.signing import ReauthenticationError, signature_intact
from tests.web.factories import PASSWORD
from tests.web.test_notes_support import BODY, draft, signed, signing_request


def _sign(user, note, password=PASSWORD, version=None, request=None):
    return services.sign_note(
        Actor(user),
        note,
        password=password,
        meaning="author",
        expected_version=note.version if version is None else version,
        request=request or signing_request(),
    )


def _addendum(user, note, body="Patient phoned at 18:00: no headache.", password=PASSWORD):
    return services.add_addendum(
        Actor(user),
        note,
        body=body,
        meaning="addendum_author",
        password=password,
        request=signing_request(),
    )


# drafts ------------------------------------------------------------------------------------


def test_a_nurse_writes_a_draft_and_the_creation_is_audited(clinic):
    note = draft(clinic.nurse, clinic.patient, title="  Infusion   3 ")
    assert (note.status, note.version, note.author, note.title) == (
        "draft",
        1,
        clinic.nurse,
        "Infusion 3",
    )
    event = AuditEvent.objects.get(action="create", object_type="note")
    assert (event.object_id, event.patient_public_id, event.username) == (
        str(note.public_id),
        clinic.patient.public_id,
        "nurse_kim",
    )


def test_bad_draft_fields_name_the_field_and_write_nothing(clinic):
    actor = Actor(clinic.nurse)
    with pytest.raises(ValidationError, match=r"^kind: 'letter' is not allowed; allowed: progress"):
        services.create_note(actor, clinic.patient, kind="letter", title="T", body="")
    with pytest.raises(ValidationError, match=r"^title: '   ' .*1 to 200 characters"):
        services.create_note(actor, clinic.patient, kind="progress", title="   ", body="")
    with pytest.raises(ValidationError, match=r"^body: 'text of 20001 characters'.*at most 20000"):
        services.create_note(actor, clinic.patient, kind="progress", title="T", body="x" * 20001)
    assert not ClinicalNote.objects.exists()
    assert not AuditEvent.objects.filter(object_type="note").exists()


def test_the_author_edits_a_draft_and_the_version_moves_on(clinic):
    note = draft(clinic.nurse, clinic.patient)
    services.update_draft(
        Actor(clinic.nurse),
        note,
        kind="session",
        title="Infusion 3",
        body="New text\r\nline 2",
        expected_version=1,
    )
    assert (note.version, note.body) == (2, "New text\nline 2")
    event = AuditEvent.objects.get(action="update", object_type="note")
    assert event.detail == {"version": 2, "changed": ["body"]}


def test_a_concurrent_draft_edit_is_refused_and_nothing_is_overwritten(clinic):
    note = draft(clinic.nurse, clinic.patient)
    tablet = ClinicalNote.objects.get(pk=note.pk)  # the same draft open on a second device
    desk = ClinicalNote.objects.get(pk=note.pk)
    services.update_draft(
        Actor(clinic.nurse),
        tablet,
        kind="session",
        title="Infusion 3",
        body="from the tablet",
        expected_version=1,
    )
    with pytest.raises(
        services.ConflictError, match=r"you started from version 1; it is now version 2"
    ):
        services.update_draft(
            Actor(clinic.nurse),
            desk,
            kind="session",
            title="Infusion 3",
            body="from the desk",
            expected_version=1,
        )
    stored = ClinicalNote.objects.get(pk=note.pk)
    assert (stored.body, stored.version) == ("from the tablet", 2)
    assert AuditEvent.objects.filter(action="update").count() == 1


def test_only_the_author_edits_signs_or_discards_a_draft(clinic):
    note = draft(clinic.nurse, clinic.patient)
    other = Actor(clinic.prescriber)
    with pytest.raises(PermissionDenied, match="only the author"):
        services.update_draft(other, note, kind="session", title="x", body="", expected_version=1)
    with pytest.raises(PermissionDenied, match="only the author"):
        _sign(clinic.prescriber, note)
    with pytest.raises(PermissionDenied, match="only the author"):
        services.enter_in_error(other, note, reason="duplicate", expected_version=1)
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"


def test_a_draft_in_error_is_kept_struck_out_and_can_no_longer_change(clinic):
    note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(ValidationError, match=r"^reason: 'oops'.*5 to 300 characters"):
        services.enter_in_error(Actor(clinic.nurse), note, reason="oops", expected_version=1)
    services.enter_in_error(
        Actor(clinic.nurse), note, reason="written on the wrong patient", expected_version=1
    )
    note = ClinicalNote.objects.get(pk=note.pk)
    assert (note.status, note.entered_in_error_by, note.entered_in_error_reason) == (
        "entered_in_error",
        clinic.nurse,
        "written on the wrong patient",
    )
    with pytest.raises(services.LockedError, match="entered in error"):
        services.update_draft(
            Actor(clinic.nurse), note, kind="session", title="x", body="", expected_version=2
        )
    with pytest.raises(services.LockedError, match="entered in error"):
        _sign(clinic.nurse, note)
    assert AuditEvent.objects.get(action="enter_in_error").detail == {
        "reason": "written on the wrong patient"
    }


# signing -----------------------------------------------------------------------------------


def test_signing_records_time_name_meaning_and_a_verifiable_hash(clinic):
    note = draft(clinic.prescriber, clinic.patient)
    _sign(clinic.prescriber, note)
    note = ClinicalNote.objects.select_related("patient", "signed_by").get(pk=note.pk)
    user = clinic.prescriber
    assert note.signed_by == user
    assert note.signed_name == f"{user.first_name} {user.last_name}, RN"
    assert note.signed_at.microsecond == 0
    assert note.signature_meaning == "author"
    # The documented canonical form (docs/notes.md), written out by hand: sorted keys, no
    # spaces, UTC to the second.
    canonical = (
        f'{{"body":"{BODY}","id":"{note.public_id}","kind":"session","meaning":"author",'
        f'"patient":"{clinic.patient.public_id}","record":"clinical_note",'
        f'"signed_at":"{note.signed_at.strftime("%Y-%m-%dT%H:%M:%S")}+00:00",'
        f'"signed_name":"{note.signed_name}","signer":"{user.public_id}","title":"Infusion 3"}}'
    )
    assert note.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert signature_intact(note) is True
    event = AuditEvent.objects.get(action="sign")
    assert event.detail["content_hash"] == note.content_hash


def test_signing_with_a_wrong_password_is_refused_audited_and_counted(clinic):
    note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(ReauthenticationError) as refused:
        _sign(clinic.nurse, note, password="not my password")
    error = refused.value
    assert (error.field, error.locked) == ("password", False)
    assert str(error).startswith("password: not accepted")
    assert "not my password" not in str(error)
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    attempt = AccessAttempt.objects.get(username="nurse_kim")
    assert attempt.failures_since_start == 1
    refusal = AuditEvent.objects.get(action="sign_refused")
    assert (refusal.object_id, refusal.detail["reason"]) == (
        str(note.public_id),
        "password not accepted",
    )
    assert not AuditEvent.objects.filter(action="sign").exists()


def test_a_blank_password_is_refused_without_counting(clinic):
    note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(ReauthenticationError, match=r"^password: enter your own"):
        _sign(clinic.nurse, note, password="")
    assert not AccessAttempt.objects.exists()


def test_repeated_wrong_passwords_lock_the_account_for_signing_and_sign_in(clinic, settings):
    note = draft(clinic.nurse, clinic.patient)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        with pytest.raises(ReauthenticationError) as refused:
            _sign(clinic.nurse, note, password="wrong")
        assert not refused.value.locked
    with pytest.raises(ReauthenticationError) as refused:
        _sign(clinic.nurse, note, password="wrong")
    assert refused.value.locked
    # Locked: even the right password signs nothing, and the sign-in page refuses too.
    with pytest.raises(ReauthenticationError, match="locked"):
        _sign(clinic.nurse, note)
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    login = Client(REMOTE_ADDR="10.0.0.7").post(
        "/accounts/login/", {"username": "nurse_kim", "password": PASSWORD}
    )
    assert login.status_code == 429


def test_signing_a_stale_version_is_refused_before_the_password_is_tried(clinic):
    note = draft(clinic.nurse, clinic.patient)
    services.update_draft(
        Actor(clinic.nurse),
        note,
        kind="session",
        title="Infusion 3",
        body="changed",
        expected_version=1,
    )
    with pytest.raises(services.ConflictError):
        _sign(clinic.nurse, note, password="wrong", version=1)
    assert not AccessAttempt.objects.exists()
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"


def test_a_blank_draft_cannot_be_signed(clinic):
    note = draft(clinic.nurse, clinic.patient, body="   ")
    with pytest.raises(ValidationError, match=r"^body: ''"):
        _sign(clinic.nurse, note)


def test_the_meaning_must_be_one_offered_for_notes(clinic):
    note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(
        ValidationError, match=r"^meaning: 'review' is not allowed; allowed: author"
    ):
        services.sign_note(
            Actor(clinic.nurse),
            note,
            password=PASSWORD,
            meaning="review",
            expected_version=1,
            request=signing_request(),
        )


# addenda -----------------------------------------------------------------------------------


def test_any_clinician_of_the_site_adds_a_signed_addendum_to_a_signed_note(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    addendum = _addendum(clinic.nurse, note)
    addendum = Addendum.objects.select_related("note__patient", "signed_by").get(pk=addendum.pk)
    assert (addendum.author, addendum.signed_by, addendum.signature_meaning) == (
        clinic.nurse,
        clinic.nurse,
        "addendum_author",
    )
    assert addendum.signed_at is not None
    assert addendum.signed_at.microsecond == 0
    canonical = (
        f'{{"body":"Patient phoned at 18:00: no headache.","id":"{addendum.public_id}",'
        f'"meaning":"addendum_author","note":"{note.public_id}",'
        f'"note_hash":"{note.content_hash}","patient":"{clinic.patient.public_id}",'
        f'"record":"addendum",'
        f'"signed_at":"{addendum.signed_at.strftime("%Y-%m-%dT%H:%M:%S")}+00:00",'
        f'"signed_name":"{addendum.signed_name}","signer":"{clinic.nurse.public_id}"}}'
    )
    assert addendum.content_hash == hashlib.sha256(canonical.encode()).hexdigest()
    assert signature_intact(addendum) is True
    assert list(
        AuditEvent.objects.filter(object_type="addendum").values_list("action", flat=True)
    ) == ["create", "sign"]


def test_addenda_only_on_signed_notes(clinic):
    note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(ValidationError, match=r"^note: 'draft'.*a signed note"):
        _addendum(clinic.nurse, note)
    assert not Addendum.objects.exists()


def test_an_addendum_needs_text_and_the_signers_password(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    with pytest.raises(ValidationError, match=r"^body: ''"):
        _addendum(clinic.nurse, note, body="")
    with pytest.raises(ReauthenticationError):
        _addendum(clinic.nurse, note, password="wrong")
    with pytest.raises(ValidationError, match=r"^meaning: 'author'"):
        services.add_addendum(
            Actor(clinic.nurse),
            note,
            body="text",
            meaning="author",
            password=PASSWORD,
            request=signing_request(),
        )
    assert not Addendum.objects.exists()
    assert AccessAttempt.objects.get(username="nurse_kim").failures_since_start == 1


# permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "compliance", "auditor"])
def test_roles_without_write_note_cannot_write(clinic, role):
    with pytest.raises(PermissionDenied):
        draft(getattr(clinic, role), clinic.patient)
    note = signed(clinic.prescriber, clinic.patient)
    with pytest.raises(PermissionDenied):
        _addendum(getattr(clinic, role), note)
    assert ClinicalNote.objects.count() == 1
    assert not Addendum.objects.exists()


def test_front_desk_may_not_read_notes(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    with pytest.raises(PermissionDenied):
        readable_patient(clinic.front_desk, clinic.patient.public_id)
    with pytest.raises(PermissionDenied):
        readable_note(clinic.front_desk, note.public_id)


@pytest.mark.parametrize("role", ["prescriber", "nurse", "compliance", "auditor"])
def test_clinical_roles_read_notes(clinic, role):
    note = signed(clinic.prescriber, clinic.patient)
    assert readable_note(getattr(clinic, role), note.public_id) == note


def test_staff_of_another_site_see_nothing_and_write_nothing(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    with pytest.raises(Http404):
        readable_note(clinic.other_site_nurse, note.public_id)
    with pytest.raises(Http404):
        readable_patient(clinic.other_site_nurse, clinic.patient.public_id)
    with pytest.raises(PermissionDenied):
        draft(clinic.other_site_nurse, clinic.patient)
    with pytest.raises(PermissionDenied):
        _addendum(clinic.other_site_nurse, note)


def test_administrators_see_no_patient_notes(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    with pytest.raises(Http404):
        readable_note(clinic.admin, note.public_id)
