"""/api/v1/inventory: the same operations as the pages, idempotent writes (a retry answers
200 with the same entry and posts nothing), refusals in the error envelope, reports."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.inventory.models import Balance, LedgerEntry
from tests.web.factories import PASSWORD, UserFactory
from tests.web.inventory_support import a_session, stocked_safe

BASE = "/api/v1/inventory"


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")


def post(client: Client, path: str, body: dict[str, object]):
    return client.post(BASE + path, json.dumps(body), content_type="application/json")


@pytest.fixture
def safe(clinic):
    return stocked_safe(clinic)


def _held(account: str) -> Decimal:
    return Balance.objects.get(account=account).mg


def _receipt(location, **change: object) -> dict[str, object]:
    return {
        "idempotency_key": "api-r1",
        "location_id": str(location.public_id),
        "product": {"form": "nasal_device", "ndc": "50458-028"},
        "lot_number": "SPR-1",
        "expiry_date": "2030-06-30",
        "units": 12,
        "supplier": "Specialty Pharmacy Inc",
        "invoice": "SP-991",
        **change,
    }


def test_a_retried_receipt_answers_the_same_entry_and_posts_once(clinic, safe):
    location, _ = safe
    client = api(clinic.nurse)
    first = post(client, "/receipts", _receipt(location))
    assert first.status_code == 201, first.content
    again = post(client, "/receipts", _receipt(location))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Decimal(first.json()["quantity_mg"]) == Decimal(336)  # 12 devices x 28 mg
    assert LedgerEntry.objects.filter(idempotency_key="api-r1").count() == 1
    other = post(client, "/receipts", _receipt(location, units=13))
    assert other.status_code == 422
    assert other.json()["error"]["fields"][0]["field"] == "idempotency_key"
    assert LedgerEntry.objects.filter(kind="receipt").count() == 2  # the fixture's and this


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"units": "-3"}, "units"),
        ({"units": "lots"}, "units"),
        ({"units": "1.5"}, "units"),  # devices are whole
        ({"expiry_date": "2020-01-01"}, "expiry_date"),
        (
            {
                "product": {
                    "form": "vial",
                    "ndc": "1",
                    "concentration_mg_per_ml": "20",
                    "volume_ml": "10",
                }
            },
            "concentration_mg_per_ml",
        ),
    ],
)
def test_receipt_refusals_come_back_in_the_envelope_and_write_nothing(clinic, safe, change, field):
    location, _ = safe
    response = post(api(clinic.nurse), "/receipts", _receipt(location, **change))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert not LedgerEntry.objects.filter(idempotency_key="api-r1").exists()


def test_session_drug_through_the_api(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    witness = UserFactory(username="rn_wu", role="nurse", sites=[clinic.site_a])
    client = api(clinic.nurse)
    path = f"/patients/{clinic.patient.public_id}/sessions/{session.public_id}"

    def move(kind: str, key: str, mg: str, **extra: object):
        body = {"idempotency_key": key, "lot_id": str(lot.public_id), "quantity_mg": mg, **extra}
        return post(client, f"{path}/{kind}", body)

    assert move("dispense", "k-d", "1000").status_code == 201
    assert move("dispense", "k-d", "1000").status_code == 200  # the retry
    assert move("administer", "k-a", "42").status_code == 201
    assert move("return", "k-r", "500").status_code == 201
    same = move("waste", "k-w", "458", witness_username="nurse_kim", witness_password=PASSWORD)
    assert same.status_code == 422
    assert same.json()["error"]["fields"][0]["field"] == "witness_username"
    wrong = move("waste", "k-w", "458", witness_username="rn_wu", witness_password="nope")
    assert wrong.json()["error"]["fields"][0]["field"] == "witness_password"
    done = move("waste", "k-w", "458", witness_username="rn_wu", witness_password=PASSWORD)
    assert done.status_code == 201
    assert done.json()["witness"] == witness.username
    drug = client.get(BASE + f"{path}/drug").json()
    assert drug["status"] == "reconciled"
    assert [
        Decimal(drug[k])
        for k in ("dispensed_mg", "administered_mg", "wasted_mg", "returned_mg", "unaccounted_mg")
    ] == [1000, 42, 458, 500, 0]
    assert _held(location.account) == Decimal(4500)
    assert LedgerEntry.objects.filter(kind="dispense").count() == 1


def test_session_api_is_not_found_for_another_site(clinic, safe):
    session = a_session(clinic)
    path = f"/patients/{clinic.patient.public_id}/sessions/{session.public_id}/drug"
    assert api(clinic.other_site_nurse).get(BASE + path).status_code == 404


def test_count_discrepancy_and_resolution_through_the_api(clinic, safe):
    location, lot = safe
    body = {
        "idempotency_key": "api-c",
        "location_id": str(location.public_id),
        "counted": {str(lot.public_id): "8"},
    }
    first = post(api(clinic.nurse), "/counts", body)
    assert first.status_code == 201
    assert Decimal(first.json()["lines"][0]["variance_mg"]) == Decimal(-1000)
    assert post(api(clinic.nurse), "/counts", body).status_code == 200
    issue = first.json()["discrepancy_id"]
    queue = api(clinic.compliance).get(BASE + "/discrepancies").json()
    assert [d["id"] for d in queue] == [issue]
    resolve = {
        "idempotency_key": "api-res",
        "reason": "two vials sent to the wrong site",
        "second_signer_username": "dr_lee",
        "second_signer_password": PASSWORD,
    }
    assert post(api(clinic.nurse), f"/discrepancies/{issue}/resolve", resolve).status_code == 403
    done = post(api(clinic.compliance), f"/discrepancies/{issue}/resolve", resolve)
    assert done.status_code == 200
    assert done.json()["adjustments"][0]["quantity_mg"] == "1000.0000"
    again = post(api(clinic.compliance), f"/discrepancies/{issue}/resolve", resolve)
    assert again.status_code == 200
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 1
    assert _held(location.account) == Decimal(4000)


def test_reports_json_csv_and_verify(clinic, safe):
    _, lot = safe
    officer = api(clinic.compliance)
    table = officer.get(BASE + f"/reports/perpetual/{lot.public_id}").json()
    assert table["columns"][-1] == "On hand mg"
    assert table["rows"][0][-1] == "5000"
    csv = officer.get(BASE + f"/reports/perpetual/{lot.public_id}?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert b"K2026A" in csv.content
    verify = officer.get(BASE + "/verify").json()
    assert verify["ok"] is True
    assert verify["chains"][0]["entries"] == 1
    assert api(clinic.nurse).get(BASE + "/verify").status_code == 403


def test_dispensing_log_csv_is_for_compliance(clinic, safe):
    path = f"{BASE}/patients/{clinic.patient.public_id}/dispensing-log"
    assert api(clinic.nurse).get(path).status_code == 200
    assert api(clinic.nurse).get(path + "?format=csv").status_code == 403
    assert api(clinic.compliance).get(path + "?format=csv").status_code == 200


def test_operations_are_named_uniquely_with_the_inventory_prefix():
    # URL names are "api:<function name>"; every path under /api/v1/inventory has its own.
    from django.urls import get_resolver

    from kclinic.web.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    operations = [
        op["operationId"]
        for path, item in schema["paths"].items()
        if path.startswith(BASE)
        for op in item.values()
    ]
    assert len(operations) == len(set(operations)) == 24
    names = [
        name
        for name in get_resolver().namespace_dict["api"][1].reverse_dict
        if isinstance(name, str) and name.startswith("inventory_")
    ]
    assert len(set(names)) == 24
