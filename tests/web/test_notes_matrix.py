"""The notes app's rows of the permission matrix, checked here against every persona.

`notes_endpoints()` builds the rows for tests/web/permission_matrix.py (there:
`from tests.web.test_notes_matrix import notes_endpoints` and `ENDPOINTS += notes_endpoints()`
at the end of the file; the import of `Endpoint` is deferred so that there is no cycle).

The author-only writes through the API (update_note, sign_note, enter_note_in_error) cannot
be a matrix row: a permitted clinician who is not the author is refused (403) by design. They
are checked below with a draft written by the persona itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.accounts.policy import POLICY, Action
from tests.web.factories import PASSWORD
from tests.web.test_notes_support import draft, signed

PERSONAS = [
    "prescriber",
    "nurse",
    "front_desk",
    "compliance",
    "auditor",
    "admin",
    "other_site_nurse",
]


def _draft(clinic: Any) -> dict[str, object]:
    return {"note_id": draft(clinic.prescriber, clinic.patient).public_id}


def _signed(clinic: Any) -> dict[str, object]:
    return {"note_id": signed(clinic.prescriber, clinic.patient).public_id}


_ADDENDUM = {"body": "Seen on review.", "meaning": "addendum_author", "password": PASSWORD}


def notes_endpoints() -> list[Any]:
    from tests.web.permission_matrix import Endpoint

    return [
        Endpoint("notes:list", "GET", Action.VIEW_CLINICAL),
        Endpoint("notes:new", "GET", Action.WRITE_NOTE),
        Endpoint(
            "notes:new",
            "POST",
            Action.WRITE_NOTE,
            data=lambda c: {"kind": "progress", "title": "Review", "body": "Well."},
        ),
        Endpoint("notes:detail", "GET", Action.VIEW_CLINICAL, kwargs=_signed),
        # A clinician who is not the author is sent back to the note (302), others get 403.
        Endpoint("notes:edit", "GET", Action.WRITE_NOTE, kwargs=_draft),
        Endpoint("notes:sign", "GET", Action.SIGN_NOTE, kwargs=_draft),
        Endpoint("notes:discard", "GET", Action.WRITE_NOTE, kwargs=_draft),
        Endpoint("notes:addendum", "GET", Action.SIGN_NOTE, kwargs=_signed),
        Endpoint(
            "notes:addendum", "POST", Action.SIGN_NOTE, kwargs=_signed, data=lambda c: _ADDENDUM
        ),
        Endpoint("api:list_notes", "GET", Action.VIEW_CLINICAL),
        Endpoint(
            "api:create_note",
            "POST",
            Action.WRITE_NOTE,
            data=lambda c: {"kind": "progress", "title": "Review"},
        ),
        Endpoint("api:get_note", "GET", Action.VIEW_CLINICAL, kwargs=_signed),
        Endpoint(
            "api:add_addendum", "POST", Action.SIGN_NOTE, kwargs=_signed, data=lambda c: _ADDENDUM
        ),
    ]


def _request(clinic: Any, name: str, method: str, kwargs: dict[str, object], data: dict, persona):
    # The same requests as tests/web/test_permissions.py makes.
    user = getattr(clinic, persona)
    url = reverse(name, kwargs={"patient_id": clinic.patient.public_id, **kwargs})
    if name.startswith("api:"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'matrix')}")
        if method == "GET":
            return client.get(url)
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    client = Client()
    client.force_login(user)
    return client.get(url) if method == "GET" else client.post(url, data)


def _expected(persona: str, user_role: str, action: Action) -> set[int]:
    if persona == "other_site_nurse" or user_role not in POLICY[Action.VIEW_PATIENT]:
        return {404}
    if user_role in POLICY[action]:
        return {200, 201, 302}
    return {403}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_notes_rows_hold_for_every_persona(clinic, persona):
    user = getattr(clinic, persona)
    for row in notes_endpoints():
        response = _request(
            clinic, row.name, row.method, dict(row.kwargs(clinic)), row.data(clinic), persona
        )
        assert response.status_code in _expected(persona, user.role, row.action), (
            row.name,
            row.method,
            response.status_code,
        )


AUTHOR_ONLY = [
    ("api:update_note", "PUT", Action.WRITE_NOTE, {"kind": "other", "title": "t", "version": 1}),
    ("api:sign_note", "POST", Action.SIGN_NOTE, {"password": PASSWORD, "version": 1}),
    (
        "api:enter_note_in_error",
        "POST",
        Action.WRITE_NOTE,
        {"reason": "duplicate note", "version": 1},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "action", "data"), AUTHOR_ONLY, ids=[row[0] for row in AUTHOR_ONLY]
)
def test_author_only_api_writes_per_role(clinic, persona, name, method, action, data):
    user = getattr(clinic, persona)
    # The persona's own draft where the persona may write one; else the prescriber's.
    may_write = persona != "other_site_nurse" and user.role in POLICY[Action.WRITE_NOTE]
    author = user if may_write else clinic.prescriber
    note = draft(author, clinic.patient)
    response = _request(clinic, name, method, {"note_id": note.public_id}, data, persona)
    assert response.status_code in _expected(persona, user.role, action), response.content
    if may_write:  # and the same request from the other clinician is refused
        other = "nurse" if persona == "prescriber" else "prescriber"
        theirs = draft(getattr(clinic, other), clinic.patient)
        refused = _request(clinic, name, method, {"note_id": theirs.public_id}, data, persona)
        assert refused.status_code == 403
