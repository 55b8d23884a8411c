"""Inventory endpoints that name one of site A's objects, for every persona: the roles the
policy allows succeed at site A, other roles are refused (403), and staff of another site
are refused or find nothing (403 or 404). Every inventory URL is in one of the two lists."""

from __future__ import annotations

import pytest

from kclinic.web.accounts.policy import POLICY
from tests.web import permission_matrix  # noqa: F401  (first: it imports inventory_matrix)
from tests.web.catalogue_inventory import (
    API_NO_PATIENT_DATA,
    API_PATIENT,
    NO_PATIENT_DATA,
    PATIENT,
)
from tests.web.inventory_matrix import endpoints, site_endpoints
from tests.web.test_permissions import PERSONAS, _request

SITE_ROWS = site_endpoints()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", SITE_ROWS, ids=lambda e: f"{e.method} {e.name}")
def test_site_objects_follow_the_policy(clinic, endpoint, persona):
    user = getattr(clinic, persona)
    response = _request(clinic, endpoint, persona)
    if persona == "other_site_nurse":
        assert response.status_code in (403, 404), response.status_code
    elif user.role in POLICY[endpoint.action]:
        assert response.status_code in (200, 201, 302), (
            response.status_code,
            response.content[:500],
        )
    else:
        assert response.status_code == 403, response.status_code


def test_every_inventory_url_is_in_a_matrix():
    covered = {e.name for e in endpoints()} | {e.name for e in SITE_ROWS}
    every = set(PATIENT) | NO_PATIENT_DATA | API_PATIENT | API_NO_PATIENT_DATA
    assert every - covered == set()


WRITES = [e for e in endpoints() + SITE_ROWS if e.method == "POST"]


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.name)
def test_matrix_writes_really_write_for_a_permitted_role(clinic, endpoint):
    # The matrix accepts 200 from a permitted role; a page that re-rendered its form with a
    # refusal would pass there unnoticed. Here the write must go through.
    from kclinic.web.inventory.models import Discrepancy, LedgerEntry, StockCount

    persona = next(
        p for p in ("nurse", "compliance") if getattr(clinic, p).role in POLICY[endpoint.action]
    )
    response = _request(clinic, endpoint, persona)
    # API: 201 for a new entry or count; 200 for the resolved discrepancy (it is updated).
    expected = (200, 201) if endpoint.name.startswith("api:") else (302,)
    assert response.status_code in expected, response.content.decode()[:3000]
    assert (
        LedgerEntry.objects.exists() or StockCount.objects.exists() or Discrepancy.objects.exists()
    )
