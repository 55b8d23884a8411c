"""/api/v1/patients: bearer tokens, the error envelope, site scoping, pagination."""

from __future__ import annotations

import json

from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.patients.models import Patient


def _client(user) -> tuple[Client, dict[str, str]]:
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'test')}"}


def test_requests_without_credentials_get_the_401_envelope(clinic):
    response = Client().get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_list_is_paginated_and_limited_to_the_users_sites(clinic):
    client, auth = _client(clinic.nurse)
    body = client.get("/api/v1/patients/?limit=10", **auth).json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == str(clinic.patient.public_id)
    other, other_auth = _client(clinic.other_site_nurse)
    missing = other.get(f"/api/v1/patients/{clinic.patient.public_id}", **other_auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_create_with_bad_fields_names_each_field_and_writes_nothing(clinic):
    client, auth = _client(clinic.front_desk)
    response = client.post(
        "/api/v1/patients/",
        data=json.dumps(
            {
                "mrn": "X1",
                "given_name": "A",
                "family_name": "B",
                "date_of_birth": "not-a-date",
                "sex": "female",
            }
        ),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["payload.date_of_birth"]
    bad_sex = client.post(
        "/api/v1/patients/",
        data=json.dumps(
            {
                "mrn": "X1",
                "given_name": "A",
                "family_name": "B",
                "date_of_birth": "1990-01-01",
                "sex": "dragon",
            }
        ),
        content_type="application/json",
        **auth,
    )
    assert bad_sex.status_code == 422
    assert bad_sex.json()["error"]["fields"][0]["field"] == "sex"
    assert not Patient.objects.filter(mrn="X1").exists()


def test_measurement_out_of_range_gives_the_range(clinic):
    client, auth = _client(clinic.nurse)
    response = client.post(
        f"/api/v1/patients/{clinic.patient.public_id}/measurements",
        data=json.dumps({"weight_kg": "900"}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert "25 to 350 kg" in response.json()["error"]["message"]


def test_front_desk_cannot_record_weight_403(clinic):
    client, auth = _client(clinic.front_desk)
    response = client.post(
        f"/api/v1/patients/{clinic.patient.public_id}/measurements",
        data=json.dumps({"weight_kg": "70"}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_openapi_document_is_served(clinic):
    client, auth = _client(clinic.nurse)
    spec = client.get("/api/v1/openapi.json", **auth).json()
    assert "/api/v1/patients/" in spec["paths"]
