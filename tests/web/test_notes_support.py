"""Builders shared by the notes tests (test_notes*.py), and a check that they build what they
say. Notes go through the real services, so a signed note here was signed with a password."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import RequestFactory

from kclinic.web.accounts.models import User
from kclinic.web.audit.services import Actor
from kclinic.web.notes import services
from kclinic.web.notes.models import ClinicalNote
from kclinic.web.patients.models import Patient
from tests.web.factories import PASSWORD

BODY = "Infusion 3 of 6. 0.5 mg/kg over 40 min. BP peak 148/90 at 30 min. Discharged with escort."


def signing_request(address: str = "10.0.0.7") -> HttpRequest:
    """A request like the sign form's POST: axes counts failures per username and address."""
    return RequestFactory().post("/notes/sign/", REMOTE_ADDR=address)


def draft(
    author: User, patient: Patient, *, title: str = "Infusion 3", body: str = BODY
) -> ClinicalNote:
    return services.create_note(Actor(author), patient, kind="session", title=title, body=body)


def signed(author: User, patient: Patient, **kwargs: str) -> ClinicalNote:
    note = draft(author, patient, **kwargs)
    return services.sign_note(
        Actor(author),
        note,
        password=PASSWORD,
        meaning="author",
        expected_version=note.version,
        request=signing_request(),
    )


def test_builders_make_a_draft_and_a_signed_note(clinic):
    first = draft(clinic.nurse, clinic.patient)
    second = signed(clinic.nurse, clinic.patient)
    assert (first.status, first.version, first.signed_at) == ("draft", 1, None)
    assert (second.status, second.version, second.signed_by) == ("signed", 2, clinic.nurse)
