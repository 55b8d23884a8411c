"""The session record: auto-drafted note, refresh while a draft, lock once signed, PDF."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.models import Alarm, ClinicalEvent, InfusionSession
from kclinic.web.infusions.pdf import session_record_pdf
from kclinic.web.infusions.services_record import draft_session_record
from kclinic.web.notes import services as notes
from tests.web.factories import PASSWORD
from tests.web.infusions_factories_discharge import (
    discharged,
    minutes_ago,
    pdf_text,
    ready_session,
    vitals,
)


def _with_events(clinic, session: InfusionSession) -> None:
    ClinicalEvent.objects.create(
        session=session,
        kind=ClinicalEvent.Kind.INTERVENTION,
        at=minutes_ago(100),
        description="Nausea",
        medication="ondansetron",
        dose="4 mg",
        route="IV",
        recorded_at=minutes_ago(100),
        recorded_by=clinic.nurse,
    )
    Alarm.objects.create(
        session=session,
        kind="vitals",
        level="warn",
        code="bp-recheck",
        message="BP 182/100 mmHg at or above 180/110: recheck",
        raised_at=minutes_ago(110),
        acknowledged_at=minutes_ago(109),
        acknowledged_by=clinic.nurse,
        action=Alarm.Action.OBSERVED,
        action_note="rechecked in 5 min",
    )


def _sign(user, note):
    return notes.sign_note(
        Actor(user),
        note,
        password=PASSWORD,
        meaning="author",
        expected_version=note.version,
        request=RequestFactory().post("/"),
    )


def test_draft_holds_every_section(clinic):
    session = discharged(clinic, modality="iv")
    _with_events(clinic, session)
    note = draft_session_record(Actor(clinic.nurse), session)
    session.refresh_from_db()
    assert session.record_note == note
    assert note.kind == "session"
    assert note.status == "draft"
    assert note.author == clinic.nurse
    body = note.body
    for heading in (
        "PRE-INFUSION CHECKS",
        "DOSE ORDER AND DOUBLE CHECK",
        "LIFECYCLE AND INFUSION EVENTS",
        "VITAL SIGNS",
        "SCALES",
        "SIDE EFFECTS, INTERVENTIONS, ADVERSE EVENTS",
        "ALARMS AND ACTIONS",
        "DISCHARGE",
    ):
        assert heading in body
    assert "40 mg (0.5 mg/kg, actual 80 kg)" in body
    assert "156 mL/h" in body
    assert "Volume infused:" in body
    assert "130/80" in body
    assert "132/82" in body
    assert "ALDRETE at recovery: 10" in body
    assert "MOAAS at recovery: 5" in body
    assert "ondansetron 4 mg IV" in body
    assert "Observed (rechecked in 5 min)" in body
    assert "Escort: Sam Hart, partner, 555-0100" in body
    assert "start infusion (dose_verified -> infusing)" in body
    assert AuditEvent.objects.filter(
        action="record_drafted", object_id=str(session.public_id)
    ).exists()


def test_refresh_while_draft_then_locked_once_signed(clinic):
    session = ready_session(clinic)
    first = draft_session_record(Actor(clinic.nurse), session)
    assert "177/99" not in first.body
    vitals(clinic, session, minutes_ago(1), 177, 99)
    refreshed = draft_session_record(Actor(clinic.nurse), session)
    assert refreshed.pk == first.pk
    assert refreshed.version == first.version + 1
    assert "177/99" in refreshed.body

    with pytest.raises(PermissionDenied):  # only the draft's author refreshes it
        draft_session_record(Actor(clinic.prescriber), session)

    _sign(clinic.nurse, refreshed)
    with pytest.raises(ValidationError, match="signed record is locked"):
        draft_session_record(Actor(clinic.nurse), session)


def test_a_draft_entered_in_error_is_replaced(clinic):
    session = ready_session(clinic)
    first = draft_session_record(Actor(clinic.nurse), session)
    notes.enter_in_error(
        Actor(clinic.nurse), first, reason="drafted on the wrong day", expected_version=1
    )
    second = draft_session_record(Actor(clinic.nurse), session)
    assert second.pk != first.pk
    session.refresh_from_db()
    assert session.record_note == second


def test_front_desk_cannot_draft(clinic):
    session = ready_session(clinic)
    with pytest.raises(PermissionDenied):
        draft_session_record(Actor(clinic.front_desk), session)
    session.refresh_from_db()
    assert session.record_note is None


def test_pdf_of_an_unsigned_record(clinic):
    session = ready_session(clinic)
    draft_session_record(Actor(clinic.nurse), session)
    session.refresh_from_db()
    content = session_record_pdf(session, compress=False)
    assert content.startswith(b"%PDF")
    assert clinic.patient.mrn.encode() in content
    assert b"(UNSIGNED DRAFT)" in content  # the watermark
    assert b"Vital signs chart" in content


def test_pdf_of_a_signed_record(clinic):
    session = discharged(clinic, modality="iv")
    note = _sign(clinic.nurse, draft_session_record(Actor(clinic.nurse), session))
    session.refresh_from_db()
    text = pdf_text(session_record_pdf(session))  # compressed, as served
    assert clinic.patient.mrn in text
    assert "UNSIGNED DRAFT" not in text
    assert note.content_hash in text
    assert "Signed by" in text


def test_pdf_before_any_note(clinic):
    session = ready_session(clinic)
    text = pdf_text(session_record_pdf(session))
    assert "No record note drafted yet" in text
    assert "UNSIGNED DRAFT" in text


def _url(name, session):
    return reverse(
        f"infusions:{name}",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def test_record_page_drafts_and_links_to_the_note(clinic, login):
    session = ready_session(clinic)
    client = login(clinic.nurse)
    assert "Draft the session record" in client.get(_url("record", session)).content.decode()
    assert client.post(_url("record", session)).status_code == 302
    session.refresh_from_db()
    page = client.get(_url("record", session)).content.decode()
    note_url = reverse(
        "notes:detail",
        kwargs={"patient_id": clinic.patient.public_id, "note_id": session.record_note.public_id},
    )
    assert note_url in page
    assert "Refresh the draft" in page


def test_record_pdf_download(clinic, login):
    session = ready_session(clinic)
    response = login(clinic.nurse).get(_url("record_pdf", session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert clinic.patient.mrn in pdf_text(response.content)
    assert AuditEvent.objects.filter(
        action="view", object_id="session-record-pdf", patient_public_id=clinic.patient.public_id
    ).exists()


def test_record_api(clinic, login):
    session = ready_session(clinic)
    client = login(clinic.nurse)
    drafted = client.post(f"/api/v1/sessions/{session.public_id}/record")
    assert drafted.status_code == 201, drafted.content
    assert drafted.json()["status"] == "draft"
    assert "VITAL SIGNS" in drafted.json()["body"]
    pdf = client.get(f"/api/v1/sessions/{session.public_id}/record.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    other = login(clinic.other_site_nurse)
    assert other.post(f"/api/v1/sessions/{session.public_id}/record").status_code == 404
    assert other.get(f"/api/v1/sessions/{session.public_id}/record.pdf").status_code == 404
