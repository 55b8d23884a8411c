"""REMS form page, API and the clinic-wide 7-day tracker."""

from __future__ import annotations

import datetime as dt
import json

from django.urls import reverse
from django.utils import timezone

from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_rems
from tests.web.factories import PatientFactory
from tests.web.infusions_factories_discharge import (
    CLINICIAN_ANSWERS,
    LOT_NUMBER,
    discharged,
    dosed,
    pdf_text,
)


def _url(name, session):
    return reverse(
        f"infusions:{name}",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def _for_new_patient(clinic, build, **kwargs):
    clinic.patient = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    return build(clinic, **kwargs)


def test_tracker_lists_due_and_overdue_forms(clinic, login):
    overdue = dosed(clinic, modality="esketamine", started_minutes_ago=10 * 24 * 60)
    due = _for_new_patient(clinic, dosed, modality="esketamine", started_minutes_ago=30)
    submitted = _for_new_patient(clinic, discharged, modality="esketamine")
    services_rems.save_rems(
        Actor(clinic.nurse), submitted, CLINICIAN_ANSWERS, medications_confirmed=True
    )
    services_rems.complete_rems(Actor(clinic.nurse), submitted)
    services_rems.mark_submitted(Actor(clinic.nurse), submitted, submitted_on=timezone.localdate())
    iv = _for_new_patient(clinic, dosed, modality="iv")

    response = login(clinic.nurse).get(reverse("infusions:rems_tracker"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<tr class="overdue" data-session="{overdue.public_id}">' in page
    assert f'<tr class="" data-session="{due.public_id}">' in page
    assert str(submitted.public_id) not in page
    assert str(iv.public_id) not in page
    treated = timezone.localdate(timezone.now() - dt.timedelta(days=10))
    assert str(treated + dt.timedelta(days=7)) in page
    audit = AuditEvent.objects.get(action="view", object_id="rems_tracker")
    assert str(overdue.patient.public_id) in audit.detail["patients"]

    api = login(clinic.nurse).get("/api/v1/sessions/rems/due")
    assert api.status_code == 200
    rows = {row["session"]: row for row in api.json()}
    assert set(rows) == {str(overdue.public_id), str(due.public_id)}
    assert rows[str(overdue.public_id)]["overdue"] is True
    assert rows[str(overdue.public_id)]["due"] == str(treated + dt.timedelta(days=7))
    assert rows[str(due.public_id)]["overdue"] is False
    assert rows[str(due.public_id)]["status"] == "no form"

    other = login(clinic.other_site_nurse)
    assert (
        str(overdue.public_id) not in other.get(reverse("infusions:rems_tracker")).content.decode()
    )
    assert other.get("/api/v1/sessions/rems/due").json() == []
    assert login(clinic.front_desk).get(reverse("infusions:rems_tracker")).status_code == 403


def test_rems_page_save_complete_submit(clinic, login):
    session = discharged(clinic, modality="esketamine")
    client = login(clinic.nurse)
    page = client.get(_url("rems", session)).content.decode()
    assert LOT_NUMBER in page
    assert 'data-field="bp_40_min"' in page
    assert "150/92 mmHg" in page
    assert 'name="hcp_telephone"' in page
    assert 'name="bp_40_min"' not in page  # from the session, not typed
    assert "hcp_telephone: required" in page

    refused = client.post(_url("rems", session), {"action": "complete"})
    assert refused.status_code == 200
    assert "setting_zip: required" in refused.content.decode()

    # What the browser posts: every field of the form, the medicine answers as suggested.
    answers = {k: ("yes" if v is True else v) for k, v in CLINICIAN_ANSWERS.items()}
    answers |= dict.fromkeys(services_rems.MEDICATION_FIELDS, "no")
    saved = client.post(
        _url("rems", session), {"action": "save", "medications_confirmed": "on", **answers}
    )
    assert saved.status_code == 302
    assert client.post(_url("rems", session), {"action": "complete"}).status_code == 302
    session.refresh_from_db()
    assert session.rems_form.completed_at is not None
    done = client.get(_url("rems", session)).content.decode()
    assert "completed" in done
    assert 'name="hcp_telephone"' not in done

    today = timezone.localdate().isoformat()
    marked = client.post(
        _url("rems", session), {"action": "submitted", "submitted_on": today, "reference": "X9"}
    )
    assert marked.status_code == 302
    session.rems_form.refresh_from_db()
    assert session.rems_form.submission_reference == "X9"


def test_rems_pdf_download(clinic, login):
    session = discharged(clinic, modality="esketamine")
    response = login(clinic.nurse).get(_url("rems_pdf", session))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert clinic.patient.mrn in text
    assert LOT_NUMBER in text


def test_iv_session_rems_page_says_not_applicable(clinic, login):
    session = dosed(clinic, modality="iv")
    page = login(clinic.nurse).get(_url("rems", session))
    assert page.status_code == 200
    assert "esketamine sessions only" in page.content.decode()
    api = login(clinic.nurse).get(f"/api/v1/sessions/{session.public_id}/rems")
    assert api.status_code == 422


def _api(client, method, path, payload=None):
    return client.generic(
        method,
        f"/api/v1/sessions/{path}",
        json.dumps(payload or {}),
        content_type="application/json",
    )


def test_rems_api(clinic, login):
    session = discharged(clinic, modality="esketamine")
    client = login(clinic.nurse)
    sid = session.public_id
    got = client.get(f"/api/v1/sessions/{sid}/rems")
    assert got.status_code == 200
    assert "hcp_telephone: required" in got.json()["problems"]
    assert got.json()["data"]["lot_number"] == LOT_NUMBER
    assert got.json()["due"] is not None

    fixed = _api(client, "PUT", f"{sid}/rems", {"answers": {"dose_mg": 84}})
    assert fixed.status_code == 422
    assert fixed.json()["error"]["fields"][0]["field"] == "dose_mg"

    incomplete = _api(client, "POST", f"{sid}/rems/complete")
    assert incomplete.status_code == 422
    assert "medications_confirmed" in incomplete.json()["error"]["message"]

    put = _api(
        client,
        "PUT",
        f"{sid}/rems",
        {"answers": CLINICIAN_ANSWERS, "medications_confirmed": True},
    )
    assert put.status_code == 200
    assert put.json()["problems"] == []
    completed = _api(client, "POST", f"{sid}/rems/complete")
    assert completed.status_code == 200
    assert completed.json()["completed_by"]
    submitted = _api(
        client,
        "POST",
        f"{sid}/rems/submitted",
        {"submitted_on": timezone.localdate().isoformat(), "reference": "PMF-1"},
    )
    assert submitted.status_code == 200
    assert submitted.json()["submission_reference"] == "PMF-1"
    pdf = client.get(f"/api/v1/sessions/{sid}/rems.pdf")
    assert pdf.status_code == 200
    assert "NOT COMPLETE" not in pdf_text(pdf.content)

    other = login(clinic.other_site_nurse)
    assert other.get(f"/api/v1/sessions/{sid}/rems").status_code == 404
    assert other.get(f"/api/v1/sessions/{sid}/rems.pdf").status_code == 404
    assert _api(other, "POST", f"{sid}/rems/complete").status_code == 404
