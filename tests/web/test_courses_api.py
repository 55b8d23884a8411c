"""/api/v1/patients/{id}/courses: the services through bearer tokens, field-level errors in the
envelope, 409 for a stale version, front desk without clinical fields, audit of reads."""

from __future__ import annotations

import json

from django.test import Client
from django.utils import timezone

from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.audit.models import AuditEvent
from kclinic.web.courses.models import PlannedSession, TreatmentCourse
from tests.web.courses_factories import a_chair, a_course, spravato_course


class Api:
    def __init__(self, user) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")

    def get(self, path: str):
        return self.client.get("/api/v1" + path)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json"
        )


def base(clinic) -> str:
    return f"/patients/{clinic.patient.public_id}/courses"


def test_create_plan_and_read_a_course(clinic):
    prescriber = Api(clinic.prescriber)
    created = prescriber.post(
        base(clinic),
        {
            "indication_code": "F33.2",
            "indication_text": "MDD, recurrent, severe",
            "modality": "esketamine",
            "template_id": "esketamine-trd",
            "started_on": "2025-03-03",
            "phase": "induction",
        },
    )
    assert created.status_code == 201, created.content
    course = created.json()
    assert (course["phase"], course["version"], course["sessions"]) == ("induction", 1, [])
    chair = a_chair(clinic.site_a)
    planned = Api(clinic.nurse).post(
        f"{base(clinic)}/{course['id']}/plan",
        {
            "version": 1,
            "start_on": "2025-03-03",
            "weekdays": [0, 3],
            "time_of_day": "09:00",
            "chair": str(chair.public_id),
            "open_ended_sessions": 2,
            "pace": "weekly",
        },
    )
    assert planned.status_code == 201, planned.content
    body = planned.json()
    assert [s["scheduled_at"][:10] for s in body["sessions"]][-4:] == [
        "2025-04-14",
        "2025-04-21",
        "2025-04-28",
        "2025-05-05",
    ]
    assert body["version"] == 2
    assert body["findings"] == []
    listed = Api(clinic.front_desk).get(base(clinic) + "?limit=5").json()
    assert listed["count"] == 1
    assert listed["items"][0]["indication_code"] is None  # front desk: schedule only


def test_front_desk_reads_the_schedule_without_clinical_fields(clinic):
    course = spravato_course(clinic)
    body = Api(clinic.front_desk).get(f"{base(clinic)}/{course.public_id}").json()
    assert len(body["sessions"]) == 12
    assert body["sessions"][0]["chair"] == "Chair 1"
    for field in ("indication_code", "modality", "template_id", "phase", "findings"):
        assert body[field] is None, field
    view = AuditEvent.objects.filter(action="view", object_type="api").last()
    assert (view.object_id, view.username) == ("course", "desk_ray")


def test_a_departure_without_a_reason_is_a_field_error_and_writes_nothing(clinic):
    course = spravato_course(clinic)
    response = Api(clinic.prescriber).post(
        f"{base(clinic)}/{course.public_id}/sessions",
        {"version": course.version, "scheduled_at": "2025-04-10T09:00:00Z"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][0]["field"] == "override_reason"
    assert "week 6 has 2 sessions" in error["message"]
    assert PlannedSession.objects.count() == 12


def test_a_stale_version_gets_409_and_changes_nothing(clinic):
    course = spravato_course(clinic)
    nurse = Api(clinic.nurse)
    first = course.sessions.get(sequence=5)
    second = course.sessions.get(sequence=6)
    ok = nurse.post(
        f"{base(clinic)}/{course.public_id}/sessions/{first.public_id}/cancel",
        {"version": 2, "reason": "Patient unwell today"},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "cancelled"
    stale = nurse.post(
        f"{base(clinic)}/{course.public_id}/sessions/{second.public_id}/cancel",
        {"version": 2, "reason": "Patient unwell again"},
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    second.refresh_from_db()
    assert second.status == "scheduled"


def test_reschedule_complete_and_phase_through_the_api(clinic):
    course = spravato_course(clinic)
    nurse, prescriber = Api(clinic.nurse), Api(clinic.prescriber)
    target = course.sessions.get(sequence=4)
    moved = nurse.post(
        f"{base(clinic)}/{course.public_id}/sessions/{target.public_id}/reschedule",
        {"version": 2, "scheduled_at": "2025-03-14T11:00:00"},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["scheduled_at"].startswith("2025-03-14T11:00")
    done = nurse.post(
        f"{base(clinic)}/{course.public_id}/sessions/{course.sessions.get(sequence=1).public_id}"
        "/complete"
    )
    assert done.json()["status"] == "completed"
    ended = prescriber.post(
        f"{base(clinic)}/{course.public_id}/phase",
        {"version": 4, "phase": "ended", "reason": "Patient moved to another clinic"},
    )
    assert ended.status_code == 200, ended.content
    body = ended.json()
    assert (body["phase"], body["active"]) == ("ended", False)
    assert sum(s["status"] == "cancelled" for s in body["sessions"]) == 11


def test_a_backward_phase_change_names_the_field(clinic):
    course = a_course(clinic)
    response = Api(clinic.prescriber).post(
        f"{base(clinic)}/{course.public_id}/phase", {"version": 1, "phase": "evaluation"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "phase"


def test_roles_and_sites(clinic):
    course = a_course(clinic)
    denied = Api(clinic.nurse).post(
        f"{base(clinic)}/{course.public_id}/phase", {"version": 1, "phase": "maintenance"}
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "forbidden"
    missing = Api(clinic.other_site_nurse).get(f"{base(clinic)}/{course.public_id}")
    assert missing.status_code == 404
    assert TreatmentCourse.objects.get().phase == "induction"


def test_bad_payloads_name_the_field(clinic):
    course = a_course(clinic)
    response = Api(clinic.nurse).post(
        f"{base(clinic)}/{course.public_id}/plan",
        {"version": 1, "start_on": "soon", "weekdays": [0, 3], "time_of_day": "09:00"},
    )
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["payload.start_on"]
    bad_day = Api(clinic.nurse).post(
        f"{base(clinic)}/{course.public_id}/plan",
        {"version": 1, "start_on": "2025-03-03", "weekdays": [0, 9], "time_of_day": "09:00"},
    )
    assert bad_day.status_code == 422
    assert bad_day.json()["error"]["fields"][0]["field"] == "weekdays"
    assert not PlannedSession.objects.exists()


def test_templates_are_listed_with_their_sources(clinic):
    body = Api(clinic.front_desk).get("/course-templates/?modality=esketamine").json()
    assert [t["id"] for t in body] == ["esketamine-trd", "esketamine-mdsi"]
    assert body[0]["sessions"] == 12
    assert body[0]["source"]["url"].startswith("https://www.spravatohcp.com/")


def test_the_chart_selector_sees_completed_sessions_through_api_writes(clinic):
    from kclinic.web.courses.selectors import infusion_dates

    course = spravato_course(clinic)
    first = course.sessions.get(sequence=1)
    Api(clinic.nurse).post(f"{base(clinic)}/{course.public_id}/sessions/{first.public_id}/complete")
    assert [timezone.localdate(d).isoformat() for d in infusion_dates(clinic.patient)] == [
        "2025-03-03"
    ]
