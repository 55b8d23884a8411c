"""Vital signs and alarms at the chair: range checks, the policy's verdict, alarms and their
acknowledgement, the overdue alarm, and two nurses recording at once."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from kclinic.domain.errors import ConfigurationError, UnknownNameError, ValidationError
from kclinic.domain.session_states import State
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.models import Alarm, VitalSet
from kclinic.web.infusions.policies import problems
from kclinic.web.infusions.services_monitoring import (
    OVERDUE_CODE,
    acknowledge_alarm,
    baseline_vitals,
    check_overdue,
    latest_vitals,
    open_alarms,
    record_vitals,
)
from kclinic.web.patients.services import ConflictError
from tests.web.infusions_factories_monitoring import another_patient, session_in


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def step_at(session, event: str) -> dt.datetime:
    """When the session took a lifecycle step, as stored."""
    return session.transitions.get(event=event).at


@pytest.fixture
def live(clinic):
    """An IV session infusing since 20 min ago (baseline 128/78 at -28 min)."""
    return session_in(clinic, State.INFUSING)


@pytest.mark.parametrize(
    ("values", "field", "allowed"),
    [
        ({"sbp_mmhg": 20, "dbp_mmhg": 10}, "sbp_mmhg", "40 to 300 mmHg"),
        ({"sbp_mmhg": 400, "dbp_mmhg": 90}, "sbp_mmhg", "40 to 300 mmHg"),
        ({"sbp_mmhg": 130, "dbp_mmhg": 80, "spo2_pct": 101}, "spo2_pct", "50 to 100 %"),
        ({"sbp_mmhg": 130, "dbp_mmhg": 80, "hr_bpm": 300}, "hr_bpm", "20 to 250 bpm"),
        ({"sbp_mmhg": 130, "dbp_mmhg": 80, "rr_per_min": 2}, "rr_per_min", "4 to 60 /min"),
        ({"sbp_mmhg": 130, "dbp_mmhg": 135}, "dbp_mmhg", "below the systolic 130"),
    ],
)
def test_out_of_range_vitals_are_refused_naming_the_field(clinic, live, values, field, allowed):
    sets, audit = VitalSet.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        record_vitals(Actor(clinic.nurse), live, **values)
    assert caught.value.field == field
    assert allowed in str(caught.value)
    assert (VitalSet.objects.count(), AuditEvent.objects.count()) == (sets, audit)


def test_a_normal_set_is_stored_with_its_phase_and_no_alarm(clinic, live):
    done = record_vitals(
        Actor(clinic.nurse), live, sbp_mmhg=134, dbp_mmhg=84, hr_bpm=80, spo2_pct=97
    )
    row = done.vital_set
    assert (row.phase, row.level, row.alerts, row.source) == ("infusion", "", [], "manual")
    assert (row.systolic, row.diastolic, row.heart_rate, row.spo2) == (134, 84, 80, 97)
    assert done.alarms == ()
    assert latest_vitals(live) == row
    assert baseline_vitals(live).systolic == 128  # the factory's pre-dose set
    assert AuditEvent.objects.filter(action="record_vitals", object_id=str(row.public_id)).exists()


def test_an_alert_raises_an_alarm(clinic, live):
    # SpO2 92 % is below the default 95 % (NCT05803551 exclusion, used as a warning).
    done = record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92)
    assert done.vital_set.level == "warn"
    assert [a["rule"] for a in done.vital_set.alerts] == ["spo2-low"]
    (alarm,) = done.alarms
    assert (alarm.kind, alarm.level, alarm.code) == ("vitals", "warn", "spo2-low")
    assert alarm.vital_set == done.vital_set
    assert list(open_alarms(live)) == [alarm]
    assert AuditEvent.objects.filter(action="raise_alarm", object_id=str(alarm.public_id)).exists()


def test_a_high_pressure_is_confirmed_by_a_second_reading_five_minutes_later(clinic, live):
    nurse, base = Actor(clinic.nurse), timezone.now()

    def ago(minutes: float) -> dt.datetime:  # from one fixed moment: gaps exact
        return base - dt.timedelta(minutes=minutes)

    first = record_vitals(nurse, live, sbp_mmhg=185, dbp_mmhg=100, taken_at=ago(8))
    assert [a.code for a in first.alarms] == ["bp-recheck"]
    assert first.vital_set.alerts[0]["pending"]  # names when the confirming reading is due
    early = record_vitals(nurse, live, sbp_mmhg=186, dbp_mmhg=101, taken_at=ago(5))
    assert [a.code for a in early.alarms] == ["bp-recheck"]  # 3 min apart: not yet confirmed
    confirmed = record_vitals(nurse, live, sbp_mmhg=184, dbp_mmhg=99, taken_at=ago(3))
    assert [(a.code, a.level) for a in confirmed.alarms] == [("bp-pause", "pause")]


def test_a_crisis_symptom_escalates_whatever_the_numbers(clinic, live):
    done = record_vitals(
        Actor(clinic.nurse), live, sbp_mmhg=124, dbp_mmhg=78, symptoms=["chest_pain"]
    )
    (alarm,) = done.alarms
    assert (alarm.kind, alarm.level, alarm.code) == ("crisis", "emergency", "crisis-symptom")
    assert done.vital_set.symptoms == ["chest_pain"]
    with pytest.raises(UnknownNameError) as caught:
        record_vitals(Actor(clinic.nurse), live, sbp_mmhg=124, dbp_mmhg=78, symptoms=["itch"])
    assert caught.value.field == "symptoms"


def test_device_readings_name_their_monitor(clinic, live):
    nurse = Actor(clinic.nurse)
    row = record_vitals(
        nurse, live, sbp_mmhg=130, dbp_mmhg=80, source="device", device_id="bedside-3"
    ).vital_set
    assert (row.source, row.device_id) == ("device", "bedside-3")
    with pytest.raises(ValidationError) as caught:
        record_vitals(nurse, live, sbp_mmhg=130, dbp_mmhg=80, source="device")
    assert caught.value.field == "device_id"
    with pytest.raises(ValidationError) as caught:
        record_vitals(nurse, live, sbp_mmhg=130, dbp_mmhg=80, device_id="bedside-3")
    assert caught.value.field == "device_id"
    with pytest.raises(UnknownNameError) as caught:
        record_vitals(nurse, live, sbp_mmhg=130, dbp_mmhg=80, source="fax")
    assert caught.value.field == "source"


def test_the_phase_is_the_one_the_set_was_taken_in(clinic, live):
    # Entered now, taken 2 min before the infusion started.
    before = step_at(live, "start_infusion") - dt.timedelta(minutes=2)
    late = record_vitals(Actor(clinic.nurse), live, sbp_mmhg=126, dbp_mmhg=76, taken_at=before)
    assert late.vital_set.phase == "pre_dose"
    assert baseline_vitals(live) == late.vital_set


@pytest.mark.parametrize(
    ("when", "allowed"),
    [
        ("before check-in", "a time from check-in until discharge"),
        ("in the future", "not in the future"),
    ],
)
def test_times_outside_the_session_are_refused(clinic, live, when, allowed):
    if when == "before check-in":
        taken = step_at(live, "check_in") - dt.timedelta(minutes=5)
    else:
        taken = timezone.now() + dt.timedelta(minutes=30)
    with pytest.raises(ValidationError) as caught:
        record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, taken_at=taken)
    assert caught.value.field == "taken_at"
    assert allowed in caught.value.allowed


def test_only_clinical_staff_of_the_site_record(clinic, live):
    for user in (clinic.compliance, clinic.front_desk, clinic.other_site_nurse):
        with pytest.raises(PermissionDenied):
            record_vitals(Actor(user), live, sbp_mmhg=130, dbp_mmhg=80)
    assert not live.vitals.filter(phase="infusion").exists()


def test_acknowledging_needs_an_action_and_happens_once(clinic, live):
    (alarm,) = record_vitals(
        Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92
    ).alarms
    with pytest.raises(UnknownNameError) as caught:
        acknowledge_alarm(Actor(clinic.nurse), alarm, "", "rechecked")
    assert caught.value.field == "action"
    assert "observed" in caught.value.allowed
    with pytest.raises(ValidationError) as caught:
        acknowledge_alarm(Actor(clinic.nurse), alarm, "medication")
    assert caught.value.field == "note"
    with pytest.raises(PermissionDenied):
        acknowledge_alarm(Actor(clinic.compliance), alarm, "observed")
    done = acknowledge_alarm(
        Actor(clinic.nurse), alarm, "medication", "oxygen 2 L/min by nasal cannula"
    )
    assert (done.action, done.acknowledged_by) == ("medication", clinic.nurse)
    assert done.acknowledged_at is not None
    assert not open_alarms(live).exists()
    with pytest.raises(ConflictError, match="already acknowledged"):
        acknowledge_alarm(Actor(clinic.prescriber), alarm, "observed")
    row = AuditEvent.objects.get(action="acknowledge_alarm", object_id=str(alarm.public_id))
    assert row.detail["action"] == "medication"


def test_overdue_vitals_raise_one_alarm_until_a_set_is_recorded(clinic):
    # Infusing since 30 min ago with no set since: due at start + 10 min = 20 min ago.
    session = session_in(clinic, State.INFUSING, started_at=ago(30))
    viewer = Actor(clinic.compliance)  # whoever looks at the board triggers the check
    raised = check_overdue(viewer, session)
    assert raised is not None
    assert (raised.kind, raised.code, raised.level) == ("overdue", OVERDUE_CODE, "warn")
    assert check_overdue(viewer, session) is None  # idempotent: one open at a time
    assert check_overdue(Actor(clinic.nurse), session) is None
    assert Alarm.objects.filter(session=session, code=OVERDUE_CODE).count() == 1
    done = record_vitals(Actor(clinic.nurse), session, sbp_mmhg=132, dbp_mmhg=82)
    assert [a.pk for a in done.resolved] == [raised.pk]
    raised.refresh_from_db()
    assert (raised.action, raised.acknowledged_by) == ("observed", clinic.nurse)
    assert check_overdue(viewer, session) is None  # next set due in 10 min
    later = check_overdue(viewer, session, now=timezone.now() + dt.timedelta(minutes=11))
    assert later is not None
    assert later.pk != raised.pk


def test_nothing_is_overdue_inside_the_interval_and_recovery_counts_fifteen(clinic):
    infusing = session_in(clinic, State.INFUSING, started_at=ago(5))
    start = step_at(infusing, "start_infusion")
    nurse = Actor(clinic.nurse)
    assert check_overdue(nurse, infusing, now=start + dt.timedelta(minutes=10)) is None
    # The infusion ended (no set since): the recovery set is due 15 min after the end.
    other = another_patient(clinic)
    ended = session_in(clinic, State.INFUSION_ENDED, started_at=ago(20), patient=other)
    end = step_at(ended, "end_infusion")
    assert check_overdue(nurse, ended, now=end + dt.timedelta(minutes=15)) is None
    late = check_overdue(nurse, ended, now=end + dt.timedelta(minutes=16))
    assert late is not None
    assert "every 15 min in recovery" in late.message


def test_no_overdue_alarm_before_dosing(clinic):
    waiting = session_in(clinic, State.DOSE_VERIFIED)
    assert check_overdue(Actor(clinic.nurse), waiting, now=ago(-120)) is None


def _record(user, session, sbp: int, taken: dt.datetime, barrier=None) -> None:
    if barrier is not None:
        barrier.wait(timeout=30)
    try:
        record_vitals(Actor(user), session, sbp_mmhg=sbp, dbp_mmhg=80, taken_at=taken)
    finally:
        if barrier is not None:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_nurses_recording_at_once_both_land_in_order(clinic):
    session = session_in(clinic, State.INFUSING)
    second_nurse = type(clinic.nurse).objects.create_user(
        username="nurse_two", role=clinic.nurse.role, password="x" * 16
    )
    second_nurse.sites.set([clinic.site_a])
    earlier, later = ago(4), ago(2)
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=_record, args=(clinic.nurse, session, 141, later, barrier)),
            threading.Thread(target=_record, args=(second_nurse, session, 139, earlier, barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        # SQLite in memory has one connection: the later-taken set is entered first.
        _record(clinic.nurse, session, 141, later)
        _record(second_nurse, session, 139, earlier)
    rows = list(session.vitals.filter(phase="infusion").order_by("taken_at", "id"))
    assert [(r.systolic, r.recorded_by.username) for r in rows] == [
        (139, "nurse_two"),
        (141, "nurse_kim"),
    ]


def test_the_clinic_protocol_file_changes_the_thresholds(clinic, live, settings, tmp_path):
    # Default pause 180/110: 172/100 raises nothing in infusion. The clinic pauses at 170/105.
    assert record_vitals(Actor(clinic.nurse), live, sbp_mmhg=172, dbp_mmhg=100).alarms == ()
    path = tmp_path / "protocol.json"
    path.write_text(
        json.dumps({"source": "Riverside v3", "vital_signs": {"pause_bp": [170, 105]}}),
        encoding="utf-8",
    )
    settings.KCLINIC_PROTOCOL_FILE = str(path)
    assert problems() == []
    (alarm,) = record_vitals(Actor(clinic.nurse), live, sbp_mmhg=172, dbp_mmhg=100).alarms
    assert alarm.code == "bp-recheck"


def test_a_bad_protocol_file_is_a_configuration_error(clinic, live, settings, tmp_path):
    path = tmp_path / "bad-protocol.json"
    path.write_text(
        json.dumps({"vital_signs": {"pause_bp": [130, 85]}, "discharge": {"moaas": 5}}),
        encoding="utf-8",
    )
    settings.KCLINIC_PROTOCOL_FILE = str(path)
    found = problems()
    assert len(found) == 2
    assert "vital_signs.predose_warn_bp[0]" in found[0]
    assert "discharge: 'moaas'" in found[1]
    with pytest.raises(ConfigurationError, match="KCLINIC_PROTOCOL_FILE"):
        record_vitals(Actor(clinic.nurse), live, sbp_mmhg=130, dbp_mmhg=80)
    assert not live.vitals.filter(phase="infusion").exists()
