"""/api/v1/sessions/{session_id}/... for monitoring: vitals (manual and device), alarms and
their acknowledgement, pump events, scales, clinical events, abort, and the chair board."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kclinic.domain.session_states import State
from kclinic.web.accounts.api_auth import issue_token
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.services_monitoring import record_vitals, volume_infused_ml
from tests.web.infusions_factories_monitoring import session_in


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(user, 'test')}")


def post(client: Client, name: str, payload: dict[str, object], **kwargs: object):
    return client.post(
        reverse(f"api:{name}", kwargs=kwargs), json.dumps(payload), content_type="application/json"
    )


@pytest.fixture
def live(clinic):
    return session_in(clinic, State.INFUSING, started_at=ago(20))


def test_a_bedside_monitor_posts_a_set(clinic, live):
    payload = {
        "sbp_mmhg": 186,
        "dbp_mmhg": 100,
        "hr_bpm": 88,
        "spo2_pct": 97,
        "source": "device",
        "device_id": "bedside-3",
    }
    reply = post(api(clinic.nurse), "record_session_vitals", payload, session_id=live.public_id)
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert (body["source"], body["device_id"], body["phase"]) == ("device", "bedside-3", "infusion")
    assert body["level"] == "warn"
    assert [a["code"] for a in body["alarms"]] == ["bp-recheck"]
    assert body["alerts"][0]["pending"]


@pytest.mark.parametrize(
    ("payload", "field", "allowed"),
    [
        ({"sbp_mmhg": 20, "dbp_mmhg": 10}, "sbp_mmhg", "40 to 300 mmHg"),
        ({"sbp_mmhg": 400, "dbp_mmhg": 90}, "sbp_mmhg", "40 to 300 mmHg"),
        ({"sbp_mmhg": 120, "dbp_mmhg": 80, "spo2_pct": 101}, "spo2_pct", "50 to 100 %"),
        ({"sbp_mmhg": 120, "dbp_mmhg": 80, "source": "device"}, "device_id", "bedside monitor"),
    ],
)
def test_out_of_range_sets_are_refused_naming_the_field(clinic, live, payload, field, allowed):
    reply = post(api(clinic.nurse), "record_session_vitals", payload, session_id=live.public_id)
    assert reply.status_code == 422
    (error,) = reply.json()["error"]["fields"]
    assert error["field"] == field
    assert allowed in error["allowed"]
    assert not live.vitals.filter(phase="infusion").exists()


def test_reads_list_vitals_and_alarms_and_are_audited(clinic, live):
    record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92)
    client = api(clinic.compliance)
    before = AuditEvent.objects.count()
    vitals = client.get(reverse("api:list_session_vitals", kwargs={"session_id": live.public_id}))
    assert [(v["sbp_mmhg"], v["phase"]) for v in vitals.json()] == [
        (128, "pre_dose"),
        (130, "infusion"),
    ]
    alarms = client.get(
        reverse("api:list_session_alarms", kwargs={"session_id": live.public_id}),
        {"open_only": "true"},
    )
    assert [a["code"] for a in alarms.json()] == ["spo2-low"]
    views = AuditEvent.objects.filter(seq__gt=before, action="view")
    assert set(views.values_list("object_id", flat=True)) == {"session-vitals", "session-alarms"}
    assert set(views.values_list("patient_public_id", flat=True)) == {clinic.patient.public_id}


def test_acknowledge_once_with_an_action(clinic, live):
    alarm = record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92).alarms[
        0
    ]
    client = api(clinic.nurse)
    ids = {"session_id": live.public_id, "alarm_id": alarm.public_id}
    bad = post(client, "acknowledge_session_alarm", {"action": "ignored"}, **ids)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "action"
    good = post(client, "acknowledge_session_alarm", {"action": "paused", "note": "paused"}, **ids)
    assert good.status_code == 200
    assert (good.json()["action"], good.json()["acknowledged_by"]) == ("paused", "nurse_kim")
    again = post(client, "acknowledge_session_alarm", {"action": "observed"}, **ids)
    assert again.status_code == 409
    other = {"session_id": live.public_id, "alarm_id": live.public_id}  # not an alarm id
    assert (
        post(client, "acknowledge_session_alarm", {"action": "observed"}, **other).status_code
        == 404
    )


def test_the_overdue_alarm_comes_up_in_the_alarm_list(clinic):
    late = session_in(clinic, State.INFUSING, started_at=ago(30))
    listed = api(clinic.nurse).get(
        reverse("api:list_session_alarms", kwargs={"session_id": late.public_id})
    )
    assert [a["code"] for a in listed.json()] == ["vitals-overdue"]


def test_pump_events_and_the_volume(clinic, live):
    client = api(clinic.nurse)
    ids = {"session_id": live.public_id}
    paused = post(client, "record_session_infusion_event", {"kind": "pause", "note": "x"}, **ids)
    assert paused.status_code == 201
    body = paused.json()
    assert body["state"] == "paused"
    # 150 mL/h for the 20 min since the start = 50 mL by hand, paused a moment later: at
    # least 50.0, and exactly what the stored events give (the pump stopped at the pause).
    volume = Decimal(body["volume_infused_ml"])
    assert volume >= Decimal("50.0")
    assert volume == volume_infused_ml(live, timezone.now())
    faster = post(
        client,
        "record_session_infusion_event",
        {"kind": "rate_change", "rate_ml_per_h": "180", "note": "faster"},
        **ids,
    )
    assert faster.status_code == 422
    assert "at most the ordered 150.0 mL/h" in faster.json()["error"]["message"]
    resumed = post(
        client, "record_session_infusion_event", {"kind": "resume", "rate_ml_per_h": "75"}, **ids
    )
    assert (resumed.status_code, resumed.json()["state"]) == (201, "infusing")
    assert resumed.json()["rate_ml_per_h"] == "75.0"


def test_scales_clinical_events_and_abort(clinic, live):
    client = api(clinic.nurse)
    ids = {"session_id": live.public_id}
    scale = post(
        client,
        "record_session_scale",
        {"instrument_id": "moaas", "answers": [4], "time_point": "40 min"},
        **ids,
    )
    assert scale.status_code == 201
    assert (scale.json()["total"], scale.json()["time_point"]) == (4, "40 min")
    refused = post(
        client,
        "record_session_scale",
        {"instrument_id": "moaas", "answers": [4], "time_point": "37 min"},
        **ids,
    )
    assert refused.status_code == 422
    ae = post(
        client,
        "record_session_clinical_event",
        {
            "kind": "adverse_event",
            "description": "Syncope",
            "grade": 3,
            "serious": True,
            "seriousness": ["hospitalisation"],
        },
        **ids,
    )
    assert ae.status_code == 201
    assert (ae.json()["grade"], ae.json()["serious"]) == (3, True)
    bad = post(
        client,
        "record_session_clinical_event",
        {"kind": "adverse_event", "description": "x"},
        **ids,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "grade"
    aborted = post(client, "abort_infusion_session", {"reason": "BP 210/125"}, **ids)
    assert (aborted.status_code, aborted.json()["state"]) == (200, "aborted")


def test_another_sites_staff_get_404_and_nothing_is_written(clinic, live):
    client = api(clinic.other_site_nurse)
    ids = {"session_id": live.public_id}
    assert client.get(reverse("api:list_session_vitals", kwargs=ids)).status_code == 404
    reply = post(client, "record_session_vitals", {"sbp_mmhg": 120, "dbp_mmhg": 80}, **ids)
    assert reply.status_code == 404
    assert post(client, "abort_infusion_session", {"reason": "x"}, **ids).status_code == 404
    assert not live.vitals.filter(phase="infusion").exists()
    live.refresh_from_db()
    assert live.state == "infusing"


def test_writes_need_run_session_and_a_token(clinic, live):
    ids = {"session_id": live.public_id}
    denied = post(
        api(clinic.compliance), "record_session_vitals", {"sbp_mmhg": 120, "dbp_mmhg": 80}, **ids
    )
    assert denied.status_code == 403
    anonymous = Client().post(
        reverse("api:record_session_vitals", kwargs=ids),
        json.dumps({"sbp_mmhg": 120, "dbp_mmhg": 80}),
        content_type="application/json",
    )
    assert anonymous.status_code == 401


def test_the_board(clinic, live):
    south = session_in(clinic, State.INFUSING, patient=clinic.other_site_patient, chair="S1")
    rows = api(clinic.nurse).get(reverse("api:get_chair_board")).json()
    assert [row["session"] for row in rows] == [str(live.public_id)]
    row = rows[0]
    assert (row["state"], row["chair"], row["mrn"]) == ("infusing", "Chair 1", clinic.patient.mrn)
    assert row["last_vitals"]["sbp_mmhg"] == 128
    assert row["next_vitals_due"] is not None
    theirs = api(clinic.other_site_nurse).get(reverse("api:get_chair_board")).json()
    assert [row["session"] for row in theirs] == [str(south.public_id)]
    assert api(clinic.front_desk).get(reverse("api:get_chair_board")).status_code == 403
