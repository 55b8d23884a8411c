"""The movement services: each checks permission and input, posts one entry, and on any
refusal writes nothing to the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.inventory import services_movements as moves
from kclinic.web.inventory.models import Balance, LedgerEntry
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.services import add_location
from tests.web.factories import PASSWORD
from tests.web.inventory_support import EXPIRED, LOT, VIAL, a_session, stocked_safe


def _ledger() -> tuple[object, ...]:
    return (
        LedgerEntry.objects.count(),
        sorted(Balance.objects.values_list("account", "lot_id", "mg", "units")),
    )


def _held(account: str) -> Decimal:
    row = Balance.objects.filter(account=account).first()
    return row.mg if row else Decimal(0)


@pytest.fixture
def safe(clinic):
    location, lot = stocked_safe(clinic)  # 10 vials x 500 mg
    return location, lot


def test_receipt_moves_whole_vials_in_and_a_retry_posts_once(clinic, safe):
    location, _lot = safe
    assert _held(location.account) == Decimal(5000)
    again = moves.receive(
        Actor(clinic.nurse),
        location,
        VIAL,
        LOT.lot_number,
        LOT.expiry_date,
        "10",
        "Acme Pharma",
        "INV-100",
        idempotency_key="receipt-1",
    )
    assert again.replayed is True
    assert LedgerEntry.objects.filter(kind="receipt").count() == 1
    assert _held(location.account) == Decimal(5000)


@pytest.mark.parametrize(
    ("units", "field"),
    [("-1", "units"), ("0", "units"), ("abc", "units"), ("1.5", "units"), ("NaN", "units")],
)
def test_receipt_refuses_bad_quantities_and_writes_nothing(clinic, safe, units, field):
    location, _ = safe
    before = _ledger()
    with pytest.raises(ValidationError) as caught:
        moves.receive(
            Actor(clinic.nurse),
            location,
            VIAL,
            "K-NEW",
            LOT.expiry_date,
            units,
            "Acme",
            "INV-2",
            idempotency_key="r-bad",
        )
    assert caught.value.field == field
    assert _ledger() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expiry": EXPIRED.expiry_date}, "expiry_date"),
        ({"expiry": "not a date"}, "expiry_date"),
        ({"supplier": " "}, "supplier"),
        ({"invoice": ""}, "invoice"),
        ({"lot_number": ""}, "lot_number"),
        ({"key": ""}, "idempotency_key"),
        # The same lot number with another expiry date than the one on file.
        (
            {"lot_number": LOT.lot_number, "expiry": LOT.expiry_date + timedelta(days=1)},
            "lot.expiry_date",
        ),
        # A used key for a different receipt.
        ({"key": "receipt-1", "units": "2"}, "idempotency_key"),
    ],
)
def test_receipt_refusals_name_the_field(clinic, safe, change, field):
    location, _ = safe
    args = {
        "expiry": LOT.expiry_date,
        "supplier": "Acme",
        "invoice": "INV-3",
        "lot_number": "K-OTHER",
        "key": "r-x",
        "units": "1",
    } | change
    before = _ledger()
    with pytest.raises(ValidationError) as caught:
        moves.receive(
            Actor(clinic.nurse),
            location,
            VIAL,
            args["lot_number"],
            args["expiry"],
            args["units"],
            args["supplier"],
            args["invoice"],
            idempotency_key=args["key"],
        )
    assert caught.value.field == field
    assert _ledger() == before


@pytest.mark.parametrize("who", ["front_desk", "auditor", "admin", "other_site_nurse"])
def test_receipt_needs_receive_permission_at_the_site(clinic, safe, who):
    location, _ = safe
    before = _ledger()
    with pytest.raises(PermissionDenied):
        moves.receive(
            Actor(getattr(clinic, who)),
            location,
            VIAL,
            "K-P",
            LOT.expiry_date,
            "1",
            "Acme",
            "INV-4",
            idempotency_key="r-p",
        )
    assert _ledger() == before


def test_transfer_to_another_site_and_refusals(clinic, safe):
    location, lot = safe
    south = add_location(clinic.other_site_nurse, clinic.site_b, "safe")
    moves.transfer(Actor(clinic.nurse), location, south, lot, "2", idempotency_key="t1")
    assert _held(location.account) == Decimal(4000)
    assert _held(south.account) == Decimal(1000)
    before = _ledger()
    with pytest.raises(ValidationError) as same:
        moves.transfer(Actor(clinic.nurse), location, location, lot, "1", idempotency_key="t2")
    assert same.value.field == "destination"
    with pytest.raises(ValidationError) as much:
        moves.transfer(Actor(clinic.nurse), location, south, lot, "9", idempotency_key="t3")
    assert much.value.field == "quantity_mg"
    with pytest.raises(PermissionDenied):  # the sender must be staff of the sending site
        moves.transfer(
            Actor(clinic.other_site_nurse), location, south, lot, "1", idempotency_key="t4"
        )
    assert _ledger() == before


def test_session_draw_is_reconciled_and_waste_is_witnessed(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    nurse = Actor(clinic.nurse)
    moves.dispense_to_session(nurse, session, lot, "500", idempotency_key="d1")
    moves.administer(nurse, session, lot, "40", idempotency_key="a1")
    moves.waste(
        nurse, clinic.prescriber.username, PASSWORD, session, lot, "460", idempotency_key="w1"
    )
    assert _held(session.ledger_account) == 0
    assert _held(location.account) == Decimal(4500)
    wasted = LedgerEntry.objects.get(kind="waste")
    assert wasted.witness == clinic.prescriber
    assert wasted.quantity_units == Decimal("0.92")  # 460 / 500 mg per vial
    order = session.orders.get()
    assert LedgerEntry.objects.get(kind="dispense").reference == str(order.public_id)
    assert verify_ledger()[1] is None


def test_the_movement_that_empties_a_draw_takes_its_remaining_units(clinic, safe):
    # 35.025 mg and 464.975 mg of a 500 mg vial round to 0.0701 and 0.9300 vial each: without
    # the remainder rule the waste would take 1.0001 vial out of a 1-vial draw and be refused.
    _, lot = safe
    session = a_session(clinic)
    nurse = Actor(clinic.nurse)
    moves.dispense_to_session(nurse, session, lot, "500", idempotency_key="d1")
    moves.administer(nurse, session, lot, "35.025", idempotency_key="a1")
    moves.waste(
        nurse, clinic.prescriber.username, PASSWORD, session, lot, "464.975", idempotency_key="w1"
    )
    held = Balance.objects.get(account=session.ledger_account)
    assert (held.mg, held.units) == (0, 0)
    assert LedgerEntry.objects.get(kind="waste").quantity_units == Decimal("0.9299")
    assert verify_ledger()[1] is None


@pytest.mark.parametrize(
    ("witness", "password", "mg", "field"),
    [
        ("nurse_kim", PASSWORD, "10", "witness_username"),  # the same person
        ("comp_ash", PASSWORD, "10", "witness_username"),  # not licensed
        ("nurse_south", PASSWORD, "10", "witness_username"),  # another site's staff
        ("nobody", PASSWORD, "10", "witness_username"),
        ("dr_lee", "wrong", "10", "witness_password"),
        ("dr_lee", "", "10", "witness_password"),
        ("dr_lee", PASSWORD, "461.0001", "quantity_mg"),  # 461 mg is left of the draw
        ("dr_lee", PASSWORD, "-5", "quantity_mg"),
        ("dr_lee", PASSWORD, "ten", "quantity_mg"),
    ],
)
def test_waste_refusals_write_nothing(clinic, safe, witness, password, mg, field):
    _, lot = safe
    session = a_session(clinic)
    moves.dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d1")
    moves.administer(Actor(clinic.nurse), session, lot, "39", idempotency_key="a1")
    before = _ledger()
    with pytest.raises(ValidationError) as caught:
        moves.waste(Actor(clinic.nurse), witness, password, session, lot, mg, idempotency_key="w1")
    assert caught.value.field == field
    assert _ledger() == before


def test_a_wrong_witness_password_is_audited(clinic, safe):
    _, lot = safe
    session = a_session(clinic)
    moves.dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d1")
    with pytest.raises(ValidationError):
        moves.waste(Actor(clinic.nurse), "dr_lee", "nope", session, lot, "5", idempotency_key="w1")
    refused = AuditEvent.objects.get(action="inventory_signature_refused")
    assert refused.username == "nurse_kim"
    assert refused.object_id == str(clinic.prescriber.public_id)


def test_dispense_refusals(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    nurse = Actor(clinic.nurse)
    # An expired lot: received while it was still in date, dispensed after its expiry.
    old = moves.receive(
        nurse,
        location,
        VIAL,
        EXPIRED.lot_number,
        EXPIRED.expiry_date,
        "1",
        "Acme",
        "INV-9",
        idempotency_key="r-old",
        at=timezone.make_aware(
            timezone.datetime.combine(EXPIRED.expiry_date, timezone.datetime.min.time())
        ),
    ).lot
    # A lot held only at the other site.
    south = add_location(clinic.other_site_nurse, clinic.site_b, "safe")
    far = moves.receive(
        Actor(clinic.other_site_nurse),
        south,
        VIAL,
        "K-SOUTH",
        LOT.expiry_date,
        "1",
        "Acme",
        "INV-S",
        idempotency_key="r-south",
    ).lot
    before = _ledger()
    cases = [
        (lambda: moves.dispense_to_session(nurse, session, old, "10", idempotency_key="x1"), "lot"),
        (lambda: moves.dispense_to_session(nurse, session, far, "10", idempotency_key="x2"), "lot"),
        (
            lambda: moves.dispense_to_session(
                nurse, session, lot, "10", idempotency_key="x3", location=south
            ),
            "location",
        ),
        (
            lambda: moves.dispense_to_session(nurse, session, lot, "5001", idempotency_key="x4"),
            "quantity_mg",
        ),
        (
            lambda: moves.dispense_to_session(nurse, session, lot, "0", idempotency_key="x5"),
            "quantity_mg",
        ),
        (
            lambda: moves.dispense_to_session(
                nurse, session, lot, "1", "not-a-uuid", idempotency_key="x6"
            ),
            "dose_order",
        ),
        (lambda: moves.administer(nurse, session, lot, "1", idempotency_key="x7"), "quantity_mg"),
        (lambda: moves.return_unused(nurse, session, lot, "1", idempotency_key="x8"), "lot"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == field, caught.value
    for who in ("compliance", "front_desk", "other_site_nurse"):
        with pytest.raises(PermissionDenied):
            moves.dispense_to_session(
                Actor(getattr(clinic, who)), session, lot, "1", idempotency_key=f"p-{who}"
            )
    assert _ledger() == before


def test_dispense_needs_a_dose_order_and_an_open_session(clinic, safe):
    _, lot = safe
    session = a_session(clinic)
    session.orders.all().delete()
    with pytest.raises(ValidationError) as caught:
        moves.dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d1")
    assert caught.value.field == "dose_order"
    session.state = "cancelled"
    with pytest.raises(ValidationError) as closed:
        moves.dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d2")
    assert closed.value.field == "session.state"
    assert LedgerEntry.objects.filter(kind="dispense").count() == 0


def test_return_puts_unused_drug_back_where_it_came_from(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    moves.dispense_to_session(Actor(clinic.nurse), session, lot, "1000", idempotency_key="d1")
    back = moves.return_unused(Actor(clinic.nurse), session, lot, "500", idempotency_key="b1")
    assert back.destination == location.account
    assert _held(location.account) == Decimal(4500)
    with pytest.raises(ValidationError):
        moves.return_unused(Actor(clinic.nurse), session, lot, "501", idempotency_key="b2")


def test_destruction_and_loss_are_for_compliance_with_a_witness(clinic, safe):
    location, lot = safe
    officer = Actor(clinic.compliance)
    with pytest.raises(PermissionDenied):
        moves.destroy(
            Actor(clinic.nurse),
            "dr_lee",
            PASSWORD,
            location,
            lot,
            "1",
            "incinerated",
            idempotency_key="x1",
        )
    with pytest.raises(ValidationError) as no_method:
        moves.destroy(officer, "dr_lee", PASSWORD, location, lot, "1", " ", idempotency_key="x2")
    assert no_method.value.field == "method"
    gone = moves.destroy(
        officer,
        "nurse_kim",
        PASSWORD,
        location,
        lot,
        "2",
        "rendered non-retrievable",
        reverse_distributor="ReturnCo",
        form_number="41-2026-1",
        idempotency_key="x3",
    )
    assert gone.witness == clinic.nurse
    assert gone.reference == "41-2026-1"
    found = timezone.now() - timedelta(hours=2)
    lost = moves.report_loss(
        officer,
        location,
        lot,
        "0.5",
        "vial broken in transit, contents lost",
        found,
        idempotency_key="x4",
    )
    assert lost.quantity_mg == Decimal(250)
    assert _held(location.account) == Decimal(3750)
    with pytest.raises(ValidationError) as future:
        moves.report_loss(
            officer,
            location,
            lot,
            "1",
            "theft",
            timezone.now() + timedelta(days=1),
            idempotency_key="x5",
        )
    assert future.value.field == "discovered_at"


def test_reversal_mirrors_the_entry_once(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    drawn = moves.dispense_to_session(
        Actor(clinic.nurse), session, lot, "500", idempotency_key="d1"
    )
    undo = moves.reverse(
        Actor(clinic.nurse), drawn, "drawn for the wrong chair", idempotency_key="u1"
    )
    assert (undo.source, undo.destination) == (drawn.destination, drawn.source)
    assert _held(location.account) == Decimal(5000)
    with pytest.raises(ValidationError) as twice:
        moves.reverse(Actor(clinic.nurse), drawn, "again", idempotency_key="u2")
    assert twice.value.field == "reference"
    with pytest.raises(ValidationError) as blank:
        moves.reverse(Actor(clinic.nurse), drawn, "", idempotency_key="u3")
    assert blank.value.field == "reason"
    with pytest.raises(PermissionDenied):  # a receipt is reversed by someone who may receive
        moves.reverse(
            Actor(clinic.auditor),
            LedgerEntry.objects.get(kind="receipt"),
            "x",
            idempotency_key="u4",
        )
