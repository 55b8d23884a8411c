"""Check-in, the pre-infusion checklist, prescriber review and cancel, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import OutOfRangeError, ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import SessionStatus
from kclinic.web.infusions import services_session as services
from kclinic.web.infusions.models import PrecheckResult, VitalSet
from kclinic.web.infusions.policies import precheck_policy
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.patients.services import ConflictError
from tests.web.courses_factories import a_chair, a_course, a_plan, first_session
from tests.web.factories import PatientFactory
from tests.web.infusions_factories_session import (
    BASELINE,
    CSSRS_HIGH,
    a_session,
    checked_in,
    consent_on_file,
    eligible_screening,
    facts_on_record,
    prechecks_done,
    record_all,
    scales_today,
    weighed,
)

pytestmark = pytest.mark.django_db


def statuses(checklist: services.Checklist) -> dict[str, str]:
    return {r.item.value: r.status for r in checklist.results}


# --- check-in --------------------------------------------------------------------------------


def test_front_desk_checks_in_to_a_chair(clinic):
    session = a_session(clinic)
    chair = a_chair(clinic.site_a, "Chair 3")
    moved = services.check_in(
        Actor(clinic.front_desk), session, chair=chair, expected_version=session.version
    )
    assert (moved.state, moved.chair, moved.version) == ("checked_in", chair, 2)
    step = moved.transitions.get()
    assert (step.event, step.by) == ("check_in", clinic.front_desk)
    audit = AuditEvent.objects.filter(action="session_check_in").get()
    assert audit.detail["chair"] == "Chair 3"
    assert audit.patient_public_id == clinic.patient.public_id


def test_check_in_refusals(clinic):
    session = a_session(clinic)
    actor = Actor(clinic.nurse)
    other = a_chair(clinic.site_b, "South 1")
    with pytest.raises(ValidationError) as caught:
        services.check_in(actor, session, chair=other)
    assert caught.value.field == "chair"
    with pytest.raises(ValidationError) as caught:
        services.check_in(actor, session)  # no chair planned, none given
    assert caught.value.field == "chair"
    with pytest.raises(ConflictError):
        services.check_in(actor, session, chair=a_chair(clinic.site_a), expected_version=7)
    services.check_in(actor, session, chair=a_chair(clinic.site_a))
    with pytest.raises(ValidationError) as caught:
        services.check_in(actor, session, chair=a_chair(clinic.site_a))
    assert caught.value.field == "event"
    assert "the session is checked_in" in str(caught.value)


def test_a_chair_in_use_is_refused(clinic):
    first = checked_in(clinic, "Chair 1")
    patient = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    course = a_course(
        clinic,
        patient=patient,
        template_id="iv-3-a-week-2-weeks",
        modality="iv-racemic",
        started_on=timezone.localdate(),
    )
    a_plan(clinic, course, weekdays=range(7))
    other = session_for(first_session(course))
    with pytest.raises(ValidationError) as caught:
        services.check_in(Actor(clinic.nurse), other, chair=first.chair)
    assert caught.value.field == "chair"
    assert "in use" in str(caught.value)
    moved = services.check_in(Actor(clinic.nurse), other, chair=a_chair(clinic.site_a, "Chair 2"))
    assert moved.state == "checked_in"


def test_only_a_session_booked_for_today_is_checked_in(clinic):
    session = a_session(clinic)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        services.check_in(Actor(clinic.nurse), session, chair=a_chair(clinic.site_a), at=tomorrow)
    assert caught.value.field == "scheduled_at"


# --- the checklist ---------------------------------------------------------------------------


def test_everything_recorded_passes_and_completes(clinic):
    facts_on_record(clinic)
    session = checked_in(clinic)
    checklist = record_all(clinic, session)
    assert set(statuses(checklist).values()) == {"pass"}
    assert checklist.complete
    baseline = VitalSet.objects.get(session=session)
    assert (baseline.phase, baseline.source, baseline.systolic, baseline.level) == (
        "pre_dose",
        "manual",
        124,
        "",
    )
    done = services.complete_prechecks(
        Actor(clinic.nurse), session, expected_version=session.version
    )
    assert done.state == "prechecks_done"
    audit = AuditEvent.objects.filter(action="session_complete_prechecks").get()
    assert audit.detail["items"]["cssrs"] == "pass"


def test_completion_is_refused_listing_what_is_missing(clinic):
    consent_on_file(clinic)
    session = checked_in(clinic)
    with pytest.raises(ValidationError) as caught:
        services.complete_prechecks(Actor(clinic.nurse), session)
    message = str(caught.value)
    assert caught.value.field == "prechecks"
    for words in (
        "fasting: not recorded yet",
        "escort: not recorded yet",
        "baseline_vitals: not recorded yet",
        "cssrs: no C-SSRS screener today",
        "contraindications: no eligibility screening on file",
        "weight: no weight on file",
    ):
        assert words in message
    session.refresh_from_db()
    assert session.state == "checked_in"


def test_high_cssrs_blocks_until_a_prescriber_reviews(clinic):
    facts_on_record(clinic, cssrs=CSSRS_HIGH)
    session = checked_in(clinic)
    checklist = record_all(clinic, session)
    assert [r.item.value for r in checklist.completion.blocking] == ["cssrs"]
    with pytest.raises(ValidationError) as caught:
        services.complete_prechecks(Actor(clinic.nurse), session)
    assert "C-SSRS high risk" in str(caught.value)
    with pytest.raises(PermissionDenied):
        services.review_precheck(
            Actor(clinic.nurse), session, item="cssrs", reason="Patient says fine now"
        )
    with pytest.raises(ValidationError) as caught:
        services.review_precheck(Actor(clinic.prescriber), session, item="cssrs", reason="ok")
    assert caught.value.field == "reason"
    services.review_precheck(
        Actor(clinic.prescriber),
        session,
        item="cssrs",
        reason="Assessed in person: passive thoughts, safety plan updated, proceed",
    )
    assert services.checklist(session).complete
    # Re-reading the same facts keeps the review (the verdict did not change).
    record_all(clinic, session)
    assert services.checklist(session).complete
    done = services.complete_prechecks(Actor(clinic.nurse), session)
    assert done.state == "prechecks_done"
    reviewed = PrecheckResult.objects.filter(item="cssrs").exclude(override_reason="").get()
    assert (reviewed.status, reviewed.recorded_by) == ("fail", clinic.prescriber)


def test_only_a_failed_hard_stop_can_be_reviewed(clinic):
    facts_on_record(clinic)
    session = checked_in(clinic)
    record_all(clinic, session)
    with pytest.raises(ValidationError) as caught:
        services.review_precheck(
            Actor(clinic.prescriber), session, item="fasting", reason="No reason to review it"
        )
    assert caught.value.field == "item"
    assert "awaiting review: none" in str(caught.value)


def test_a_missing_consent_is_reviewed_by_a_prescriber(clinic):
    eligible_screening(clinic)
    scales_today(clinic)
    weighed(clinic)
    session = checked_in(clinic)
    checklist = record_all(clinic, session)
    assert statuses(checklist)["consent"] == "fail"
    services.review_precheck(
        Actor(clinic.prescriber),
        session,
        item="consent",
        reason="Signed on paper today; the scan follows this afternoon",
    )
    assert services.complete_prechecks(Actor(clinic.nurse), session).state == "prechecks_done"


def test_a_later_entry_keeps_earlier_answers_and_unchanged_items_write_nothing(clinic):
    facts_on_record(clinic)
    session = checked_in(clinic)
    actor = Actor(clinic.nurse)
    services.record_prechecks(actor, session, fasting_hours=Decimal("4"))
    assert statuses(services.checklist(session))["fasting"] == "fail"
    services.record_prechecks(
        actor, session, vitals=BASELINE, escort_confirmed=True, escort_name="Kim"
    )
    current = statuses(services.checklist(session))
    assert current["fasting"] == "fail"  # the earlier answer still stands
    assert current["baseline_vitals"] == "pass"
    rows = PrecheckResult.objects.filter(session=session).count()
    services.record_prechecks(actor, session)
    assert PrecheckResult.objects.filter(session=session).count() == rows
    services.record_prechecks(actor, session, fasting_hours=Decimal("6.5"))
    assert statuses(services.checklist(session))["fasting"] == "pass"
    assert PrecheckResult.objects.filter(session=session, item="fasting").count() == 2


def test_bad_vitals_are_refused_and_nothing_is_written(clinic):
    facts_on_record(clinic)
    session = checked_in(clinic)
    before = (PrecheckResult.objects.count(), AuditEvent.objects.count())
    bad = services.BaselineVitals(400, 80, 70, 98, 14)
    with pytest.raises(OutOfRangeError) as caught:
        record_all(clinic, session, vitals=bad)
    assert caught.value.field == "sbp_mmhg"
    assert "40 to 300 mmHg" in str(caught.value)
    assert (PrecheckResult.objects.count(), AuditEvent.objects.count()) == before
    assert not VitalSet.objects.exists()


def test_high_baseline_bp_warns_and_a_crisis_symptom_fails(clinic):
    facts_on_record(clinic)
    session = checked_in(clinic)
    checklist = record_all(clinic, session, vitals=services.BaselineVitals(150, 85, 70, 98, 14))
    vitals = {r.item.value: r for r in checklist.results}["baseline_vitals"]
    assert vitals.status == "warn"
    assert "above 140/90" in vitals.message
    assert checklist.complete  # a warning does not block
    crisis = services.BaselineVitals(130, 80, 70, 98, 14, symptoms=("chest_pain",))
    checklist = record_all(clinic, session, vitals=crisis)
    assert [r.item.value for r in checklist.completion.blocking] == ["baseline_vitals"]


def test_weight_entered_with_the_checklist_is_recorded_on_the_patient(clinic):
    consent_on_file(clinic)
    eligible_screening(clinic)
    scales_today(clinic)
    session = checked_in(clinic)
    checklist = record_all(clinic, session, weight_kg=Decimal("81.5"))
    assert statuses(checklist)["weight"] == "pass"
    assert clinic.patient.measurements.get().weight_kg == Decimal("81.50")


def test_the_checklist_needs_a_checked_in_session(clinic):
    session = a_session(clinic)
    with pytest.raises(ValidationError) as caught:
        record_all(clinic, session)
    assert caught.value.field == "state"
    services.check_in(Actor(clinic.front_desk), session, chair=a_chair(clinic.site_a))
    with pytest.raises(PermissionDenied):
        services.record_prechecks(Actor(clinic.front_desk), session)


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_before_the_drug_also_cancels_the_booking(clinic):
    session = checked_in(clinic)
    moved = services.cancel(
        Actor(clinic.front_desk),
        session,
        reason="Patient unwell, rebook next week",
        expected_version=session.version,
    )
    assert moved.state == "cancelled"
    planned = moved.planned
    planned.refresh_from_db()
    assert (planned.status, planned.cancel_reason) == (
        SessionStatus.CANCELLED,
        "Patient unwell, rebook next week",
    )
    assert moved.transitions.last().reason == "Patient unwell, rebook next week"


def test_cancel_refusals(clinic):
    session = prechecks_done(clinic)
    actor = Actor(clinic.nurse)
    with pytest.raises(ValidationError) as caught:
        services.cancel(actor, session, reason="too short")
    assert caught.value.field == "reason"
    with pytest.raises(ConflictError):
        services.cancel(actor, session, reason="Patient left before dosing", expected_version=1)
    session.refresh_from_db()
    # Once drug is given, the session is aborted (monitoring part), never cancelled.
    session.state = "infusing"
    session.save(update_fields=["state"])
    with pytest.raises(ValidationError) as caught:
        services.cancel(actor, session, reason="Patient left before dosing")
    assert "allowed: pause, end_infusion, abort" in str(caught.value)
    session.planned.refresh_from_db()
    assert session.planned.status == SessionStatus.SCHEDULED


def test_cancel_leaves_a_completed_booking_and_says_so(clinic):
    session = checked_in(clinic)
    planned = session.planned
    planned.status = SessionStatus.COMPLETED
    planned.save(update_fields=["status"])
    moved = services.cancel(Actor(clinic.nurse), session, reason="Recorded against the wrong day")
    assert moved.state == "cancelled"
    audit = AuditEvent.objects.filter(action="session_cancel").get()
    assert audit.detail["booking"] == "left as completed"


# --- the clinic's protocol file ----------------------------------------------------------------


def test_the_clinics_protocol_file_changes_the_checklist_and_the_dose_limits(
    clinic, tmp_path, settings
):
    import json

    from kclinic.domain.errors import ConfigurationError, LimitError
    from tests.web.infusions_factories_session import ordered

    path = tmp_path / "protocol.json"
    path.write_text(
        json.dumps(
            {
                "source": "Riverside protocol v3",
                "prechecks": {"fasting_hours": 4},
                "dosing": {"iv_mg_per_kg_max": "0.75", "iv_mg_per_kg_usual": ["0.25", "0.6"]},
            }
        )
    )
    settings.KCLINIC_PROTOCOL_FILE = str(path)
    facts_on_record(clinic)
    session = checked_in(clinic)
    fasting = {
        r.item.value: r for r in record_all(clinic, session, fasting_hours=Decimal(4)).results
    }["fasting"]
    assert (fasting.status, fasting.source.citation) == ("pass", "Riverside protocol v3")
    with pytest.raises(LimitError):
        ordered(clinic, session, mg_per_kg="0.8")
    order = ordered(clinic, session, mg_per_kg="0.5")
    assert order.plan["protocol_version"] == "kclinic-dosing-default-2025.1+clinic"
    assert order.plan["limits"]["mg_per_kg_max"]["source"]["citation"] == "Riverside protocol v3"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"prechecks": {"fasting_hours": 30}}))
    settings.KCLINIC_PROTOCOL_FILE = str(bad)
    with pytest.raises(ConfigurationError) as caught:
        precheck_policy()
    assert "prechecks.fasting_hours" in str(caught.value)
