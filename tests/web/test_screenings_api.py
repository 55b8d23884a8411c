"""/api/v1/patients/{id}/screenings: profile JSON in, stored screening out; overrides."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.audit.models import AuditEvent
from kclinic.web.screenings.models import EligibilityScreening, ScreeningOverride
from tests.web.test_screenings import EXAMPLES, ON, REASON, example, patient_for_profile


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")


def _post(client: Client, url: str, body: dict[str, object]):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _url(patient, *parts: object) -> str:
    return "/".join([f"/api/v1/patients/{patient.public_id}/screenings", *map(str, parts)])


@pytest.mark.parametrize(("name", "expected"), sorted(EXAMPLES.items()))
def test_posting_each_example_stores_the_screening_with_its_status(clinic, name, expected):
    profile = example(name)
    patient = patient_for_profile(clinic, profile)
    response = _post(
        _client(clinic.nurse),
        _url(patient),
        {"profile": profile, "screened_on": ON.isoformat()},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == expected[0]
    assert body["result"]["status"] == expected[0]
    assert body["profile"]["sex"] == profile["sex"]
    assert body["screened_on"] == "2025-03-01"
    assert body["protocol"] == {"name": "kclinic-default", "version": "1"}
    assert EligibilityScreening.objects.get().public_id.hex == body["id"].replace("-", "")
    assert AuditEvent.objects.filter(action="create", object_type="screening").count() == 1


def test_a_bad_profile_is_a_422_naming_the_path_and_writes_nothing(clinic):
    profile = example("relative-findings.json")
    patient = patient_for_profile(clinic, profile)
    profile["trials"][2]["weeks_at_dose"] = "seven"
    response = _post(
        _client(clinic.nurse), _url(patient), {"profile": profile, "screened_on": "2025-03-01"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "trials[2].weeks_at_dose"
    assert error["message"].startswith("trials[2].weeks_at_dose: 'seven' is not allowed")
    assert not EligibilityScreening.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_a_profile_that_is_not_an_object_is_a_schema_error(clinic):
    response = _post(_client(clinic.nurse), _url(clinic.patient), {"profile": [1, 2]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "payload.profile"


def test_list_and_get_are_audited_and_scoped(clinic):
    client = _client(clinic.prescriber)
    created = _post(client, _url(clinic.patient), {"profile": {}}).json()
    listing = client.get(_url(clinic.patient) + "?limit=5")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert listing.json()["items"][0]["id"] == created["id"]
    one = client.get(_url(clinic.patient, created["id"]))
    assert one.status_code == 200
    assert one.json()["effective_status"] == "incomplete"
    views = AuditEvent.objects.filter(action="view", patient_public_id=clinic.patient.public_id)
    assert {e.object_id for e in views} >= {"screenings", f"screening:{created['id']}"}
    assert _client(clinic.front_desk).get(_url(clinic.patient)).status_code == 403
    other = _client(clinic.other_site_nurse).get(_url(clinic.patient, created["id"]))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"


def test_overrides_through_the_api(clinic):
    profile = example("relative-findings.json")
    patient = patient_for_profile(clinic, profile)
    screening = _post(
        _client(clinic.nurse), _url(patient), {"profile": profile, "screened_on": "2025-03-01"}
    ).json()
    url = _url(patient, screening["id"], "overrides")
    nurse = _post(_client(clinic.nurse), url, {"rule": "predose-bp", "reason": REASON})
    assert nurse.status_code == 403
    prescriber = _client(clinic.prescriber)
    short = _post(prescriber, url, {"rule": "predose-bp", "reason": "ok"})
    assert short.status_code == 422
    assert short.json()["error"]["fields"][0]["field"] == "reason"
    done = _post(prescriber, url, {"rule": "predose-bp", "reason": REASON})
    assert done.status_code == 201
    assert done.json()["rule"] == "predose-bp"
    assert done.json()["overridden_by"] == clinic.prescriber.signature_name
    after = prescriber.get(_url(patient, screening["id"])).json()
    assert [o["rule"] for o in after["overrides"]] == ["predose-bp"]
    assert sorted(after["pending_overrides"]) == [
        "benzodiazepine-load",
        "cannabis-use",
        "psychosis-history",
    ]
    assert AuditEvent.objects.filter(action="override").count() == 1


def test_an_absolute_finding_override_is_refused_with_a_clear_message(clinic):
    profile = example("absolute-aneurysm-esketamine.json")
    patient = patient_for_profile(clinic, profile)
    screening = _post(
        _client(clinic.nurse), _url(patient), {"profile": profile, "screened_on": "2025-03-01"}
    ).json()
    response = _post(
        _client(clinic.prescriber),
        _url(patient, screening["id"], "overrides"),
        {"rule": "aneurysmal-vascular-disease", "reason": REASON},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "rule"
    assert "label contraindication and cannot be overridden" in error["message"]
    assert not ScreeningOverride.objects.exists()
