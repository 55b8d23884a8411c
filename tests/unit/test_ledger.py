"""Controlled-substance ledger: worked examples computed by hand, and each refusal rule.

Hand arithmetic: a 50 mg/mL x 10 mL vial holds 50 * 10 = 500 mg; 10 vials = 5000 mg.
"""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import (
    Balance,
    Ledger,
    balances,
    ledger_from_balances,
    location_balances,
    loss_notice_due_date,
    perpetual_inventory,
    require_session_reconciled,
    reversal_of,
    session_reconciliation,
)
from kclinic.domain.ledger_counts import count_variance, expected_counts
from kclinic.domain.ledger_forms import form41_record, form106_record
from kclinic.domain.ledger_model import (
    ADJUSTMENT,
    ADMINISTERED,
    DESTROYED,
    LOST,
    WASTE,
    Entry,
    EntryKind,
    Location,
    Lot,
    Person,
    esketamine_device,
    ketamine_vial,
)

D = Decimal
VIAL50 = ketamine_vial("25021-684", D(50), D(10))  # 500 mg per vial
SPRAVATO = esketamine_device()  # 28 mg per device
LOT = Lot(VIAL50, "K123", date(2027, 6, 30))
LOT_E = Lot(SPRAVATO, "E9", date(2027, 1, 31))
SAFE_A = Location("site-a", "safe")
SAFE_B = Location("site-b", "safe")
NURSE = Person("nurse-1", licensed=True)
NURSE2 = Person("nurse-2", licensed=True)
CLERK = Person("clerk-1", licensed=False)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def make(kind, key, source, destination, mg, lot=LOT, **kw):
    """An entry whose units are mg / (mg per unit), written out by hand for each product."""
    per_unit = D(500) if lot.product is VIAL50 else D(28)
    fields = {
        "idempotency_key": key,
        "kind": kind,
        "at": AT,
        "site_id": "site-a",
        "lot": lot,
        "source": source,
        "destination": destination,
        "quantity_mg": D(mg),
        "quantity_units": (D(mg) / per_unit).quantize(D("0.0001")),
        "actor": NURSE,
    }
    fields.update(kw)
    return Entry(**fields)


def receipt(key="r1", mg=5000, lot=LOT, location=SAFE_A):
    return make(
        EntryKind.RECEIPT,
        key,
        "supplier:McKesson",
        location.account,
        mg,
        lot=lot,
        counterparty="McKesson",
        reference="INV-1",
        site_id=location.site_id,
    )


def dispense(key, mg, session="s1", lot=LOT, **kw):
    return make(
        EntryKind.DISPENSE,
        key,
        SAFE_A.account,
        f"session:{session}",
        mg,
        lot=lot,
        reference="order-1",
        **kw,
    )


def administer(key, mg, session="s1", lot=LOT):
    return make(EntryKind.ADMINISTRATION, key, f"session:{session}", ADMINISTERED, mg, lot=lot)


def waste(key, mg, session="s1", witness=NURSE2, lot=LOT):
    return make(EntryKind.WASTE, key, f"session:{session}", WASTE, mg, lot=lot, witness=witness)


def run(*entries, now=NOW):
    ledger = Ledger()
    for entry in entries:
        ledger = ledger.apply(entry, now)
    return ledger


def worked_example():
    # Receive 10 vials (5000 mg); draw 50 mg for session s1; give 40 mg; waste 10 mg witnessed.
    return run(receipt(), dispense("d1", 50), administer("a1", 40), waste("w1", 10))


def test_worked_example_balance_4950_mg_and_9_9_vials():
    ledger = worked_example()
    safe = location_balances(ledger)[(SAFE_A.account, LOT)]
    assert safe.mg == D(4950)  # 5000 - 50
    assert safe.units == D("9.9")  # 10 - 50/500
    assert balances(ledger)[("session:s1", LOT)].mg == 0  # 50 - 40 - 10
    rec = require_session_reconciled(ledger, "s1")
    assert (rec.dispensed_mg, rec.administered_mg, rec.wasted_mg, rec.returned_mg) == (
        D(50),
        D(40),
        D(10),
        D(0),
    )


def test_session_with_unaccounted_drug_names_the_shortfall():
    ledger = run(receipt(), dispense("d1", 50), administer("a1", 40))
    assert session_reconciliation(ledger, "s1").shortfall_mg == D(10)  # 50 - 40
    with pytest.raises(ValidationError) as caught:
        require_session_reconciled(ledger, "s1")
    assert caught.value.field == "session s1 shortfall_mg"
    assert caught.value.value == D(10)


def test_return_of_unused_goes_back_to_the_safe():
    ret = make(EntryKind.RETURN, "ret1", "session:s1", SAFE_A.account, 10)
    ledger = run(receipt(), dispense("d1", 50), administer("a1", 40), ret)
    assert location_balances(ledger)[(SAFE_A.account, LOT)].mg == D(4960)  # 5000 - 50 + 10
    assert require_session_reconciled(ledger, "s1").returned_mg == D(10)


def test_esketamine_whole_devices_only():
    ledger = run(receipt(mg=84, lot=LOT_E), dispense("d1", 56, lot=LOT_E))  # 3 devices, give 2
    assert location_balances(ledger)[(SAFE_A.account, LOT_E)].units == D(1)  # 3 - 2
    with pytest.raises(ValidationError) as caught:
        ledger.apply(dispense("d2", 14, lot=LOT_E), NOW)
    assert caught.value.field == "quantity_mg"


def test_units_must_match_mg():
    bad = replace(receipt(), quantity_units=D(9))  # 5000 mg is 10 vials, not 9
    with pytest.raises(ValidationError) as caught:
        Ledger().apply(bad, NOW)
    assert caught.value.field == "quantity_units"


def test_the_entry_emptying_a_draw_takes_its_units_not_its_rounded_mg():
    # 35.025 mg -> 0.07005 -> 0.0701 vial; 464.975 mg -> 0.92995 -> 0.9300 vial: 1.0001 in all.
    given_units = replace(administer("a1", "35.025"), quantity_units=D("0.0701"))
    given = run(receipt(), dispense("d1", 500), given_units)
    rounded = replace(waste("w1", "464.975"), quantity_units=D("0.9300"))
    with pytest.raises(ValidationError):  # the rounded units overdraw the session
        given.apply(rounded, NOW)
    emptied = given.apply(replace(waste("w1", "464.975"), quantity_units=D("0.9299")), NOW)
    assert balances(emptied)[("session:s1", LOT)] == Balance(D(0), D(0))
    with pytest.raises(ValidationError) as caught:  # only the emptying entry may do so
        given.apply(replace(waste("w1", "400"), quantity_units=D("0.7999")), NOW)
    assert caught.value.field == "quantity_units"


def test_a_ledger_of_balances_decides_as_the_full_history():
    history = run(receipt(), dispense("d1", 500), administer("a1", 40))
    held = {
        account: balance
        for (account, lot), balance in balances(history).items()
        if lot == LOT and account.startswith(("loc:", "session:"))
    }
    stand_in = ledger_from_balances(LOT, held, AT)
    assert balances(stand_in)[("session:s1", LOT)] == Balance(D(460), D("0.92"))
    for candidate in (waste("w1", 460), waste("w1", "460.01"), dispense("d2", 4500)):
        outcomes = []
        for ledger in (history, stand_in):
            try:
                ledger.apply(candidate, NOW)
                outcomes.append("accepted")
            except ValidationError as error:
                outcomes.append(error.field)
        assert outcomes[0] == outcomes[1], candidate


@pytest.mark.parametrize("mg", [0, -40])
def test_non_positive_quantity_refused(mg):
    with pytest.raises(ValidationError) as caught:
        run(receipt(), dispense("d1", mg))
    assert caught.value.field == "quantity_mg"


def test_overdraw_refused_and_ledger_unchanged():
    ledger = run(receipt(mg=500))
    with pytest.raises(ValidationError) as caught:
        ledger.apply(dispense("d1", 501), NOW)
    assert "at most 500" in str(caught.value)
    assert ledger.entries == (receipt(mg=500),)


def test_waste_larger_than_left_of_the_draw_refused():
    ledger = run(receipt(), dispense("d1", 50), administer("a1", 40))
    with pytest.raises(ValidationError) as caught:
        ledger.apply(waste("w1", 20), NOW)
    assert "at most 10" in str(caught.value)  # 50 - 40


def test_expired_lot_cannot_be_dispensed_but_can_on_its_expiry_day():
    old = Lot(VIAL50, "OLD", date(2026, 11, 19))
    today = Lot(VIAL50, "TODAY", date(2026, 11, 20))
    ledger = run(receipt("r1", lot=old), receipt("r2", lot=today))
    with pytest.raises(ValidationError) as caught:
        ledger.apply(dispense("d1", 50, lot=old), NOW)
    assert caught.value.field == "lot.expiry_date"
    assert ledger.apply(dispense("d2", 50, lot=today), NOW).entries[-1].lot == today


@pytest.mark.parametrize(
    ("witness", "field"),
    [(None, "witness"), (NURSE, "witness.user_id"), (CLERK, "witness.licensed")],
)
def test_waste_needs_a_different_licensed_witness(witness, field):
    ledger = run(receipt(), dispense("d1", 50), administer("a1", 40))
    with pytest.raises(ValidationError) as caught:
        ledger.apply(waste("w1", 10, witness=witness), NOW)
    assert caught.value.field == field


def test_unlicensed_person_cannot_dispense():
    with pytest.raises(ValidationError) as caught:
        run(receipt(), dispense("d1", 50, actor=CLERK))
    assert caught.value.field == "actor.licensed"


def test_receipt_needs_supplier_and_invoice():
    with pytest.raises(ValidationError) as caught:
        run(replace(receipt(), reference=""))
    assert caught.value.field == "reference"


def test_future_entry_refused():
    late = replace(receipt(), at=datetime(2026, 11, 21, tzinfo=UTC))
    with pytest.raises(ValidationError) as caught:
        run(late)
    assert caught.value.field == "at"


def test_transfer_between_sites_and_site_must_match():
    move = make(EntryKind.TRANSFER, "t1", SAFE_A.account, SAFE_B.account, 1000)
    ledger = run(receipt(), move)
    assert location_balances(ledger)[(SAFE_B.account, LOT)].mg == D(1000)
    assert location_balances(ledger)[(SAFE_A.account, LOT)].mg == D(4000)  # 5000 - 1000
    with pytest.raises(ValidationError) as caught:
        run(receipt(), replace(move, site_id="site-c"))
    assert caught.value.field == "site_id"


def test_dispense_from_other_site_lot_refused():
    # Lot K123 is only at site-b; site-a's safe holds none of it.
    with pytest.raises(ValidationError) as caught:
        run(receipt(location=SAFE_B), dispense("d1", 50))
    assert "at most 0" in str(caught.value)


def test_idempotent_same_key_same_entry_is_a_no_op():
    ledger = run(receipt())
    assert ledger.apply(receipt(), NOW) is ledger
    with pytest.raises(ValidationError) as caught:
        ledger.apply(receipt(mg=1000), NOW)
    assert caught.value.field == "idempotency_key"


def test_reversal_undoes_and_cannot_repeat_or_differ():
    ledger = run(receipt(), dispense("d1", 50))
    undo = reversal_of(ledger.entries[1], "x1", AT, NURSE, "wrong session")
    fixed = ledger.apply(undo, NOW)
    assert location_balances(fixed)[(SAFE_A.account, LOT)].mg == D(5000)
    assert session_reconciliation(fixed, "s1").dispensed_mg == D(0)  # 50 - 50
    assert len(fixed.entries) == 3  # the original stays; history is never edited
    with pytest.raises(ValidationError):
        fixed.apply(replace(undo, idempotency_key="x2"), NOW)
    with pytest.raises(ValidationError) as caught:
        ledger.apply(replace(undo, quantity_mg=D(40), quantity_units=D("0.08")), NOW)
    assert caught.value.field == "reversal"


def test_reversal_of_dispense_after_administration_refused():
    ledger = run(receipt(), dispense("d1", 50), administer("a1", 40))
    with pytest.raises(ValidationError):
        ledger.apply(reversal_of(ledger.entries[1], "x1", AT, NURSE, "typo"), NOW)


def test_destruction_and_adjustment_need_witness_and_reason():
    destroy = make(
        EntryKind.DESTRUCTION,
        "z1",
        SAFE_A.account,
        DESTROYED,
        500,
        witness=NURSE2,
        reason="reverse distributor",
        counterparty="RD Inc",
    )
    ledger = run(receipt(), destroy)
    assert location_balances(ledger)[(SAFE_A.account, LOT)].mg == D(4500)
    with pytest.raises(ValidationError) as caught:
        run(receipt(), replace(destroy, witness=None))
    assert caught.value.field == "witness"
    adjust = make(
        EntryKind.ADJUSTMENT,
        "j1",
        SAFE_A.account,
        ADJUSTMENT,
        5,
        witness=NURSE2,
        reason="discrepancy D-1: spill during count",
    )
    assert location_balances(run(receipt(), adjust))[(SAFE_A.account, LOT)].mg == D(4995)
    with pytest.raises(ValidationError) as caught:
        run(receipt(), replace(adjust, reason=" "))
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError) as caught:
        run(receipt(), replace(adjust, witness=None))
    assert caught.value.field == "witness"


def test_loss_needs_discovery_time():
    loss = make(
        EntryKind.LOSS,
        "l1",
        SAFE_A.account,
        LOST,
        500,
        reason="vial broken in safe",
        discovered_at=AT,
    )
    assert location_balances(run(receipt(), loss))[(SAFE_A.account, LOT)].mg == D(4500)
    with pytest.raises(ValidationError) as caught:
        run(receipt(), replace(loss, discovered_at=None))
    assert caught.value.field == "discovered_at"


@pytest.mark.parametrize(
    ("discovered", "holidays", "due"),
    [
        (date(2026, 11, 18), frozenset(), date(2026, 11, 19)),  # Wednesday -> Thursday
        (date(2026, 11, 20), frozenset(), date(2026, 11, 23)),  # Friday -> Monday
        (date(2026, 11, 21), frozenset(), date(2026, 11, 23)),  # Saturday -> Monday
        (date(2026, 11, 22), frozenset(), date(2026, 11, 23)),  # Sunday -> Monday
        (date(2026, 11, 25), frozenset({date(2026, 11, 26)}), date(2026, 11, 27)),  # Thanksgiving
        (date(2026, 12, 24), frozenset({date(2026, 12, 25)}), date(2026, 12, 28)),  # Xmas Fri
    ],
)
def test_loss_notice_one_business_day(discovered, holidays, due):
    assert loss_notice_due_date(discovered, holidays) == due


def test_perpetual_inventory_running_total():
    lines = perpetual_inventory(worked_example(), LOT)
    assert [line.on_hand_mg for line in lines] == [D(5000), D(4950), D(4950), D(4950)]
    assert [line.change_mg for line in lines] == [D(5000), D(-50), D(0), D(0)]


def test_shift_count_variance_opens_discrepancy():
    ledger = worked_example()
    assert expected_counts(ledger, SAFE_A) == {"K123": D(4950)}
    lines, discrepancy = count_variance(ledger, SAFE_A, {"K123": D(4950)}, NOW, "nurse-1")
    assert discrepancy is None
    assert lines[0].variance_mg == 0
    lines, discrepancy = count_variance(ledger, SAFE_A, {"K123": D(4450)}, NOW, "nurse-1")
    assert discrepancy is not None
    assert discrepancy.status == "open"
    assert discrepancy.lines[0].variance_mg == D(-500)  # 4450 - 4950: one vial missing
    with pytest.raises(ValidationError):
        count_variance(ledger, SAFE_A, {"K123": D(-1)}, NOW, "nurse-1")


def test_product_catalogue():
    assert VIAL50.mg_per_unit == D(500)
    assert VIAL50.schedule == "CIII"
    assert SPRAVATO.ndc == "50458-028"
    assert SPRAVATO.mg_per_unit == D(28)
    with pytest.raises(ValidationError) as caught:
        ketamine_vial("x", D(25), D(10))
    assert caught.value.field == "concentration_mg_per_ml"


def test_form41_record_from_destruction():
    # 1250 mg of 500 mg vials = 2 full vials (1000 mg) + 250 mg partial.
    destroy = make(
        EntryKind.DESTRUCTION,
        "z1",
        SAFE_A.account,
        DESTROYED,
        1250,
        witness=NURSE2,
        reason="incineration",
        counterparty="RD Inc",
    )
    record = form41_record(destroy)
    assert (record.full_packages, record.partial_package_mg) == (2, D(250))
    assert (record.first_witness, record.second_witness) == ("nurse-1", "nurse-2")
    assert record.ndc == "25021-684"
    assert record.strength == "50 mg/mL"
    with pytest.raises(ValidationError):
        form41_record(receipt())


def test_form106_record_notice_due_monday_after_friday_discovery():
    friday = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    loss = make(
        EntryKind.LOSS, "l1", SAFE_A.account, LOST, 500, reason="theft", discovered_at=friday
    )
    record = form106_record(loss)
    assert record.notice_due == date(2026, 11, 23)
    assert record.quantity_units == D(1)


def test_naive_times_refused():
    with pytest.raises(ValidationError) as caught:
        run(replace(receipt(), at=datetime(2026, 11, 20, 9, 0)))  # noqa: DTZ001 - naive on purpose
    assert caught.value.field == "at"
    with pytest.raises(ValidationError) as caught:
        run(receipt(), now=datetime(2026, 11, 20, 15, 0))  # noqa: DTZ001
    assert caught.value.field == "now"
