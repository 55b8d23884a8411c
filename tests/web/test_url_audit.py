"""Audit completeness: every URL is classified, and every page about a patient audits views."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kclinic.web.audit.models import AuditEvent
from tests.web import url_catalogue as catalogue


def _names(patterns: list[object], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                continue  # Django's admin: administrators only, no patient models registered
            names |= _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                raise AssertionError(f"unnamed URL pattern {pattern.pattern}: give it a name")
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_classified():
    found = _names(get_resolver().url_patterns)
    classified = (
        set(catalogue.PATIENT)
        | catalogue.PATIENT_DATA_LIST
        | catalogue.NO_PATIENT_DATA
        | catalogue.API_PATIENT
        | catalogue.API_PATIENT_DATA_LIST
        | catalogue.API_NO_PATIENT_DATA
    )
    assert found - classified == set(), "classify these URLs in tests/web/url_catalogue.py"
    assert classified - found == set(), "these classified URLs no longer exist"


@pytest.mark.parametrize("name", sorted(catalogue.PATIENT))
def test_every_patient_page_writes_a_view_audit_row(clinic, login, name):
    kwargs = {"patient_id": clinic.patient.public_id, **catalogue.PATIENT[name](clinic)}
    client = login(clinic.prescriber)
    before = AuditEvent.objects.count()
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, response.status_code
    views = AuditEvent.objects.filter(seq__gt=before, action="view")
    assert views.filter(
        patient_public_id=clinic.patient.public_id, username=clinic.prescriber.username
    ).exists()


@pytest.mark.parametrize("name", sorted(catalogue.PATIENT_DATA_LIST))
def test_every_patient_data_list_writes_an_audit_row(clinic, login, name):
    from kclinic.web.audit.services import Actor
    from kclinic.web.tasks.services import open_safety_task

    open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "test", clinic.patient.public_id
    )
    before = AuditEvent.objects.count()
    response = login(clinic.prescriber).get(reverse(name))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(seq__gt=before, username="dr_lee").exists()


def _api_reads():
    from tests.web.permission_matrix import ENDPOINTS

    return [e for e in ENDPOINTS if e.name.startswith("api:") and e.method == "GET"]


@pytest.mark.parametrize("endpoint", _api_reads(), ids=lambda e: e.name)
def test_every_api_read_writes_an_audit_row(clinic, endpoint):
    from django.test import Client

    from kclinic.web.accounts.api_auth import issue_token
    from tests.web.test_permissions import endpoint_url

    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(clinic.prescriber, 'audit')}")
    before = AuditEvent.objects.count()
    response = client.get(endpoint_url(clinic, endpoint))
    assert response.status_code == 200, response.status_code
    written = AuditEvent.objects.filter(seq__gt=before, username=clinic.prescriber.username)
    assert written.exists()
    if endpoint.patient:
        assert written.filter(patient_public_id=clinic.patient.public_id).exists()
