"""Pump events and the lifecycle, volume infused, abort, chair-side scales, side effects,
interventions and adverse events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import AnswerError, UnknownNameError, ValidationError
from kclinic.domain.session_states import State
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.models import ClinicalEvent, InfusionEvent
from kclinic.web.infusions.services_events import (
    abort_session,
    record_clinical_event,
    record_infusion_event,
    record_scale,
)
from kclinic.web.infusions.services_monitoring import pump_progress, volume_infused_ml
from kclinic.web.tasks.models import Task
from tests.web.infusions_factories_monitoring import another_patient, session_in

D = Decimal


def ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def test_the_infusion_starts_only_after_the_dose_is_verified(clinic):
    session = session_in(clinic, State.PRECHECKS_DONE)
    with pytest.raises(ValidationError) as caught:
        record_infusion_event(Actor(clinic.nurse), session, "start")
    assert caught.value.field == "event"
    assert "verify_dose" in caught.value.allowed
    assert not InfusionEvent.objects.filter(session=session).exists()
    session.refresh_from_db()
    assert session.state == "prechecks_done"


def test_start_runs_at_the_ordered_rate_and_moves_the_state(clinic):
    session = session_in(clinic, State.DOSE_VERIFIED)
    event = record_infusion_event(Actor(clinic.nurse), session, "start", at=ago(1))
    assert (event.kind, event.rate_ml_per_h) == ("start", D("150.0"))
    session.refresh_from_db()
    assert session.state == "infusing"
    step = session.transitions.order_by("seq").last()
    assert (step.event, step.by) == ("start_infusion", clinic.nurse)
    audit = AuditEvent.objects.get(action="session_start_infusion")
    assert audit.detail["infusion_event"] == "start"
    assert audit.detail["rate_ml_per_h"] == "150.0"


def test_pause_resume_rate_change_and_stop(clinic):
    session = session_in(clinic, State.INFUSING, started_at=ago(30))
    nurse = Actor(clinic.nurse)
    start = session.infusion_events.get(kind="start").at

    def at(minutes: int) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    record_infusion_event(nurse, session, "pause", note="nausea", at=at(10))
    assert session.state == "paused"
    record_infusion_event(nurse, session, "resume", rate_ml_per_h="75", at=at(15))
    assert session.state == "infusing"
    record_infusion_event(
        nurse, session, "rate_change", rate_ml_per_h="100", note="settled", at=at(20)
    )
    assert session.state == "infusing"  # a rate change moves no state
    change = AuditEvent.objects.get(action="infusion_rate_change")
    assert change.detail["rate_ml_per_h"] == "100.0"
    assert change.detail["reason"] == "settled"
    # Hand sum to 25 min: 150 mL/h x 10 min = 25 mL; 75 x 5 = 6.25; 100 x 5 = 8.33...
    # = 39.58... mL, rounded down to 39.5.
    assert volume_infused_ml(session, at(25)) == D("39.5")
    record_infusion_event(nurse, session, "stop", at=at(25))
    assert session.state == "infusion_ended"
    assert volume_infused_ml(session, timezone.now()) == D("39.5")  # nothing after the stop
    kinds = list(session.infusion_events.values_list("kind", flat=True))
    assert kinds == ["start", "pause", "resume", "rate_change", "stop"]


@pytest.mark.parametrize(
    ("rate", "note", "field", "allowed"),
    [
        ("151", "faster", "rate_ml_per_h", "at most the ordered 150.0 mL/h"),
        ("0", "slower", "rate_ml_per_h", "more than 0"),
        ("-10", "slower", "rate_ml_per_h", "more than 0"),
        ("fast", "slower", "rate_ml_per_h", "a number"),
        (None, "slower", "rate_ml_per_h", "the new rate"),
        ("75", "", "note", "a non-blank text"),
    ],
)
def test_bad_rate_changes_are_refused(clinic, rate, note, field, allowed):
    session = session_in(clinic, State.INFUSING)
    with pytest.raises(ValidationError) as caught:
        record_infusion_event(
            Actor(clinic.nurse), session, "rate_change", rate_ml_per_h=rate, note=note
        )
    assert caught.value.field == field
    assert allowed in caught.value.allowed
    assert session.infusion_events.count() == 1  # only the start


def test_pump_events_out_of_turn_are_refused(clinic):
    session = session_in(clinic, State.INFUSING)
    with pytest.raises(ValidationError) as caught:
        record_infusion_event(Actor(clinic.nurse), session, "resume")
    assert caught.value.field == "event"  # the lifecycle: infusing allows pause, end, abort
    assert "pause" in caught.value.allowed
    waiting = session_in(clinic, State.DOSE_VERIFIED, patient=another_patient(clinic))
    with pytest.raises(ValidationError) as caught:
        record_infusion_event(
            Actor(clinic.nurse), waiting, "rate_change", rate_ml_per_h="100", note="early"
        )
    assert caught.value.field == "events[0].kind"  # the pump: nothing runs before a start
    with pytest.raises(UnknownNameError):
        record_infusion_event(Actor(clinic.nurse), session, "bolus")
    with pytest.raises(PermissionDenied):
        record_infusion_event(Actor(clinic.compliance), session, "pause")


def test_the_volume_stops_at_the_vtbi(clinic):
    # 150 mL/h for 45 min would be 112.5 mL; the order's VTBI is 100 mL.
    session = session_in(clinic, State.INFUSING, started_at=ago(50))
    start = session.infusion_events.get(kind="start").at
    pump = pump_progress(session, start + dt.timedelta(minutes=45))
    assert (pump.volume_ml, pump.vtbi_reached) == (D("100.0"), True)
    assert volume_infused_ml(session, start + dt.timedelta(minutes=20)) == D("50.0")


def test_a_nasal_spray_session_has_no_pump(clinic):
    session = session_in(clinic, State.INFUSING, modality="esketamine")
    assert session.infusion_events.get().rate_ml_per_h is None
    assert volume_infused_ml(session, timezone.now()) == D("0.0")
    assert pump_progress(session, timezone.now()) is None
    with pytest.raises(ValidationError) as caught:
        record_infusion_event(
            Actor(clinic.nurse), session, "rate_change", rate_ml_per_h="10", note="x"
        )
    assert "no pump" in caught.value.allowed


def test_abort_needs_drug_given_and_a_reason(clinic):
    waiting = session_in(clinic, State.DOSE_VERIFIED)
    with pytest.raises(ValidationError) as caught:
        abort_session(Actor(clinic.nurse), waiting, reason="patient unwell")
    assert caught.value.field == "event"
    assert "cancel" in caught.value.allowed
    running = session_in(clinic, State.INFUSING, patient=another_patient(clinic))
    with pytest.raises(ValidationError) as caught:
        abort_session(Actor(clinic.nurse), running, reason="  ")
    assert caught.value.field == "reason"
    abort_session(Actor(clinic.nurse), running, reason="BP 210/125, prescriber stopped it")
    assert running.state == "aborted"
    stop = running.infusion_events.order_by("at", "id").last()
    assert stop.kind == "stop"
    assert "BP 210/125" in stop.note
    assert running.transitions.order_by("seq").last().reason.startswith("BP 210/125")


def test_scales_are_stored_as_assessments_at_their_time_point(clinic):
    session = session_in(clinic, State.INFUSING)
    # CADSS (23 items, 0-4): five items 1 and two items 2 = 9 (reference 5.7 vector).
    answers = [1] * 5 + [2] * 2 + [0] * 16
    scale = record_scale(Actor(clinic.nurse), session, "cadss", answers, "40 min")
    assert scale.time_point == "40 min"
    assert (scale.assessment.instrument_id, scale.assessment.total) == ("cadss", 9)
    assert scale.assessment.context == "other"
    assert scale.assessment.patient == clinic.patient
    assert AuditEvent.objects.filter(action="record_session_scale").exists()
    pre = record_scale(
        Actor(clinic.nurse), session, "moaas", [5], "pre-dose", administered_at=ago(25)
    )
    assert pre.assessment.context == "pre-session"


def test_loss_of_consciousness_on_moaas_opens_a_safety_task(clinic):
    session = session_in(clinic, State.INFUSING)
    record_scale(Actor(clinic.nurse), session, "moaas", [0], "as needed")
    assert Task.objects.filter(patient=clinic.patient, kind="safety").exists()


def test_the_aldrete_circulation_item_is_computed_from_the_vitals(clinic):
    from kclinic.web.infusions.services_monitoring import record_vitals

    session = session_in(clinic, State.RECOVERY)
    # Baseline systolic 128; latest 155: |27| mmHg is over 20, so circulation scores 1.
    record_vitals(Actor(clinic.nurse), session, sbp_mmhg=155, dbp_mmhg=88)
    items = {"activity": 2, "respiration": 2, "consciousness": 2, "spo2": 2}
    scale = record_scale(Actor(clinic.nurse), session, "aldrete", items, "pre-discharge")
    assert scale.assessment.answers["circulation"] == 1
    assert scale.assessment.total == 9
    assert scale.assessment.context == "post-session"


@pytest.mark.parametrize(
    ("instrument", "answers", "point", "error", "field"),
    [
        ("phq9", [0] * 9, "40 min", UnknownNameError, "instrument_id"),
        ("cadss", [0] * 23, "at 37 min", UnknownNameError, "time_point"),
        ("moaas", [7], "40 min", AnswerError, None),
    ],
)
def test_bad_scales_are_refused(clinic, instrument, answers, point, error, field):
    session = session_in(clinic, State.INFUSING)
    with pytest.raises(error) as caught:
        record_scale(Actor(clinic.nurse), session, instrument, answers, point)
    if field:
        assert caught.value.field == field
    assert not session.scales.exists()


def test_side_effects_interventions_and_adverse_events(clinic):
    session = session_in(clinic, State.INFUSING)
    nurse = Actor(clinic.nurse)
    nausea = record_clinical_event(nurse, session, "side_effect", "Nausea", at=ago(5))
    given = record_clinical_event(
        nurse,
        session,
        "intervention",
        "Antiemetic for nausea",
        medication="ondansetron",
        dose="4 mg",
        route="IV",
        at=ago(4),
    )
    adverse = record_clinical_event(
        nurse,
        session,
        "adverse_event",
        "Vomiting twice",
        grade=2,
        outcome="resolved",
    )
    serious = record_clinical_event(
        Actor(clinic.prescriber),
        session,
        "adverse_event",
        "Syncope with fall, admitted for observation",
        grade=3,
        serious=True,
        seriousness=["hospitalisation"],
    )
    assert [e.kind for e in session.clinical_events.order_by("at", "id")] == [
        "side_effect",
        "intervention",
        "adverse_event",
        "adverse_event",
    ]
    assert (given.medication, given.dose, given.route) == ("ondansetron", "4 mg", "IV")
    assert (adverse.grade, adverse.serious) == (2, False)
    assert (serious.serious, serious.seriousness) == (True, ["hospitalisation"])
    assert nausea.recorded_by == clinic.nurse
    assert AuditEvent.objects.filter(action="record_clinical_event").count() == 4


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        ("adverse_event", {"grade": 6}, "grade"),
        ("adverse_event", {"grade": None}, "grade"),
        ("adverse_event", {"grade": 3, "serious": True}, "seriousness"),
        ("adverse_event", {"grade": 2, "seriousness": ["death"]}, "serious"),
        (
            "adverse_event",
            {"grade": 5, "serious": True, "seriousness": ["disability"]},
            "seriousness",
        ),
        ("adverse_event", {"grade": 3, "serious": True, "seriousness": ["bad"]}, "seriousness"),
        ("side_effect", {"grade": 2}, "grade"),
        ("intervention", {"medication": "ondansetron", "route": "IV"}, "dose"),
        ("intervention", {"medication": "ondansetron", "dose": "4 mg", "route": "PR?"}, "route"),
        ("intervention", {"dose": "4 mg"}, "medication"),
        ("rash", {}, "kind"),
    ],
)
def test_bad_clinical_events_are_refused(clinic, kind, extra, field):
    session = session_in(clinic, State.INFUSING)
    with pytest.raises(ValidationError) as caught:
        record_clinical_event(Actor(clinic.nurse), session, kind, "Something", **extra)
    assert caught.value.field == field
    assert not ClinicalEvent.objects.exists()


def test_a_blank_description_is_refused(clinic):
    session = session_in(clinic, State.INFUSING)
    with pytest.raises(ValidationError) as caught:
        record_clinical_event(Actor(clinic.nurse), session, "side_effect", " ")
    assert caught.value.field == "description"
