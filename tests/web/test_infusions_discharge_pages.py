"""Recovery and discharge pages and API: checklist, escort, override form, instructions."""

from __future__ import annotations

import json

from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from kclinic.web.courses.models import SessionStatus
from kclinic.web.infusions.models import Discharge
from tests.web.factories import PatientFactory
from tests.web.infusions_factories_discharge import dosed, ready_session


def _url(name, session):
    return reverse(
        f"infusions:{name}",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def _api(client, method, path, payload=None):
    url = f"/api/v1/sessions/{path}"
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, json.dumps(payload or {}), content_type="application/json")


def test_checklist_shows_each_criterion(clinic, login):
    session = ready_session(clinic, moaas=4)
    response = login(clinic.nurse).get(_url("discharge", session))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-criterion="moaas"' in page
    assert "MOAA/S 4; 5 (alert) needed" in page
    assert 'class="met" data-criterion="aldrete"' in page
    assert 'class="unmet" data-criterion="escort"' in page
    assert clinic.patient.mrn in page  # the banner
    assert "override_reason" not in page  # a nurse cannot override
    prescriber_page = login(clinic.prescriber).get(_url("discharge", session)).content.decode()
    assert 'name="override_reason"' in prescriber_page


def test_checklist_refreshes_as_a_partial(clinic, login):
    session = ready_session(clinic)
    response = login(clinic.nurse).get(_url("discharge", session), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<section")
    assert 'hx-trigger="every 60s"' in body


def test_discharge_refused_then_allowed_on_the_page(clinic, login):
    session = ready_session(clinic)
    client = login(clinic.nurse)
    refused = client.post(
        _url("discharge", session),
        {"action": "discharge", "version": session.version, "escort_name": "Sam Hart"},
    )
    assert refused.status_code == 200
    assert "no escort present" in refused.content.decode()
    assert not Discharge.objects.exists()

    allowed = client.post(
        _url("discharge", session),
        {
            "action": "discharge",
            "version": session.version,
            "escort_present": "on",
            "escort_name": "Sam Hart",
            "escort_relationship": "partner",
        },
    )
    assert allowed.status_code == 302
    assert allowed["Location"] == _url("instructions", session)
    session.refresh_from_db()
    assert session.state == "discharged"
    assert session.planned.status == SessionStatus.COMPLETED
    instructions = client.get(_url("instructions", session)).content.decode()
    assert "Sam Hart" in instructions
    assert "CLINIC TO REVIEW" in instructions
    assert "Preview" not in instructions
    assert "Discharged" in client.get(_url("discharge", session)).content.decode()


def test_stale_version_is_refused(clinic, login):
    session = ready_session(clinic)
    response = login(clinic.nurse).post(
        _url("discharge", session),
        {
            "action": "discharge",
            "version": session.version - 1,
            "escort_present": "on",
            "escort_name": "Sam Hart",
        },
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert not Discharge.objects.exists()


def test_prescriber_overrides_on_the_page(clinic, login):
    session = ready_session(clinic, moaas=4)
    response = login(clinic.prescriber).post(
        _url("discharge", session),
        {
            "action": "discharge",
            "version": session.version,
            "escort_present": "on",
            "escort_name": "Sam Hart",
            "override_reason": "Usual MOAA/S 4 after treatment, seen and assessed by me.",
        },
    )
    assert response.status_code == 302
    done = Discharge.objects.get()
    assert done.overridden_by == clinic.prescriber


def test_start_recovery_on_the_page(clinic, login):
    session = dosed(clinic, recovery=False)
    client = login(clinic.nurse)
    page = client.get(_url("discharge", session)).content.decode()
    assert "Start recovery" in page
    response = client.post(
        _url("discharge", session), {"action": "recovery", "version": session.version}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == "recovery"


def test_instructions_preview_before_discharge(clinic, login):
    session = ready_session(clinic)
    page = login(clinic.nurse).get(_url("instructions", session)).content.decode()
    assert "Preview" in page
    assert "until the next day" in page


def test_pages_are_404_for_another_site_and_403_for_front_desk(clinic, login):
    session = ready_session(clinic)
    for name in ("discharge", "instructions", "record", "record_pdf"):
        assert login(clinic.other_site_nurse).get(_url(name, session)).status_code == 404
        assert login(clinic.front_desk).get(_url(name, session)).status_code == 403


def test_session_of_another_patient_is_404(clinic, login):
    session = ready_session(clinic)
    url = reverse(
        "infusions:discharge",
        kwargs={"patient_id": clinic.other_site_patient.public_id, "session_id": session.public_id},
    )
    assert login(clinic.nurse).get(url).status_code == 404


def test_api_readiness_recovery_and_discharge(clinic, login):
    ended = dosed(clinic, recovery=False)
    client = login(clinic.nurse)
    moved = _api(client, "POST", f"{ended.public_id}/recovery", {"version": ended.version})
    assert moved.status_code == 200, moved.content
    assert moved.json()["state"] == "recovery"

    readiness = _api(client, "GET", f"{ended.public_id}/discharge-readiness?escort_present=true")
    assert readiness.status_code == 200
    body = readiness.json()
    assert body["ready"] is False
    assert "moaas" in body["unmet"]
    assert "escort" not in body["unmet"]
    assert AuditEvent.objects.filter(
        action="view", object_id="discharge_readiness", patient_public_id=clinic.patient.public_id
    ).exists()

    refused = _api(
        client, "POST", f"{ended.public_id}/discharge", {"escort_present": True, "escort_name": "S"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "readiness"


def test_api_discharge_and_override(clinic, login):
    session = ready_session(clinic, moaas=4)
    payload = {"escort_present": True, "escort_name": "Sam Hart", "version": session.version}
    nurse = _api(
        login(clinic.nurse),
        "POST",
        f"{session.public_id}/discharge",
        payload | {"override_reason": "Seen by me, usual level for her."},
    )
    assert nurse.status_code == 403
    done = _api(
        login(clinic.prescriber),
        "POST",
        f"{session.public_id}/discharge",
        payload | {"override_reason": "Seen by me, usual level for her."},
    )
    assert done.status_code == 201, done.content
    assert done.json()["unmet"] == ["moaas"]
    assert "Sam Hart" in done.json()["instructions"]


def test_api_is_404_for_another_site(clinic, login):
    session = ready_session(clinic)
    client = login(clinic.other_site_nurse)
    assert _api(client, "GET", f"{session.public_id}/discharge-readiness").status_code == 404
    response = _api(
        client,
        "POST",
        f"{session.public_id}/discharge",
        {"escort_present": True, "escort_name": "S"},
    )
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.state == "recovery"


def test_pages_render_in_every_state(clinic, login):
    from tests.web.infusions_factories_discharge import discharged, planned_session

    builders = {
        "scheduled": lambda: planned_session(clinic, "esketamine"),
        "infusion_ended": lambda: dosed(clinic, modality="esketamine", recovery=False),
        "recovery": lambda: ready_session(clinic, modality="esketamine"),
        "discharged": lambda: discharged(clinic, modality="esketamine"),
    }
    client = login(clinic.prescriber)
    for state, build in builders.items():
        clinic.patient = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
        session = build()
        assert session.state == state
        for name in ("discharge", "instructions", "record", "rems"):
            response = client.get(_url(name, session))
            assert response.status_code == 200, (state, name)
            assert session.patient.mrn in response.content.decode(), (state, name)
