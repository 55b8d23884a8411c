"""/api/v1/sessions/{id}: the session steps through bearer tokens, the error envelope, 409 for a
stale version, front desk without clinical fields, other sites 404, reads audited."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.audit.models import AuditEvent
from kclinic.web.infusions.models import DoseCheck
from tests.web.courses_factories import a_chair
from tests.web.infusions_factories_session import (
    CSSRS_HIGH,
    a_session,
    another_prescriber,
    facts_on_record,
    ready_to_check,
    vial_lot,
)

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")

    def get(self, path: str):
        return self.client.get("/api/v1" + path)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json"
        )


ENTRIES = {
    "fasting_hours": 8,
    "liquids_hours": "2.5",
    "escort_confirmed": True,
    "escort_name": "Chris Hart",
    "pregnancy": "negative",
    "new_contraindication": False,
    "vitals": {"sbp_mmhg": 128, "dbp_mmhg": 82, "hr_bpm": 74, "spo2_pct": 98, "rr_per_min": 14},
}


def test_a_whole_session_before_the_drug(clinic):
    facts_on_record(clinic)
    session = a_session(clinic)
    base = f"/sessions/{session.public_id}"
    chair = a_chair(clinic.site_a)
    desk, nurse = Api(clinic.front_desk), Api(clinic.nurse)
    checked = desk.post(base + "/check-in", {"version": 1, "chair": str(chair.public_id)})
    assert checked.status_code == 200, checked.content
    assert (checked.json()["state"], checked.json()["chair"]) == ("checked_in", "Chair 1")
    assert checked.json()["checklist"] is None  # front desk: no clinical fields
    recorded = nurse.post(base + "/prechecks", ENTRIES)
    assert recorded.status_code == 200, recorded.content
    checklist = recorded.json()["checklist"]
    assert checklist["complete"] is True
    assert {i["item"]: i["status"] for i in checklist["items"]}["fasting"] == "pass"
    done = nurse.post(base + "/complete-prechecks", {"version": 2})
    assert done.json()["state"] == "prechecks_done"
    prescriber = Api(another_prescriber(clinic))
    order = prescriber.post(
        base + "/order",
        {"mg_per_kg": "0.5", "minutes": 40, "vial_mg_per_ml": 10, "bag_ml": 100, "dilution": "add"},
    )
    assert order.status_code == 201, order.content
    placed = order.json()
    assert (placed["dose_mg"], placed["rate_ml_per_h"], placed["verified"]) == (
        "40.00",
        "156.0",
        False,
    )
    lot = vial_lot(clinic)
    check = Api(clinic.prescriber).post(
        base + "/double-check",
        {
            "version": 3,
            "order": placed["id"],
            "weight_kg": 80,
            "vial_mg_per_ml": 10,
            "rate_ml_per_h": 156,
            "lot": str(lot.public_id),
        },
    )
    assert check.status_code == 201, check.content
    assert (check.json()["matched"], check.json()["lot"]) == (True, str(lot.public_id))
    read = nurse.get(base)
    body = read.json()
    assert (body["state"], body["version"], body["order"]["verified"]) == ("dose_verified", 4, True)
    assert [t["event"] for t in body["transitions"]] == [
        "check_in",
        "complete_prechecks",
        "verify_dose",
    ]
    assert "start_infusion" in body["allowed_events"]


def test_a_stale_version_gets_409_and_changes_nothing(clinic):
    session = a_session(clinic)
    base = f"/sessions/{session.public_id}"
    chair = str(a_chair(clinic.site_a).public_id)
    nurse = Api(clinic.nurse)
    assert nurse.post(base + "/check-in", {"version": 1, "chair": chair}).status_code == 200
    stale = nurse.post(base + "/cancel", {"version": 1, "reason": "Patient went home unwell"})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert nurse.get(base).json()["state"] == "checked_in"
    again = nurse.post(base + "/check-in", {"version": 1, "chair": chair})
    assert again.status_code == 409


def test_errors_name_the_field(clinic):
    facts_on_record(clinic)
    session = a_session(clinic)
    base = f"/sessions/{session.public_id}"
    nurse = Api(clinic.nurse)
    nurse.post(base + "/check-in", {"version": 1, "chair": str(a_chair(clinic.site_a).public_id)})
    bad = nurse.post(base + "/prechecks", {**ENTRIES, "vitals": {"sbp_mmhg": 20, "dbp_mmhg": 10}})
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "sbp_mmhg"
    assert bad.json()["error"]["fields"][0]["allowed"] == "40 to 300 mmHg"
    refused = nurse.post(base + "/complete-prechecks", {"version": 2})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"][0]["field"] == "prechecks"
    assert "fasting: not recorded yet" in refused.json()["error"]["message"]
    ceiling = Api(clinic.prescriber).post(
        base + "/order", {"mg_per_kg": "1.5", "minutes": 40, "vial_mg_per_ml": 10}
    )
    assert ceiling.status_code == 422
    assert ceiling.json()["error"]["code"] == "limit"


def test_high_cssrs_review_over_the_api(clinic):
    facts_on_record(clinic, cssrs=CSSRS_HIGH)
    session = a_session(clinic)
    base = f"/sessions/{session.public_id}"
    nurse = Api(clinic.nurse)
    nurse.post(base + "/check-in", {"version": 1, "chair": str(a_chair(clinic.site_a).public_id)})
    checklist = nurse.post(base + "/prechecks", ENTRIES).json()["checklist"]
    assert checklist["blocking"] == ["cssrs"]
    review = {"item": "cssrs", "reason": "Seen: passive thoughts only, safety plan in place"}
    assert nurse.post(base + "/review", review).status_code == 403
    reviewed = Api(clinic.prescriber).post(base + "/review", review)
    assert reviewed.status_code == 200
    assert reviewed.json()["checklist"]["complete"] is True
    assert nurse.post(base + "/complete-prechecks", {"version": 2}).status_code == 200


def test_a_mismatch_answers_422_and_keeps_the_check(clinic):
    session, order = ready_to_check(clinic)
    check = Api(clinic.nurse).post(
        f"/sessions/{session.public_id}/double-check",
        {"version": session.version, "order": str(order.public_id), "weight_kg": 80,
         "vial_mg_per_ml": 100, "rate_ml_per_h": 150},
    )  # fmt: skip
    assert check.status_code == 422
    error = check.json()["error"]
    assert error["fields"][0]["field"] == "vial_mg_per_ml"
    assert "10.00" not in error["message"]
    assert DoseCheck.objects.filter(matched=False).count() == 1


def test_reads_are_audited_and_other_sites_get_404(clinic):
    session = a_session(clinic)
    before = AuditEvent.objects.count()
    assert Api(clinic.auditor).get(f"/sessions/{session.public_id}").status_code == 200
    assert AuditEvent.objects.filter(
        seq__gt=before, action="view", patient_public_id=clinic.patient.public_id
    ).exists()
    other = Api(clinic.other_site_nurse)
    assert other.get(f"/sessions/{session.public_id}").status_code == 404
    assert (
        other.post(
            f"/sessions/{session.public_id}/cancel", {"version": 1, "reason": "x" * 12}
        ).status_code
        == 404
    )


def test_operation_ids_are_unique_and_named_for_the_area(clinic):
    from kclinic.web.api import api

    schema = api.get_openapi_schema()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    for name in (
        "get_infusion_session",
        "check_in_session",
        "record_session_prechecks",
        "review_session_precheck",
        "complete_session_prechecks",
        "order_session_dose",
        "double_check_session_dose",
        "cancel_infusion_session",
    ):
        assert f"kclinic_web_infusions_api_session_{name}" in ids
        assert [i for i in ids if i.endswith(f"_{name}")] == [
            f"kclinic_web_infusions_api_session_{name}"
        ]
