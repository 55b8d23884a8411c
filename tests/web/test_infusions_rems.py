"""The REMS Patient Monitoring Form: filled from the session, completed only when nothing is
missing, locked once complete, submission recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain import rems
from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_rems
from kclinic.web.infusions.pdf_rems import LABELS, rems_pdf
from kclinic.web.patients.models import Medication
from tests.web.infusions_factories_discharge import (
    CLINICIAN_ANSWERS,
    LOT_NUMBER,
    discharged,
    minutes_ago,
    ready_session,
    scale,
)


def _save(user, session, answers=CLINICIAN_ANSWERS, confirmed=True):
    return services_rems.save_rems(Actor(user), session, answers, medications_confirmed=confirmed)


def test_session_answers_fill_the_form(clinic):
    session = discharged(clinic, modality="esketamine")
    data = services_rems.current_data(session, clinic.nurse)
    start = session.transitions.get(event="start_infusion").at
    assert data["first_device_at"] == start.isoformat()
    assert data["treatment_date"] == timezone.localdate(start).isoformat()
    assert data["dose_mg"] == 56
    assert data["lot_number"] == LOT_NUMBER
    assert data["total_monitoring_minutes"] >= 120
    assert (data["bp_before_administration"]["sbp_mmhg"], data["bp_40_min"]["sbp_mmhg"]) == (
        130,
        150,
    )
    assert data["bp_before_completion"]["sbp_mmhg"] == 132
    assert data["sedation"] is False  # MOAA/S 5 only
    assert data["dissociation"] is True  # CADSS 2 after 0 before
    assert data["respiratory_depression"] is False  # SpO2 98, RR 14
    assert data["patient_last_name"] == clinic.patient.family_name
    assert set(data["derived"]) >= {"dose_mg", "bp_40_min", "sedation", "lot_number"}


def test_sedation_and_respiratory_depression_from_the_readings(clinic):
    session = ready_session(clinic, modality="esketamine")
    scale(clinic, session, "moaas", [4], minutes_ago(60), "40 min")
    from tests.web.infusions_factories_discharge import vitals

    vitals(clinic, session, minutes_ago(61), 140, 85, spo2=91)
    data = services_rems.current_data(session, clinic.nurse)
    assert data["sedation"] is True
    assert data["respiratory_depression"] is True


def test_cannot_complete_with_missing_fields(clinic):
    session = discharged(clinic, modality="esketamine")
    with pytest.raises(ValidationError) as refused:
        services_rems.complete_rems(Actor(clinic.nurse), session)
    message = str(refused.value)
    for name in ("hcp_telephone", "setting_address_1", "setting_zip", "medications_confirmed"):
        assert name in message
    assert not hasattr(session, "rems_form") or session.rems_form.completed_at is None

    _save(clinic.nurse, session, {**CLINICIAN_ANSWERS, "setting_zip": ""})
    with pytest.raises(ValidationError, match="setting_zip: required") as again:
        services_rems.complete_rems(Actor(clinic.nurse), session)
    assert "hcp_telephone" not in str(again.value)


def test_cannot_complete_before_two_hours(clinic):
    session = discharged(clinic, modality="esketamine")
    form = services_rems.current_data(session, clinic.nurse)
    assert form["total_monitoring_minutes"] >= 120
    # The core's rule, on the stored form: a short session is refused by name.
    short = {**form, "total_monitoring_minutes": 100}
    assert any(p.startswith("total_monitoring_minutes: 100") for p in services_rems.problems(short))


def test_complete_locks_the_form(clinic):
    session = discharged(clinic, modality="esketamine")
    _save(clinic.nurse, session)
    done = services_rems.complete_rems(Actor(clinic.nurse), session)
    assert done.completed_by == clinic.nurse
    assert done.data["hcp_telephone"] == "555-0199"
    assert done.form_version == rems.FORM_VERSION
    with pytest.raises(ValidationError, match="completed"):
        _save(clinic.nurse, session, {"hcp_telephone": "555-0000"})
    assert AuditEvent.objects.filter(
        action="rems_completed", object_id=str(session.public_id)
    ).exists()


def test_session_answers_cannot_be_typed_over(clinic):
    session = discharged(clinic, modality="esketamine")
    with pytest.raises(ValidationError, match="bp_40_min"):
        _save(clinic.nurse, session, {"bp_40_min": {"sbp_mmhg": 120, "dbp_mmhg": 80}})
    with pytest.raises(ValidationError, match="dose_mg"):
        _save(clinic.nurse, session, {"dose_mg": 84})
    with pytest.raises(ValidationError, match="a field of the REMS form"):
        _save(clinic.nurse, session, {"favourite_colour": "blue"})
    with pytest.raises(ValidationError, match="takes_maois"):
        _save(clinic.nurse, session, {"takes_maois": "maybe"})


def test_medicines_are_suggested_from_the_medication_list(clinic):
    Medication.objects.create(
        patient=clinic.patient, name="Lorazepam", dose="1 mg at night", recorded_by=clinic.nurse
    )
    session = discharged(clinic, modality="esketamine")
    data = services_rems.current_data(session, clinic.nurse)
    assert data["takes_benzodiazepines"] is True
    assert data["takes_maois"] is False
    assert data["medications_confirmed"] is False


def test_hcp_and_setting_are_carried_from_the_last_form_at_the_site(clinic):
    first = discharged(clinic, modality="esketamine")
    _save(clinic.nurse, first)
    from kclinic.web.patients.models import Patient
    from tests.web.factories import PatientFactory

    other: Patient = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    clinic.patient = other
    second = discharged(clinic, modality="esketamine")
    data = services_rems.current_data(second, clinic.nurse)
    assert data["setting_address_1"] == "1 Main St"
    assert data["hcp_telephone"] == "555-0199"
    assert data["patient_last_name"] == other.family_name


def test_iv_sessions_have_no_rems_form(clinic):
    session = ready_session(clinic, modality="iv")
    with pytest.raises(ValidationError, match="esketamine"):
        services_rems.current_data(session, clinic.nurse)


def test_mark_submitted(clinic):
    session = discharged(clinic, modality="esketamine")
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="a completed form"):
        services_rems.mark_submitted(Actor(clinic.nurse), session, submitted_on=today)
    _save(clinic.nurse, session)
    services_rems.complete_rems(Actor(clinic.nurse), session)
    with pytest.raises(ValidationError, match="submitted_on"):
        services_rems.mark_submitted(
            Actor(clinic.nurse), session, submitted_on=today + dt.timedelta(days=1)
        )
    with pytest.raises(PermissionDenied):
        services_rems.mark_submitted(Actor(clinic.front_desk), session, submitted_on=today)
    form = services_rems.mark_submitted(
        Actor(clinic.nurse), session, submitted_on=today, reference="PMF-123"
    )
    assert form.submitted_on == today
    assert form.submission_reference == "PMF-123"
    with pytest.raises(ValidationError, match="not yet recorded"):
        services_rems.mark_submitted(Actor(clinic.nurse), session, submitted_on=today)


def test_pdf_has_every_field(clinic):
    session = discharged(clinic, modality="esketamine")
    data = services_rems.current_data(session, clinic.nurse)
    assert set(LABELS) == set(services_rems.FIELDS)
    content = rems_pdf(session, data, services_rems.problems(data), compress=False)
    assert content.startswith(b"%PDF")
    for label in LABELS.values():
        literal = label.replace("(", "\\(").replace(")", "\\)")  # as a PDF string
        assert f"({literal})".encode() in content, label
    assert clinic.patient.mrn.encode() in content
    assert LOT_NUMBER.encode() in content
    assert b"150/92 mmHg" in content
    assert b"(NOT COMPLETE)" in content
    assert b"hcp_telephone: required" in content


def test_spo2_only_set_counts_for_respiratory_depression(clinic):
    from kclinic.web.infusions.models import VitalSet

    session = ready_session(clinic, modality="esketamine")
    assert services_rems.current_data(session, clinic.nurse)["respiratory_depression"] is False
    VitalSet.objects.create(
        session=session,
        phase="recovery",
        taken_at=minutes_ago(30),
        spo2=92,
        recorded_at=minutes_ago(30),
        recorded_by=clinic.nurse,
    )
    assert services_rems.current_data(session, clinic.nurse)["respiratory_depression"] is True


def test_aborted_session_takes_the_monitoring_minutes_from_the_clinician(clinic):
    from kclinic.domain.session_states import Event
    from kclinic.web.infusions.services_lifecycle import apply_event
    from tests.web.infusions_factories_discharge import dosed

    session = dosed(clinic, modality="esketamine")
    apply_event(Actor(clinic.prescriber), session, Event.ABORT, reason="BP 205/122 at 30 min")
    assert (
        "total_monitoring_minutes"
        not in services_rems.current_data(session, clinic.nurse)["derived"]
    )
    form = _save(clinic.nurse, session, {"total_monitoring_minutes": 180})
    assert form.data["total_monitoring_minutes"] == 180


def test_build_form_gives_the_cores_form(clinic):
    session = discharged(clinic, modality="esketamine")
    _save(clinic.nurse, session)
    form = services_rems.build_form(session, clinic.nurse)
    assert isinstance(form, rems.PatientMonitoringForm)
    assert form.bp_40_min is not None
    assert form.bp_40_min.sbp_mmhg == 150
    assert rems.check_form(form) == ()
