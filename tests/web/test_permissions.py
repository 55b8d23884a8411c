"""Every endpoint x every role x own-site / other-site patient, against the written policy."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.accounts.policy import POLICY, Action
from tests.web import url_catalogue as catalogue
from tests.web.permission_matrix import AUTHOR_ONLY, ENDPOINTS, Endpoint

PERSONAS = [
    "prescriber",
    "nurse",
    "front_desk",
    "compliance",
    "auditor",
    "admin",
    "other_site_nurse",
]


def endpoint_url(clinic, endpoint: Endpoint) -> str:
    """The endpoint's URL; `patient_id` is added for patient endpoints whose URL takes it
    (a session's API URL names only the session, which belongs to the patient)."""
    kwargs = dict(endpoint.kwargs(clinic))
    if endpoint.patient:
        try:
            return reverse(endpoint.name, kwargs={**kwargs, "patient_id": clinic.patient.public_id})
        except NoReverseMatch:
            pass
    return reverse(endpoint.name, kwargs=kwargs)


def _request(clinic, endpoint: Endpoint, persona: str):
    user = getattr(clinic, persona)
    url = endpoint_url(clinic, endpoint)
    data = endpoint.data(clinic)
    if endpoint.name.startswith("api:"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'matrix')}")
        if endpoint.method == "GET":
            return client.get(url)
        return client.generic(
            endpoint.method, url, json.dumps(data), content_type="application/json"
        )
    client = Client()
    client.force_login(user)
    return client.get(url) if endpoint.method == "GET" else client.post(url, data)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.name}")
def test_policy_is_enforced(clinic, endpoint, persona):
    user = getattr(clinic, persona)
    response = _request(clinic, endpoint, persona)
    permitted = user.role in POLICY[endpoint.action]
    sees_patients = user.role in POLICY[Action.VIEW_PATIENT]
    if endpoint.patient and (persona == "other_site_nurse" or not sees_patients):
        # A patient the user has no relation to does not exist for them: no hint it does.
        assert response.status_code == 404, (response.status_code, persona)
    elif permitted:
        assert response.status_code in (200, 201, 302), (response.status_code, persona)
    else:
        assert response.status_code == 403, (response.status_code, persona)


def test_every_endpoint_is_in_the_matrix():
    covered = {endpoint.name for endpoint in ENDPOINTS}
    needing = (
        set(catalogue.PATIENT)
        | catalogue.PATIENT_DATA_LIST
        | catalogue.API_PATIENT
        | catalogue.API_PATIENT_DATA_LIST
        | {"patients:register", "audit:list", "audit:export"}
    )
    assert needing - covered - AUTHOR_ONLY == set()
