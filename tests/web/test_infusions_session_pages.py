"""The session pages: today's list, the hub, check-in, checklist, order (with its chart),
the double check (which must not show the order) and cancel."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from kclinic.web.infusions.models import DoseCheck, InfusionSession
from tests.web.courses_factories import a_chair
from tests.web.infusions_factories_session import (
    CSSRS_HIGH,
    a_session,
    checked_in,
    facts_on_record,
    ordered,
    prechecks_done,
    ready_to_check,
    weighed,
)

pytestmark = pytest.mark.django_db


def url(name: str, session: InfusionSession) -> str:
    return reverse(
        f"infusions:{name}",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def text(response) -> str:
    return response.content.decode()


def test_today_lists_the_sites_sessions_and_audits(clinic, login):
    session = a_session(clinic)
    before = AuditEvent.objects.count()
    page = login(clinic.front_desk).get(reverse("infusions:today"))
    assert page.status_code == 200
    assert "HART, Robin" in text(page)
    assert url("checkin", session) in text(page)
    viewed = AuditEvent.objects.filter(seq__gt=before, action="view", username="desk_ray")
    assert viewed.filter(patient_public_id=clinic.patient.public_id).exists()
    other = login(clinic.other_site_nurse).get(reverse("infusions:today"))
    assert other.status_code == 200
    assert "HART, Robin" not in text(other)


def test_the_hub_shows_front_desk_the_state_only(clinic, login):
    facts_on_record(clinic)
    session = checked_in(clinic)
    desk = login(clinic.front_desk).get(url("session", session))
    assert desk.status_code == 200
    assert 'data-testid="session-state">Checked in' in text(desk)
    assert 'data-testid="checklist"' not in text(desk)
    assert url("cancel", session) in text(desk)
    nurse = login(clinic.nurse).get(url("session", session))
    assert 'data-testid="checklist"' in text(nurse)
    assert url("prechecks", session) in text(nurse)
    assert url("order", session) not in re.findall(
        r'class="button[^"]*" href="([^"]+)"', text(nurse)
    )


def test_check_in_page_and_a_stale_version(clinic, login):
    session = a_session(clinic)
    chair = a_chair(clinic.site_a, "Chair 2")
    client = login(clinic.front_desk)
    stale = {"version": session.version, "chair": str(chair.public_id)}
    done = client.post(url("checkin", session), stale)
    assert done.status_code == 302
    session.refresh_from_db()
    assert (session.state, session.chair) == ("checked_in", chair)
    again = client.post(url("checkin", session), stale)
    assert again.status_code == 200
    assert "changed by someone else" in text(again)
    session.refresh_from_db()
    assert session.version == 2


def test_checklist_page_records_reviews_and_completes(clinic, login):
    facts_on_record(clinic, cssrs=CSSRS_HIGH)
    session = checked_in(clinic)
    nurse = login(clinic.nurse)
    page = nurse.get(url("prechecks", session))
    assert page.status_code == 200
    assert "at least 6 h" in text(page)
    entries = {
        "action": "record",
        "version": session.version,
        "fasting_hours": "8",
        "escort_confirmed": "yes",
        "escort_name": "Chris Hart",
        "pregnancy": "negative",
        "new_contraindication": "no",
        "sbp_mmhg": "126",
        "dbp_mmhg": "80",
        "hr_bpm": "70",
        "spo2_pct": "98",
        "rr_per_min": "14",
    }
    bad = nurse.post(url("prechecks", session), {**entries, "spo2_pct": "101"})
    assert bad.status_code == 200
    assert "spo2_pct: 101 is not allowed; allowed: 50 to 100 %" in text(bad)
    assert nurse.post(url("prechecks", session), entries).status_code == 302
    complete = {"action": "complete", "version": session.version}
    refused = nurse.post(url("prechecks", session), complete)
    assert 'data-testid="complete-error"' in text(refused)
    assert "C-SSRS high risk" in text(refused)
    page = nurse.get(url("prechecks", session))
    assert 'data-testid="review-cssrs"' in text(page)
    assert "Only a prescriber can review this" in text(page)
    review = {"action": "review", "version": session.version, "item": "cssrs"}
    prescriber = login(clinic.prescriber)
    short = prescriber.post(url("prechecks", session), {**review, "reason": "ok"})
    assert "at least 10 characters" in text(short)
    reason = "Seen in person, safety plan updated; proceed"
    assert (
        prescriber.post(url("prechecks", session), {**review, "reason": reason}).status_code == 302
    )
    assert nurse.post(url("prechecks", session), complete).status_code == 302
    session.refresh_from_db()
    assert session.state == "prechecks_done"


def test_order_page_orders_and_draws_the_predicted_curve(clinic, login):
    weighed(clinic)
    session = checked_in(clinic)
    client = login(clinic.prescriber)
    page = client.get(url("order", session))
    assert page.status_code == 200
    assert 'name="mg_per_kg"' in text(page)
    assert 'name="dose_mg"' not in text(page)  # IV course: weight-based fields only
    data = {
        "supersedes": "",
        "weight_kg": "80",
        "mg_per_kg": "1.2",
        "minutes": "40",
        "vial_mg_per_ml": "10",
        "bag_ml": "100",
        "dilution": "add",
    }
    refused = client.post(url("order", session), data)
    assert "outside the hard limit maximum 1.0 mg/kg" in text(refused)
    assert client.post(url("order", session), {**data, "mg_per_kg": "0.5"}).status_code == 302
    page = client.get(url("order", session))
    assert 'data-testid="pk-chart"' in text(page)
    assert "<polyline" in text(page)
    assert "156.0 mL/h" in text(page)  # 104 mL over 40 min
    nurse = login(clinic.nurse).get(url("order", session))
    assert nurse.status_code == 200
    assert 'name="mg_per_kg"' not in text(nurse)


def test_check_page_hides_the_order_until_the_checker_has_entered(clinic, login):
    session, order = ready_to_check(clinic)
    client = login(clinic.nurse)
    page = client.get(url("check", session))
    assert page.status_code == 200
    body = text(page)
    for ordered_value in ("80.00", "80 kg", "150.0", "10.00", "40.00 mg"):
        assert ordered_value not in body
    assert "withheld during the independent check" in body
    data = {
        "version": session.version,
        "order": str(order.public_id),
        "weight_kg": "80",
        "vial_mg_per_ml": "50",
        "rate_ml_per_h": "150",
    }
    mismatch = client.post(url("check", session), data)
    assert mismatch.status_code == 200
    assert "vial_mg_per_ml: does not match the order" in text(mismatch)
    assert "150.0" not in text(mismatch)
    assert DoseCheck.objects.filter(matched=False).count() == 1
    done = client.post(url("check", session), {**data, "vial_mg_per_ml": "10"})
    assert done.status_code == 302
    session.refresh_from_db()
    assert session.state == "dose_verified"


def test_the_orderer_is_told_to_ask_someone_else(clinic, login):
    session = prechecks_done(clinic)
    order = ordered(clinic, session)
    client = login(clinic.prescriber)
    assert "another clinician must check it" in text(client.get(url("check", session)))
    data = {
        "version": session.version,
        "order": str(order.public_id),
        "weight_kg": "80",
        "vial_mg_per_ml": "10",
        "rate_ml_per_h": "150",
    }
    refused = client.post(url("check", session), data)
    assert "a clinician other than the prescriber who ordered the dose" in text(refused)


def test_cancel_page(clinic, login):
    session = a_session(clinic)
    client = login(clinic.front_desk)
    short = client.post(url("cancel", session), {"version": 1, "reason": "no"})
    assert "at least 10 characters" in text(short)
    done = client.post(url("cancel", session), {"version": 1, "reason": "Patient has flu today"})
    assert done.status_code == 302
    session.refresh_from_db()
    assert session.state == "cancelled"


@pytest.mark.parametrize("name", ["session", "checkin", "prechecks", "order", "check", "cancel"])
def test_another_sites_staff_get_404(clinic, login, name):
    session = a_session(clinic)
    assert login(clinic.other_site_nurse).get(url(name, session)).status_code == 404


def test_a_session_under_another_patient_is_404(clinic, login):
    session = a_session(clinic)
    wrong = reverse(
        "infusions:session",
        kwargs={"patient_id": clinic.other_site_patient.public_id, "session_id": session.public_id},
    )
    clinic.prescriber.sites.add(clinic.site_b)
    assert login(clinic.prescriber).get(wrong).status_code == 404


def test_an_esketamine_session_orders_devices_and_checks_the_count(clinic, login):
    from django.utils import timezone

    from kclinic.web.infusions.services_lifecycle import session_for
    from tests.web.courses_factories import a_course, a_plan
    from tests.web.infusions_factories_session import (
        another_prescriber,
        consent_on_file,
        eligible_screening,
        record_all,
        scales_today,
    )

    today = timezone.localdate()
    course = a_course(clinic, started_on=today)
    a_plan(clinic, course, weekdays=(today.weekday(), (today.weekday() + 3) % 7))
    consent_on_file(clinic, "esketamine-rems-enrolment")
    eligible_screening(clinic)
    scales_today(clinic)
    weighed(clinic, "70")
    session = session_for(course.sessions.get(sequence=1))
    client = login(clinic.nurse)
    client.post(
        url("checkin", session), {"version": 1, "chair": str(a_chair(clinic.site_a).public_id)}
    )
    session.refresh_from_db()
    checklist = record_all(clinic, session, fasting_hours=2, liquids_hours="0.5")
    assert checklist.complete  # esketamine: 2 h food, 30 min liquids (label); weight not needed
    client.post(url("prechecks", session), {"action": "complete", "version": session.version})
    prescriber = login(another_prescriber(clinic))
    page = prescriber.get(url("order", session))
    assert 'name="dose_mg"' in text(page)
    assert 'name="mg_per_kg"' not in text(page)
    done = prescriber.post(
        url("order", session), {"supersedes": "", "weight_kg": "70", "dose_mg": "56"}
    )
    assert done.status_code == 302
    page = client.get(url("order", session))
    assert "2 × 28 mg" in text(page)
    assert 'data-testid="pk-chart"' not in text(page)  # no nasal model ships
    check = client.get(url("check", session))
    assert 'name="devices"' in text(check)
    assert 'name="rate_ml_per_h"' not in text(check)
    session.refresh_from_db()
    order = session.orders.get()
    data = {"version": session.version, "order": str(order.public_id), "weight_kg": "70"}
    wrong = client.post(url("check", session), {**data, "devices": "3"})
    assert "devices: does not match the order" in text(wrong)
    assert client.post(url("check", session), {**data, "devices": "2"}).status_code == 302
    session.refresh_from_db()
    assert session.state == "dose_verified"
