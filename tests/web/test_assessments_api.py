"""/api/v1/patients/{id}/assessments: submit answers (list or object) and get the score, flags
and the tasks opened; the error envelope names the item; list (paginated) and read one;
permissions per role; every read and write audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.assessments import services
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.tasks.models import Task


def _api(user):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")

    def post(path: str, body: dict[str, object]):
        return client.post(path, data=json.dumps(body), content_type="application/json")

    return client, post


def _path(clinic, suffix: str = "") -> str:
    return f"/api/v1/patients/{clinic.patient.public_id}/assessments{suffix}"


def test_submitting_a_list_returns_score_band_flags_and_the_tasks_opened(clinic):
    _, post = _api(clinic.nurse)
    response = post(
        _path(clinic),
        {
            "instrument": "phq9",
            "answers": [2, 3, 1, 2, 0, 1, 2, 1, 1],  # reference 5.1: 13, moderate, flag
            "context": "pre-session",
            "administered_at": "2026-01-05T09:30:00+00:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    task = Task.objects.get()
    assert (body["total"], body["band"], body["band_table"]) == (13, "moderate", "kroenke-2001")
    assert body["flags"] == ["suicidal_ideation"]
    assert body["tasks"] == [str(task.public_id)]
    assert body["complete"] is True
    assert body["answers"]["9"] == 1
    assert body["administered_by"] == "nurse_kim"
    assert body["administered_at"].startswith("2026-01-05T09:30:00")
    assert body["respondent"] == "patient"
    assert body["id"] == str(Assessment.objects.get().public_id)


def test_submitting_an_object_with_a_band_table_and_options(clinic):
    _, post = _api(clinic.prescriber)
    answers = dict(
        zip(
            [str(n) for n in range(1, 18)],
            [3, 2, 1, 2, 1, 1, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1, 0],
            strict=True,
        )
    )
    response = post(
        _path(clinic),
        {
            "instrument": "hamd17",
            "answers": answers,
            "context": "baseline",
            "band_table": "camcops",
            "options": {"item16_method": "A"},
        },
    )
    body = response.json()
    # Reference 5.5: 24 -> very severe on the CamCOPS table.
    assert (body["total"], body["band"], body["options"]) == (
        24,
        "very severe",
        {"item16_method": "A"},
    )
    assert body["respondent"] == "clinician"


def test_a_bad_answer_gets_the_envelope_naming_the_item_and_nothing_is_written(clinic):
    _, post = _api(clinic.nurse)
    response = post(
        _path(clinic),
        {"instrument": "phq9", "answers": [0, 0, "often", 0, 0, 0, 0, 0, 0], "context": "other"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][0]["field"] == "phq9 item 3 (sleep)"
    assert error["fields"][0]["allowed"] == "whole numbers 0 to 3"
    assert not Assessment.objects.exists()


def test_cssrs_skip_logic_is_refused_naming_the_item(clinic):
    _, post = _api(clinic.nurse)
    response = post(
        _path(clinic),
        {
            "instrument": "cssrs-screener",
            "answers": {"q1": True, "q2": False, "q4": True, "q6": False},
            "context": "screening",
        },
    )
    assert response.status_code == 422
    field = response.json()["error"]["fields"][0]
    assert field["field"] == "cssrs-screener item q4 (suicidal intent without specific plan)"
    assert "q2 is no" in field["allowed"]
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"context": "during"}, "context"),
        ({"administered_at": "2026-01-05T09:30:00"}, "administered_at"),
        ({"instrument": "beck"}, "instrument"),
        ({"answers": [0, 0]}, "phq9.answers"),
    ],
)
def test_bad_fields_are_named(clinic, change, field):
    _, post = _api(clinic.nurse)
    body = {"instrument": "phq9", "answers": [0] * 9, "context": "other", **change}
    response = post(_path(clinic), body)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert not Assessment.objects.exists()


def _seed(clinic, count: int) -> list[Assessment]:
    return [
        services.record_assessment(
            Actor(clinic.nurse),
            clinic.patient,
            "gad7",
            [1] * 7,
            "follow-up",
            timezone.now() - dt.timedelta(days=count - n),
        ).assessment
        for n in range(count)
    ]


def test_the_list_is_paginated_newest_first_and_filterable(clinic):
    rows = _seed(clinic, 3)
    services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [0] * 9, "other", timezone.now()
    )
    client, _ = _api(clinic.auditor)
    page = client.get(_path(clinic, "?limit=2&offset=0&instrument=gad7")).json()
    assert page["count"] == 3
    assert [item["id"] for item in page["items"]] == [
        str(rows[2].public_id),
        str(rows[1].public_id),
    ]
    everything = client.get(_path(clinic)).json()
    assert everything["count"] == 4
    assert everything["items"][0]["instrument"] == "phq9"


def test_reading_one_assessment_and_its_tasks(clinic):
    recorded = services.record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [0] * 8 + [1], "other", timezone.now()
    )
    client, _ = _api(clinic.compliance)
    body = client.get(_path(clinic, f"/{recorded.assessment.public_id}")).json()
    assert body["tasks"] == [str(recorded.tasks[0].public_id)]
    assert body["superseded_by"] is None
    assert client.get(_path(clinic, f"/{Task.objects.get().public_id}")).status_code == 404


def test_a_correction_through_the_api(clinic):
    original = _seed(clinic, 1)[0]
    _, post = _api(clinic.nurse)
    response = post(
        _path(clinic, f"/{original.public_id}/corrections"),
        {"answers": [2] * 7, "reason": "Scores were transcribed from the wrong visit"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["total"], body["supersedes"]) == (14, str(original.public_id))  # 2 x 7
    client, post = _api(clinic.nurse)
    again = post(
        _path(clinic, f"/{original.public_id}/corrections"),
        {"answers": [3] * 7, "reason": "Scores were transcribed from the wrong visit"},
    )
    assert again.status_code == 422
    assert again.json()["error"]["fields"][0]["field"] == "supersedes"
    first = client.get(_path(clinic, f"/{original.public_id}")).json()
    assert first["superseded_by"] == body["id"]


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("prescriber", 200, 201),
        ("nurse", 200, 201),
        ("compliance", 200, 403),
        ("auditor", 200, 403),
        ("front_desk", 403, 403),
        ("admin", 404, 404),
        ("other_site_nurse", 404, 404),
    ],
)
def test_api_permissions_per_role(clinic, persona, read, write):
    original = _seed(clinic, 1)[0]
    client, post = _api(getattr(clinic, persona))
    assert client.get(_path(clinic)).status_code == read
    assert client.get(_path(clinic, f"/{original.public_id}")).status_code == read
    body = {"instrument": "gad7", "answers": [0] * 7, "context": "other"}
    response = post(_path(clinic), body)
    assert response.status_code == write
    if write != 201:
        assert response.json()["error"]["code"] in {"forbidden", "not_found"}
        assert Assessment.objects.count() == 1


def test_api_reads_and_writes_are_audited(clinic):
    client, post = _api(clinic.nurse)
    created = post(
        _path(clinic), {"instrument": "gad7", "answers": [0] * 7, "context": "other"}
    ).json()
    client.get(_path(clinic))
    client.get(_path(clinic, f"/{created['id']}"))
    events = AuditEvent.objects.filter(
        username="nurse_kim", patient_public_id=clinic.patient.public_id
    )
    assert {(e.action, e.object_type, e.object_id) for e in events} == {
        ("create", "assessment", created["id"]),
        ("view", "api", "assessments"),
        ("view", "assessment", created["id"]),
    }
