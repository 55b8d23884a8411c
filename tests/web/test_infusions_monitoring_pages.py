"""The live monitor page (full page, 10-second poll, htmx posts) and the chair board."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kclinic.domain.session_states import Event, State
from kclinic.web.audit import services as audit_services
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.models import Alarm
from kclinic.web.infusions.services_lifecycle import apply_event
from kclinic.web.infusions.services_monitoring import (
    OVERDUE_CODE,
    record_vitals,
    volume_infused_ml,
)
from tests.web.infusions_factories_monitoring import another_patient, session_in

HX = {"HTTP_HX_REQUEST": "true"}


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def url(session) -> str:
    return reverse(
        "infusions:monitor",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


@pytest.fixture
def live(clinic):
    return session_in(clinic, State.INFUSING, started_at=ago(20))


def test_the_page_shows_the_live_session(clinic, login, live):
    before = AuditEvent.objects.count()
    page = login(clinic.nurse).get(url(live)).content.decode()
    after = timezone.now()
    assert 'data-testid="patient-banner"' in page
    assert 'hx-trigger="every 10s"' in page
    assert 'data-testid="state">infusing<' in page
    # 150 mL/h for the 20 min since the start = 50 mL by hand; the page was drawn a moment
    # later, so at least that and no more than the pump had given when it came back.
    shown = Decimal(re.search(r'data-testid="volume">([\d.]+) mL', page).group(1))
    assert Decimal("50.0") <= shown <= volume_infused_ml(live, after)
    assert "128/78" in page  # the baseline set, in the table
    assert '<polyline class="line sbp"' in page
    assert "Record vital signs" in page
    view = AuditEvent.objects.get(seq__gt=before, action="view")
    assert view.patient_public_id == clinic.patient.public_id
    assert view.object_id == "session-monitor"


def test_the_poll_returns_only_the_live_region_and_is_audited(clinic, login, live):
    before = AuditEvent.objects.count()
    part = login(clinic.nurse).get(url(live), **HX).content.decode()
    assert part.lstrip().startswith('<section id="monitor-live"')
    assert "<html" not in part
    assert "Record vital signs" not in part  # the entry forms stay put while polling
    view = AuditEvent.objects.get(seq__gt=before, action="view")
    assert view.detail["poll"] is True


def test_polls_within_minutes_of_a_view_write_no_more_rows(clinic, login, live, monkeypatch):
    client = login(clinic.nurse)
    client.get(url(live))  # opening the page: one view row
    before = AuditEvent.objects.count()
    for _ in range(3):
        client.get(url(live), **HX)
    assert AuditEvent.objects.filter(seq__gt=before, action="view").count() == 0
    # Once the interval has passed (here: shrunk to nothing), the next poll is audited again.
    monkeypatch.setattr(audit_services, "POLL_AUDIT_INTERVAL", dt.timedelta(0))
    client.get(url(live), **HX)
    assert AuditEvent.objects.filter(seq__gt=before, action="view").count() == 1


def test_a_vitals_post_out_of_range_shows_the_field_and_range(clinic, login, live):
    data = {"entry": "vitals", "sbp_mmhg": "400", "dbp_mmhg": "80", "source": "manual"}
    reply = login(clinic.nurse).post(url(live), data, **HX)
    body = reply.content.decode()
    assert reply.status_code == 200
    assert "sbp_mmhg: 400 is not allowed; allowed: 40 to 300 mmHg" in body
    assert 'id="form-vitals"' in body
    assert 'hx-swap-oob="true"' in body  # the live region comes along, out of band
    assert not live.vitals.filter(systolic=400).exists()


def test_a_vitals_post_raises_an_alarm_shown_at_once(clinic, login, live):
    data = {"entry": "vitals", "sbp_mmhg": "130", "dbp_mmhg": "80", "spo2_pct": "92"}
    body = login(clinic.nurse).post(url(live), data | {"source": "manual"}, **HX).content.decode()
    assert "SpO2 92% below 95%" in body
    assert 'data-testid="alarm"' in body
    assert "errorlist" not in body
    assert live.alarms.filter(code="spo2-low", acknowledged_at=None).exists()


def test_without_htmx_a_post_redirects_back_to_the_page(clinic, login, live):
    client = login(clinic.nurse)
    data = {"entry": "vitals", "sbp_mmhg": "131", "dbp_mmhg": "81", "source": "manual"}
    reply = client.post(url(live), data)
    assert reply.status_code == 302
    assert reply["Location"] == url(live)
    # A reload shows what was stored: nothing lives only in the browser.
    assert "131/81" in client.get(url(live)).content.decode()


def test_an_alarm_is_acknowledged_from_the_page_with_an_action(clinic, login, live):
    done = record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92)
    alarm = done.alarms[0]
    client = login(clinic.nurse)
    missing = client.post(url(live), {"entry": "ack", "alarm": alarm.public_id}, **HX)
    assert "This field is required" in missing.content.decode()
    alarm.refresh_from_db()
    assert alarm.acknowledged_at is None
    data = {"entry": "ack", "alarm": alarm.public_id, "action": "observed", "note": "rechecked 96%"}
    body = client.post(url(live), data, **HX).content.decode()
    assert "Alarm acknowledged." in body
    alarm.refresh_from_db()
    assert (alarm.action, alarm.action_note) == ("observed", "rechecked 96%")


def test_pump_buttons_move_the_session_and_refuse_a_faster_rate(clinic, login, live):
    client = login(clinic.nurse)
    body = client.post(
        url(live),
        {"entry": "pump", "event": "rate_change", "rate_ml_per_h": "200", "note": "faster"},
        **HX,
    ).content.decode()
    assert "at most the ordered 150.0 mL/h" in body
    client.post(url(live), {"entry": "pump", "event": "pause", "note": "nausea"}, **HX)
    live.refresh_from_db()
    assert live.state == "paused"
    page = client.get(url(live), **HX).content.decode()
    assert ">Resume</button>" in page
    assert ">Pause</button>" not in page


def test_a_refresh_raises_the_overdue_alarm_once(clinic, login):
    late = session_in(clinic, State.INFUSING, started_at=ago(30))
    client = login(clinic.nurse)
    first = client.get(url(late), **HX).content.decode()
    assert "vital signs overdue" in first
    assert 'class="overdue"' in first
    client.get(url(late), **HX)
    assert Alarm.objects.filter(session=late, code=OVERDUE_CODE).count() == 1


def test_scales_and_events_from_the_page(clinic, login, live):
    client = login(clinic.nurse)
    scale = {"entry": "scale", "instrument": "cadss", "time_point": "40 min"}
    answers = ",".join(["1"] * 5 + ["2"] * 2 + ["0"] * 16)  # 9 (reference 5.7 vector)
    body = client.post(url(live), scale | {"answers": answers}, **HX).content.decode()
    assert "CADSS</b> at 40 min: 9" in body
    bad = client.post(url(live), scale | {"answers": "1,2"}, **HX).content.decode()
    assert "errorlist" in bad
    event = {
        "entry": "clinical",
        "kind": "intervention",
        "description": "Nausea",
        "medication": "ondansetron",
        "dose": "4 mg",
        "route": "IV",
    }
    body = client.post(url(live), event, **HX).content.decode()
    assert "ondansetron 4 mg IV" in body
    ae = {"entry": "clinical", "kind": "adverse_event", "description": "Vomiting", "grade": "7"}
    refused = client.post(url(live), ae, **HX).content.decode()
    assert "errorlist" in refused
    assert live.clinical_events.count() == 1


def test_who_sees_what(clinic, login, live):
    assert login(clinic.front_desk).get(url(live)).status_code == 403
    assert login(clinic.other_site_nurse).get(url(live)).status_code == 404
    page = login(clinic.compliance).get(url(live)).content.decode()
    assert "128/78" in page
    assert "Record vital signs" not in page  # no run_session: no forms, no buttons
    assert ">Pause</button>" not in page


def test_a_nasal_spray_session_shows_doses_not_a_pump(clinic, login):
    spray = session_in(clinic, State.DOSE_VERIFIED, modality="esketamine")
    page = login(clinic.nurse).get(url(spray)).content.decode()
    assert "First dose given" in page
    assert 'name="rate_ml_per_h"' not in page


def test_the_board_shows_every_chair_of_the_users_sites(clinic, login):
    north = session_in(clinic, State.INFUSING, started_at=ago(30))  # overdue, no set since
    recovering = session_in(
        clinic, State.RECOVERY, patient=another_patient(clinic, "Okafor"), chair="Chair 2"
    )
    record_vitals(Actor(clinic.nurse), recovering, sbp_mmhg=124, dbp_mmhg=76, hr_bpm=70)
    session_in(clinic, State.SCHEDULED, patient=another_patient(clinic, "Waiting"), chair="C3")
    south = session_in(clinic, State.INFUSING, patient=clinic.other_site_patient, chair="S1")
    before = AuditEvent.objects.count()
    page = login(clinic.nurse).get(reverse("infusions:board")).content.decode()
    assert page.count('data-testid="board-row"') == 2  # scheduled and other-site not shown
    assert "HART, Robin" in page
    assert "OKAFOR" in page
    assert "WAITING" not in page
    assert south.patient.family_name.upper() not in page
    assert "124/76" in page
    assert "vital signs overdue" in page  # the refresh raised it
    assert page.count('class="has-alarms"') == 1
    assert 'hx-trigger="every 10s"' in page
    audit = AuditEvent.objects.filter(seq__gt=before, action="view")
    assert audit.filter(object_id="chair-board", patient_public_id=None).count() == 1
    assert set(
        audit.exclude(patient_public_id=None).values_list("patient_public_id", flat=True)
    ) == {
        north.patient.public_id,
        recovering.patient.public_id,
    }
    # The other site's nurse sees only her own site's chair.
    theirs = login(clinic.other_site_nurse).get(reverse("infusions:board"), **HX).content.decode()
    assert theirs.lstrip().startswith('<tbody id="board-rows"')
    assert theirs.count('data-testid="board-row"') == 1
    assert "HART" not in theirs


def test_the_board_needs_clinical_access(clinic, login):
    assert login(clinic.front_desk).get(reverse("infusions:board")).status_code == 403
    assert login(clinic.admin).get(reverse("infusions:board")).status_code == 403


def test_a_closed_session_stops_polling(clinic, login):
    cancelled = session_in(clinic, State.CHECKED_IN)
    apply_event(Actor(clinic.nurse), cancelled, Event.CANCEL, reason="patient unwell")
    page = login(clinic.nurse).get(url(cancelled)).content.decode()
    assert 'id="monitor-live"' in page
    assert "every 10s" not in page
