"""/api/v1 self-report links: create (and send), list, revoke; errors in the API envelope."""

from __future__ import annotations

import json

from django.core import mail
from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.portal.models import SelfReportLink
from tests.web.test_portal_support import issue


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")


def post(client: Client, url: str, data: dict) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_create_a_qr_link_returns_its_url_once(clinic):
    url = f"/api/v1/patients/{clinic.patient.public_id}/self-report-links"
    response = post(api(clinic.nurse), url, {"channel": "qr", "instruments": ["gad7", "phq9"]})
    assert response.status_code == 201
    body = response.json()
    assert body["instruments"] == ["phq9", "gad7"]  # the order the patient answers them
    assert body["status"] == "open"
    assert body["url"].startswith("http://testserver/r/")
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    assert Client().get(f"/r/{token}/").status_code == 200
    listed = api(clinic.nurse).get(url).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert listed[0]["url"] is None


def test_an_emailed_link_is_not_returned_to_the_caller(clinic):
    clinic.patient.email = "robin@example.org"
    clinic.patient.save()
    url = f"/api/v1/patients/{clinic.patient.public_id}/self-report-links"
    body = post(api(clinic.prescriber), url, {"channel": "email", "instruments": ["phq9"]}).json()
    assert body["url"] is None
    assert body["sent_to"] == "r***@example.org"
    assert len(mail.outbox) == 1


def test_bad_input_is_named_in_the_error_envelope(clinic):
    url = f"/api/v1/patients/{clinic.patient.public_id}/self-report-links"
    client = api(clinic.nurse)
    unknown = post(client, url, {"channel": "qr", "instruments": ["madrs"]})
    assert unknown.status_code == 422
    field = unknown.json()["error"]["fields"][0]
    assert (field["field"], "phq9" in field["allowed"]) == ("instruments", True)
    no_email = post(client, url, {"channel": "email", "instruments": ["phq9"]})
    assert no_email.status_code == 422
    assert no_email.json()["error"]["fields"][0]["field"] == "channel"
    stale = post(client, url, {"channel": "qr", "due_key": "nothing:pre-infusion:1"})
    assert stale.status_code == 422
    assert stale.json()["error"]["fields"][0]["field"] == "due_key"
    assert not SelfReportLink.objects.exists()


def test_revoke_and_revoke_again(clinic):
    issued = issue(clinic)
    url = (
        f"/api/v1/patients/{clinic.patient.public_id}/self-report-links/"
        f"{issued.link.public_id}/revoke"
    )
    first = post(api(clinic.nurse), url, {})
    assert (first.status_code, first.json()["status"]) == (200, "revoked")
    again = post(api(clinic.nurse), url, {})
    assert again.status_code == 422
    assert Client().get(f"/r/{issued.token}/").status_code == 410


def test_another_sites_staff_cannot_see_or_send(clinic):
    url = f"/api/v1/patients/{clinic.patient.public_id}/self-report-links"
    assert api(clinic.other_site_nurse).get(url).status_code == 404
    assert (
        post(
            api(clinic.other_site_nurse), url, {"channel": "qr", "instruments": ["phq9"]}
        ).status_code
        == 404
    )
    assert (
        post(api(clinic.compliance), url, {"channel": "qr", "instruments": ["phq9"]}).status_code
        == 403
    )
