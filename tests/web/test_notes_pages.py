"""Notes pages: badges, banner, times with the zone, the sign form's password check and
lockout, concurrency on the edit form, entered in error, permissions per role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from kclinic.web.notes.models import Addendum, ClinicalNote
from tests.web import url_catalogue as catalogue
from tests.web.factories import PASSWORD
from tests.web.test_notes_support import draft, signed


def _url(name: str, note: ClinicalNote | None = None, patient=None) -> str:
    kwargs = {"patient_id": (patient or note.patient).public_id}
    if note is not None:
        kwargs["note_id"] = note.public_id
    return reverse(f"notes:{name}", kwargs=kwargs)


def _client(user) -> Client:
    client = Client(REMOTE_ADDR="10.0.0.8")
    client.force_login(user)
    return client


def test_every_notes_url_is_classified_as_a_patient_page():
    names = {f"notes:{n}" for n in ("list", "new", "detail", "edit", "sign", "addendum", "discard")}
    assert names <= set(catalogue.PATIENT)


def test_the_list_shows_badges_the_banner_and_struck_out_drafts(clinic):
    signed(clinic.prescriber, clinic.patient, title="Signed one")
    draft(clinic.nurse, clinic.patient, title="Draft one")
    wrong = draft(clinic.nurse, clinic.patient, title="Wrong patient")
    from kclinic.web.audit.services import Actor
    from kclinic.web.notes import services

    services.enter_in_error(Actor(clinic.nurse), wrong, reason="wrong patient", expected_version=1)
    page = _client(clinic.nurse).get(_url("list", patient=clinic.patient)).content.decode()
    assert 'data-testid="patient-banner"' in page
    assert "HART, Robin" in page
    assert page.count('data-testid="badge-signed"') == 1
    assert page.count('data-testid="badge-draft"') == 1
    assert page.count('data-testid="badge-in-error"') == 1
    assert "<del><a" in page
    assert "Wrong patient</a></del>" in page
    assert 'class="active">Notes</a>' in page


def test_signing_through_the_page_with_a_wrong_password_names_the_field(clinic):
    note = draft(clinic.nurse, clinic.patient)
    client = _client(clinic.nurse)
    response = client.post(
        _url("sign", note), {"meaning": "author", "password": "nope", "version": 1}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["password"]
    assert form.errors["password"][0].startswith("password: not accepted")
    assert "nope" not in response.content.decode()
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    ok = client.post(_url("sign", note), {"meaning": "author", "password": PASSWORD, "version": 1})
    assert ok.status_code == 302
    assert ok["Location"] == _url("detail", note)
    assert ClinicalNote.objects.get(pk=note.pk).status == "signed"


def test_lockout_while_signing_ends_the_session(clinic, settings):
    note = draft(clinic.nurse, clinic.patient)
    client = _client(clinic.nurse)
    wrong = {"meaning": "author", "password": "nope", "version": 1}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(_url("sign", note), wrong).status_code == 200
    locked = client.post(_url("sign", note), wrong)
    assert locked.status_code == 302
    assert locked["Location"] == reverse("accounts:login")
    assert client.get(_url("list", patient=clinic.patient)).status_code == 302  # signed out
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    assert AuditEvent.objects.filter(action="sign_out", username="nurse_kim").exists()


def test_the_signature_shows_name_meaning_and_time_with_its_zone(clinic, settings):
    settings.TIME_ZONE = "America/New_York"
    note = signed(clinic.prescriber, clinic.patient)
    page = _client(clinic.auditor).get(_url("detail", note)).content.decode()
    assert f"Electronically signed by {note.signed_name}" in page
    assert "Author: I wrote and reviewed this note" in page
    assert "(America/New_York)" in page
    assert (" EST " in page) or (" EDT " in page)
    assert "Content verified: unchanged since signing." in page


def test_a_tampered_note_shows_the_broken_signature(clinic):
    from django.db import connection

    note = signed(clinic.prescriber, clinic.patient)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE notes_clinicalnote DISABLE TRIGGER notes_clinicalnote_lock")
        cursor.execute("UPDATE notes_clinicalnote SET body = 'edited' WHERE id = %s", [note.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE notes_clinicalnote ENABLE TRIGGER notes_clinicalnote_lock")
    page = _client(clinic.compliance).get(_url("detail", note)).content.decode()
    assert "Content does not match its signature" in page


def test_new_note_edit_conflict_and_discard_through_the_pages(clinic):
    client = _client(clinic.nurse)
    created = client.post(
        _url("new", patient=clinic.patient),
        {"kind": "progress", "title": "Week 2 review", "body": "PHQ-9 down to 12."},
    )
    assert created.status_code == 302
    note = ClinicalNote.objects.get(title="Week 2 review")
    edit = {"kind": "progress", "title": "Week 2 review", "body": "first edit", "version": 1}
    assert client.post(_url("edit", note), edit).status_code == 302
    stale = client.post(_url("edit", note), {**edit, "body": "second, stale"})
    assert stale.status_code == 200
    assert "changed since you opened it" in stale.content.decode()
    assert "second, stale" in stale.content.decode()  # the typed text is kept on screen
    assert ClinicalNote.objects.get(pk=note.pk).body == "first edit"
    short = client.post(_url("discard", note), {"reason": "no", "version": 2})
    assert "reason: &#x27;no&#x27;" in short.content.decode()
    gone = client.post(_url("discard", note), {"reason": "duplicate note", "version": 2})
    assert gone.status_code == 302
    assert ClinicalNote.objects.get(pk=note.pk).status == "entered_in_error"


def test_a_bad_kind_or_blank_title_is_shown_on_the_field_and_nothing_is_written(clinic):
    response = _client(clinic.nurse).post(
        _url("new", patient=clinic.patient), {"kind": "letter", "title": "", "body": "x"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "title"}
    assert not ClinicalNote.objects.exists()


def test_signed_notes_have_no_edit_path_in_the_pages(clinic):
    note = signed(clinic.nurse, clinic.patient)
    client = _client(clinic.nurse)
    for name in ("edit", "sign", "discard"):
        response = client.post(
            _url(name, note),
            {
                "kind": "other",
                "title": "x",
                "body": "y",
                "version": 2,
                "reason": "whatever",
                "password": PASSWORD,
                "meaning": "author",
            },
        )
        assert response.status_code == 302, name
        assert response["Location"] == _url("detail", note)
    stored = ClinicalNote.objects.get(pk=note.pk)
    assert (stored.title, stored.version) == ("Infusion 3", 2)
    detail = client.get(_url("detail", note)).content.decode()
    assert "Edit draft" not in detail
    assert "Add addendum" in detail


def test_an_addendum_through_the_page(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    client = _client(clinic.nurse)
    wrong = client.post(
        _url("addendum", note),
        {"body": "Called: fine.", "meaning": "addendum_author", "password": "nope"},
    )
    assert list(wrong.context["form"].errors) == ["password"]
    ok = client.post(
        _url("addendum", note),
        {"body": "Called: fine.", "meaning": "correction", "password": PASSWORD},
    )
    assert ok.status_code == 302
    [addendum] = Addendum.objects.all()
    assert (addendum.author, addendum.signature_meaning) == (clinic.nurse, "correction")
    page = client.get(_url("detail", note)).content.decode()
    assert page.count('data-testid="signature"') == 2
    assert "Correction: this addendum corrects the signed note" in page


def test_addendum_page_on_a_draft_sends_back_to_the_note(clinic):
    note = draft(clinic.nurse, clinic.patient)
    response = _client(clinic.nurse).get(_url("addendum", note))
    assert response.status_code == 302
    assert response["Location"] == _url("detail", note)


def test_another_clinician_is_sent_back_from_a_draft_they_did_not_write(clinic):
    note = draft(clinic.prescriber, clinic.patient)
    client = _client(clinic.nurse)
    for name in ("edit", "sign", "discard"):
        assert client.get(_url(name, note))["Location"] == _url("detail", note)
        response = client.post(
            _url(name, note),
            {
                "kind": "other",
                "title": "x",
                "body": "y",
                "version": 1,
                "reason": "not mine",
                "password": PASSWORD,
                "meaning": "author",
            },
        )
        assert response["Location"] == _url("detail", note), name
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    assert (
        "only the author can edit or sign it" in client.get(_url("detail", note)).content.decode()
    )


PAGES = ("list", "new", "detail", "edit", "sign", "addendum", "discard")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # list, new, detail, edit, sign, addendum, discard (draft pages for the prescriber's
        # draft; detail and addendum on a signed note)
        ("prescriber", (200, 200, 200, 200, 200, 200, 200)),
        ("nurse", (200, 200, 200, 302, 302, 200, 302)),
        ("compliance", (200, 403, 200, 403, 403, 403, 403)),
        ("auditor", (200, 403, 200, 403, 403, 403, 403)),
        ("front_desk", (403, 403, 403, 403, 403, 403, 403)),
        ("admin", (404, 404, 404, 404, 404, 404, 404)),
        ("other_site_nurse", (404, 404, 404, 404, 404, 404, 404)),
    ],
)
def test_page_permissions_per_role(clinic, persona, expected):
    drafted = draft(clinic.prescriber, clinic.patient)
    locked = signed(clinic.prescriber, clinic.patient, title="Locked")
    client = _client(getattr(clinic, persona))
    urls = {
        "list": _url("list", patient=clinic.patient),
        "new": _url("new", patient=clinic.patient),
        "detail": _url("detail", locked),
        "edit": _url("edit", drafted),
        "sign": _url("sign", drafted),
        "addendum": _url("addendum", locked),
        "discard": _url("discard", drafted),
    }
    got = tuple(client.get(urls[page]).status_code for page in PAGES)
    assert got == expected
    if persona in ("front_desk", "admin", "other_site_nurse"):
        assert "Locked" not in client.get(urls["detail"]).content.decode()


def test_viewing_a_note_is_audited_with_the_note(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    _client(clinic.auditor).get(_url("detail", note))
    event = AuditEvent.objects.filter(action="view", username="audit_jo").get()
    assert (event.object_type, event.object_id, event.patient_public_id) == (
        "note",
        str(note.public_id),
        clinic.patient.public_id,
    )


def test_a_refused_page_writes_no_view_row(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    assert _client(clinic.front_desk).get(_url("detail", note)).status_code == 403
    assert not AuditEvent.objects.filter(action="view", username="desk_ray").exists()
