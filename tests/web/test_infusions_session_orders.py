"""Dose orders and the independent double check, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import LimitError, ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_orders as orders
from kclinic.web.infusions.models import DoseCheck, DoseOrder
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.patients.services import ConflictError
from tests.web.courses_factories import a_course, a_plan
from tests.web.infusions_factories_session import (
    IV_ORDER,
    MATCHING,
    a_session,
    another_prescriber,
    checked_in,
    ordered,
    prechecks_done,
    ready_to_check,
    vial_lot,
    weighed,
)

pytestmark = pytest.mark.django_db


# --- order -----------------------------------------------------------------------------------


def test_an_iv_order_stores_the_core_plan_with_its_sources(clinic):
    weighed(clinic, "80", "170")
    session = checked_in(clinic)
    order = ordered(clinic, session)
    # 80 kg x 0.5 mg/kg = 40 mg; 4 mL of 10 mg/mL; 100 mL ("replace") over 40 min = 150 mL/h
    assert (order.dose_mg, order.drug_volume_ml, order.rate_ml_per_h, order.vtbi_ml) == (
        Decimal("40.00"),
        Decimal("4.00"),
        Decimal("150.0"),
        Decimal("100.0"),
    )
    assert (order.weight_kg, order.height_cm, order.weight_basis) == (
        Decimal("80.00"),
        Decimal("170.0"),
        "actual",
    )
    assert order.final_mg_per_ml == Decimal("0.4000")
    assert order.duration_min == 40
    assert order.plan["limits"]["mg_per_kg_max"]["source"]["id"] == "fava-2018"
    assert order.plan["protocol_version"] == "kclinic-dosing-default-2025.1"
    assert orders.active_order(session) == order
    assert orders.verified_order(session) is None
    audit = AuditEvent.objects.filter(action="order_dose").get()
    assert audit.detail["dose_mg"] == "40.00"


def test_a_new_order_supersedes_and_a_stale_page_conflicts(clinic):
    weighed(clinic)
    session = checked_in(clinic)
    first = ordered(clinic, session, expected_order=None)
    with pytest.raises(ConflictError):
        ordered(clinic, session, mg_per_kg="0.4", expected_order=None)
    second = ordered(clinic, session, mg_per_kg="0.4", expected_order=first.public_id)
    first.refresh_from_db()
    assert first.superseded_by == second
    assert orders.active_order(session) == second
    assert second.dose_mg == Decimal("32.00")
    assert DoseOrder.objects.count() == 2


def test_only_a_prescriber_orders(clinic):
    weighed(clinic)
    with pytest.raises(PermissionDenied):
        ordered(clinic, checked_in(clinic), by=clinic.nurse)


def test_above_the_hard_ceiling_is_refused(clinic):
    weighed(clinic)
    session = checked_in(clinic)
    with pytest.raises(LimitError) as caught:
        ordered(clinic, session, mg_per_kg="1.1")
    assert caught.value.field == "mg_per_kg"
    assert not DoseOrder.objects.exists()


def test_a_soft_limit_needs_the_prescribers_reason(clinic):
    weighed(clinic)
    session = checked_in(clinic)
    with pytest.raises(ValidationError) as caught:
        ordered(clinic, session, mg_per_kg="0.8")
    assert caught.value.field == "override_reason"
    assert "outside 0.1 to 0.75 mg/kg" in str(caught.value)
    order = ordered(clinic, session, mg_per_kg="0.8", override_reason="Partial response at 0.75")
    assert order.override_reason == "Partial response at 0.75"


def test_inputs_finer_than_the_record_are_refused(clinic):
    session = checked_in(clinic)
    with pytest.raises(ValidationError) as caught:
        ordered(clinic, session, weight_kg="80.123")
    assert caught.value.field == "weight_kg"
    with pytest.raises(ValidationError) as caught:
        ordered(clinic, session)  # no weight given, none on file
    assert caught.value.field == "weight_kg"


def test_titration_from_the_previous_session_needs_a_reason(clinic):
    session, first_order = ready_to_check(clinic)
    orders.double_check(
        Actor(clinic.nurse), session, order_id=first_order.public_id, entered=MATCHING
    )
    second = session_for(session.planned.course.sessions.get(sequence=2))
    with pytest.raises(ValidationError) as caught:
        ordered(clinic, second, mg_per_kg="0.75")
    assert caught.value.field == "titration_reason"
    assert "from 0.5 mg/kg last session to 0.75 mg/kg" in str(caught.value)
    same = ordered(clinic, second)
    assert same.titration_reason == ""
    up = ordered(
        clinic,
        second,
        mg_per_kg="0.75",
        titration_reason="No response after three infusions at 0.5 mg/kg",
        expected_order=same.public_id,
    )
    assert up.plan["previous_order"] == str(first_order.public_id)
    assert up.dose_mg == Decimal("60.00")


def test_an_esketamine_order_is_whole_devices(clinic):
    today = timezone.localdate()
    course = a_course(clinic, started_on=today)
    a_plan(clinic, course, weekdays=(today.weekday(), (today.weekday() + 3) % 7))
    weighed(clinic, "70")
    session = session_for(course.sessions.get(sequence=1))
    order = orders.order_dose(Actor(clinic.prescriber), session, dose_mg="56")
    assert (order.devices, order.dose_mg, order.mg_per_kg, order.rate_ml_per_h) == (
        2,
        Decimal("56.00"),
        None,
        None,
    )
    assert order.plan["first_session"] is True
    with pytest.raises(ValidationError) as caught:
        orders.order_dose(Actor(clinic.prescriber), session, dose_mg="84")
    assert caught.value.field == "override_reason"  # day 1 is 56 mg on the label
    with pytest.raises(LimitError):
        orders.order_dose(Actor(clinic.prescriber), session, dose_mg="112")


# --- double check ----------------------------------------------------------------------------


def test_a_matching_check_verifies_the_dose(clinic):
    session, order = ready_to_check(clinic)
    check = orders.double_check(
        Actor(clinic.nurse),
        session,
        order_id=order.public_id,
        entered={"weight_kg": "80.0", "vial_mg_per_ml": "10", "rate_ml_per_h": "150.0"},
        expected_version=session.version,
    )
    assert check.matched
    assert check.entered == {"weight_kg": "80.0", "vial_mg_per_ml": "10", "rate_ml_per_h": "150.0"}
    session.refresh_from_db()
    assert session.state == "dose_verified"
    assert orders.verified_order(session) == order
    with pytest.raises(ValidationError):
        ordered(clinic, session, expected_order=order.public_id)  # no re-order once verified


def test_a_mismatch_is_kept_and_names_the_fields_not_the_order(clinic):
    session, order = ready_to_check(clinic)
    entered = {"weight_kg": "82", "vial_mg_per_ml": "10", "rate_ml_per_h": "15"}
    with pytest.raises(orders.CheckMismatch) as caught:
        orders.double_check(Actor(clinic.nurse), session, order_id=order.public_id, entered=entered)
    assert caught.value.fields == ["weight_kg", "rate_ml_per_h"]
    message = str(caught.value)
    assert "weight_kg, rate_ml_per_h" in message
    assert "80" not in message.replace("82", "")
    assert "150" not in message
    check = DoseCheck.objects.get()
    assert not check.matched
    assert [m["field"] for m in check.mismatches] == ["weight_kg", "rate_ml_per_h"]
    assert check.mismatches[0]["ordered"] == "80.00"
    session.refresh_from_db()
    assert session.state == "prechecks_done"
    assert orders.verified_order(session) is None
    # A second, matching attempt verifies it; both checks stay.
    orders.double_check(Actor(clinic.nurse), session, order_id=order.public_id, entered=MATCHING)
    assert DoseCheck.objects.count() == 2


def test_the_orderer_cannot_check_their_own_order(clinic):
    session = prechecks_done(clinic)
    order = ordered(clinic, session)
    with pytest.raises(ValidationError) as caught:
        orders.double_check(
            Actor(clinic.prescriber), session, order_id=order.public_id, entered=MATCHING
        )
    assert caught.value.field == "checked_by"
    assert not DoseCheck.objects.exists()
    orders.double_check(Actor(clinic.nurse), session, order_id=order.public_id, entered=MATCHING)


def test_check_refusals(clinic):
    session, order = ready_to_check(clinic)
    with pytest.raises(PermissionDenied):
        orders.double_check(
            Actor(clinic.front_desk), session, order_id=order.public_id, entered=MATCHING
        )
    newer = ordered(
        clinic, session, by=clinic.prescriber, bag_ml="50", expected_order=order.public_id
    )
    with pytest.raises(ConflictError):
        orders.double_check(
            Actor(clinic.nurse), session, order_id=order.public_id, entered=MATCHING
        )
    with pytest.raises(ValidationError) as caught:
        orders.double_check(
            Actor(clinic.nurse),
            session,
            order_id=newer.public_id,
            entered={"weight_kg": "80", "vial_mg_per_ml": "10"},
        )
    assert caught.value.field == "rate_ml_per_h"
    with pytest.raises(ConflictError):
        orders.double_check(
            Actor(clinic.nurse),
            session,
            order_id=newer.public_id,
            entered=MATCHING,
            expected_version=1,
        )


def test_a_check_before_the_checklist_is_complete_is_refused(clinic):
    weighed(clinic)
    session = checked_in(clinic)
    order = ordered(clinic, session, by=another_prescriber(clinic))
    with pytest.raises(ValidationError) as caught:
        orders.double_check(
            Actor(clinic.nurse), session, order_id=order.public_id, entered=MATCHING
        )
    assert caught.value.field == "state"


def test_the_lot_must_be_the_ordered_product_unexpired_and_at_the_site(clinic):
    session, order = ready_to_check(clinic)
    good = vial_lot(clinic)
    wrong_strength = vial_lot(clinic, mg_per_ml="50", number="L-50")
    expired = vial_lot(clinic, number="L-OLD", expires=timezone.localdate() - dt.timedelta(days=1))
    elsewhere = vial_lot(clinic, number="L-SOUTH", site_code=clinic.site_b.code)
    assert list(orders.eligible_lots(session, order, timezone.localdate())) == [good]
    for lot, words in (
        (wrong_strength, "the ordered product in stock at North"),
        (expired, "expired"),
        (elsewhere, "in stock at North"),
    ):
        with pytest.raises(ValidationError) as caught:
            orders.double_check(
                Actor(clinic.nurse),
                session,
                order_id=order.public_id,
                entered=MATCHING,
                lot_id=lot.public_id,
            )
        assert caught.value.field == "lot"
        assert words in str(caught.value)
    assert not DoseCheck.objects.exists()
    check = orders.double_check(
        Actor(clinic.nurse),
        session,
        order_id=order.public_id,
        entered=MATCHING,
        lot_id=good.public_id,
    )
    assert check.lot == good


def test_the_session_part_contract(clinic):
    session = a_session(clinic)
    assert orders.active_order(session) is None
    assert orders.verified_order(session) is None
    assert IV_ORDER["dilution"] == "replace"
