"""/api/v1/patients/{id}/notes: the same rules as the pages, answered in the JSON envelope."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.audit.models import AuditEvent
from kclinic.web.notes.models import Addendum, ClinicalNote
from tests.web.factories import PASSWORD
from tests.web.test_notes_support import draft, signed


class Api:
    def __init__(self, user, patient) -> None:
        self.client = Client(
            HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}", REMOTE_ADDR="10.0.0.9"
        )
        self.base = f"/api/v1/patients/{patient.public_id}/notes"

    def _url(self, path: str) -> str:
        return f"{self.base}/{path}" if path else self.base

    def get(self, path: str):
        return self.client.get(self._url(path))

    def send(self, method: str, path: str, body: dict[str, object]):
        return self.client.generic(
            method, self._url(path), json.dumps(body), content_type="application/json"
        )


def _new(api: Api) -> dict[str, object]:
    response = api.send(
        "POST",
        "",
        {"kind": "phone_call", "title": "Call", "body": "Ok."},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_create_edit_sign_and_add_an_addendum(clinic):
    api = Api(clinic.nurse, clinic.patient)
    created = _new(api)
    assert (created["status"], created["version"], created["signature"]) == ("draft", 1, None)
    note_id = created["id"]

    edited = api.send(
        "PUT", note_id, {"kind": "phone_call", "title": "Call back", "body": "Well.", "version": 1}
    )
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["version"]) == ("Call back", 2)

    signed_note = api.send("POST", f"{note_id}/sign", {"password": PASSWORD, "version": 2})
    assert signed_note.status_code == 200, signed_note.content
    body = signed_note.json()
    signature = body["signature"]
    assert body["status"] == "signed"
    assert signature["signed_by"] == str(clinic.nurse.public_id)
    assert signature["meaning"] == "author"
    assert signature["meaning_text"] == "Author: I wrote and reviewed this note"
    assert signature["verified"] is True
    assert signature["signed_at"].endswith("Z") or signature["signed_at"].endswith("+00:00")
    assert len(signature["content_hash"]) == 64

    addendum = api.send(
        "POST", f"{note_id}/addenda", {"body": "Texted the safety plan.", "password": PASSWORD}
    )
    assert addendum.status_code == 201, addendum.content
    [added] = addendum.json()["addenda"]
    assert added["body"] == "Texted the safety plan."
    assert added["signature"]["verified"] is True

    actions = list(
        AuditEvent.objects.filter(patient_public_id=clinic.patient.public_id)
        .exclude(action="view")
        .values_list("action", "object_type")
    )
    assert actions == [
        ("create", "note"),
        ("update", "note"),
        ("sign", "note"),
        ("create", "addendum"),
        ("sign", "addendum"),
    ]


def test_a_stale_version_is_a_409_conflict_naming_the_version(clinic):
    api = Api(clinic.nurse, clinic.patient)
    note_id = _new(api)["id"]
    first = {"kind": "phone_call", "title": "A", "body": "first", "version": 1}
    assert api.send("PUT", note_id, first).status_code == 200
    second = api.send("PUT", note_id, {**first, "body": "second"})
    assert second.status_code == 409
    error = second.json()["error"]
    assert (error["code"], error["fields"][0]["field"]) == ("conflict", "version")
    assert ClinicalNote.objects.get(public_id=note_id).body == "first"


def test_a_signed_note_cannot_be_changed_through_the_api(clinic):
    note = signed(clinic.nurse, clinic.patient)
    api = Api(clinic.nurse, clinic.patient)
    changes = [
        ("PUT", "", {"kind": "other", "title": "x", "body": "y", "version": 2}),
        ("POST", "/sign", {"password": PASSWORD, "version": 2}),
        ("POST", "/entered-in-error", {"reason": "wrong patient", "version": 2}),
    ]
    for method, suffix, payload in changes:
        response = api.send(method, f"{note.public_id}{suffix}", payload)
        assert response.status_code == 409, (suffix, response.content)
        assert response.json()["error"]["code"] == "locked"
    for method in ("DELETE", "PATCH"):
        assert api.send(method, str(note.public_id), {}).status_code == 405
    stored = ClinicalNote.objects.get(pk=note.pk)
    assert (stored.title, stored.version) == ("Infusion 3", 2)


def test_a_wrong_password_is_a_422_on_the_password_field_and_counts(clinic):
    note = draft(clinic.nurse, clinic.patient)
    response = Api(clinic.nurse, clinic.patient).send(
        "POST", f"{note.public_id}/sign", {"password": "guess", "version": 1}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "password"
    assert "guess" not in response.content.decode()
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="nurse_kim").failures_since_start == 1


def test_lockout_through_the_api_answers_429_in_the_envelope(clinic, settings):
    note = draft(clinic.nurse, clinic.patient)
    api = Api(clinic.nurse, clinic.patient)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            api.send("POST", f"{note.public_id}/sign", {"password": "x", "version": 1}).status_code
            == 422
        )
    locked = api.send("POST", f"{note.public_id}/sign", {"password": "x", "version": 1})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    right = api.send("POST", f"{note.public_id}/sign", {"password": PASSWORD, "version": 1})
    assert right.status_code == 429
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"


def test_addenda_only_on_signed_notes_and_with_a_known_meaning(clinic):
    note = draft(clinic.nurse, clinic.patient)
    api = Api(clinic.prescriber, clinic.patient)
    response = api.send("POST", f"{note.public_id}/addenda", {"body": "x", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "note"
    locked = signed(clinic.nurse, clinic.patient)
    bad = api.send(
        "POST",
        f"{locked.public_id}/addenda",
        {"body": "x", "password": PASSWORD, "meaning": "approval"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0] == {
        "field": "meaning",
        "message": "meaning: 'approval' is not allowed; "
        "allowed: addendum_author, correction, review",
        "allowed": "addendum_author, correction, review",
    }
    assert not Addendum.objects.exists()


def test_list_is_paginated_and_each_read_is_audited(clinic):
    for n in range(3):
        draft(clinic.nurse, clinic.patient, title=f"Note {n}")
    api = Api(clinic.auditor, clinic.patient)
    page = api.client.get(f"{api.base}?limit=2").json()
    assert page["count"] == 3
    assert [n["title"] for n in page["items"]] == ["Note 2", "Note 1"]
    one = api.get(page["items"][0]["id"])
    assert one.status_code == 200
    views = AuditEvent.objects.filter(action="view", username="audit_jo")
    assert list(views.values_list("object_id", flat=True)) == [
        "notes",
        f"note {page['items'][0]['id']}",
    ]


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("prescriber", 200, 201),
        ("nurse", 200, 201),
        ("compliance", 200, 403),
        ("auditor", 200, 403),
        ("front_desk", 403, 403),
        ("admin", 404, 404),
        ("other_site_nurse", 404, 404),
    ],
)
def test_permissions_per_role(clinic, persona, read, write):
    note = signed(clinic.prescriber, clinic.patient)
    api = Api(getattr(clinic, persona), clinic.patient)
    assert api.get(str(note.public_id)).status_code == read
    listed = api.get("")
    assert listed.status_code == read
    created = api.send("POST", "", {"kind": "other", "title": "t"})
    assert created.status_code == write
    addendum = api.send(
        "POST", f"{note.public_id}/addenda", {"body": "Seen.", "password": PASSWORD}
    )
    assert addendum.status_code == write
    if read != 200:
        assert "Infusion" not in api.get(str(note.public_id)).content.decode()


def test_a_note_is_found_only_under_its_own_patient(clinic):
    note = signed(clinic.prescriber, clinic.patient)
    # A nurse of site B asks for site A's note under her own site's patient: no such note.
    api = Api(clinic.other_site_nurse, clinic.other_site_patient)
    assert api.get("").json()["count"] == 0
    missing = api.get(str(note.public_id))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "Infusion" not in missing.content.decode()


def test_a_clinician_who_is_not_the_author_gets_403_for_the_draft(clinic):
    note = draft(clinic.prescriber, clinic.patient)
    api = Api(clinic.nurse, clinic.patient)
    assert api.get(str(note.public_id)).status_code == 200
    edit = {"kind": "other", "title": "mine now", "body": "", "version": 1}
    assert api.send("PUT", str(note.public_id), edit).status_code == 403
    sign = api.send("POST", f"{note.public_id}/sign", {"password": PASSWORD, "version": 1})
    assert sign.status_code == 403
    discard = api.send(
        "POST", f"{note.public_id}/entered-in-error", {"reason": "not needed", "version": 1}
    )
    assert discard.status_code == 403
    assert ClinicalNote.objects.get(pk=note.pk).status == "draft"


def test_entered_in_error_through_the_api(clinic):
    note = draft(clinic.nurse, clinic.patient)
    response = Api(clinic.nurse, clinic.patient).send(
        "POST", f"{note.public_id}/entered-in-error", {"reason": "duplicate note", "version": 1}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "entered_in_error"
    assert body["entered_in_error"]["reason"] == "duplicate note"
    assert ClinicalNote.objects.filter(pk=note.pk).exists()


def test_the_openapi_document_lists_the_notes_operations(clinic):
    spec = Api(clinic.nurse, clinic.patient).client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/patients/{patient_id}/notes",
        "/api/v1/patients/{patient_id}/notes/{note_id}",
        "/api/v1/patients/{patient_id}/notes/{note_id}/sign",
        "/api/v1/patients/{patient_id}/notes/{note_id}/addenda",
        "/api/v1/patients/{patient_id}/notes/{note_id}/entered-in-error",
    } <= set(spec["paths"])
