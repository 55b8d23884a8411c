"""Hypothesis: for any sequence of operations, a simple model kept by the test predicts which
are refused; accepted ones move stock exactly as the model says; balances equal the sum of
the entries and are never negative; refused ones change nothing."""

import contextlib
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import Ledger, balances
from kclinic.domain.ledger_model import ADMINISTERED, WASTE, EntryKind, Lot
from tests.unit.test_ledger import (
    LOT,
    LOT_E,
    NOW,
    NURSE,
    NURSE2,
    SAFE_A,
    SAFE_B,
    VIAL50,
    make,
)

EXPIRED = Lot(VIAL50, "EXP", date(2026, 1, 1))
LOTS = (LOT, LOT_E, EXPIRED)
LOCATIONS = (SAFE_A, SAFE_B)
KINDS = ("receipt", "transfer", "dispense", "administer", "return", "waste", "bad_witness")

operations = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 2),  # lot
    st.integers(0, 1),  # location
    st.integers(0, 1),  # session
    st.integers(-2, 12),  # amount step: mg = step * 250 (vial) or step * 28 (device)
)


def build(index, op):
    kind, lot_i, loc_i, session_i, step = op
    lot = LOTS[lot_i]
    mg = Decimal(step * (28 if lot is LOT_E else 250))
    loc, other = LOCATIONS[loc_i], LOCATIONS[1 - loc_i]
    session = f"session:s{session_i}"
    key = f"k{index}"
    site = {"site_id": loc.site_id}
    if kind == "receipt":
        return make(
            EntryKind.RECEIPT,
            key,
            "supplier:S",
            loc.account,
            mg,
            lot=lot,
            counterparty="S",
            reference="INV",
            **site,
        )
    if kind == "transfer":
        return make(EntryKind.TRANSFER, key, loc.account, other.account, mg, lot=lot, **site)
    if kind == "dispense":
        return make(
            EntryKind.DISPENSE, key, loc.account, session, mg, lot=lot, reference="order", **site
        )
    if kind == "administer":
        return make(EntryKind.ADMINISTRATION, key, session, ADMINISTERED, mg, lot=lot)
    if kind == "return":
        return make(EntryKind.RETURN, key, session, loc.account, mg, lot=lot, **site)
    witness = NURSE if kind == "bad_witness" else NURSE2
    return make(EntryKind.WASTE, key, session, WASTE, mg, lot=lot, witness=witness)


def predicted_ok(op, entry, model):
    kind = op[0]
    if entry.quantity_mg <= 0 or kind == "bad_witness":
        return False
    if kind == "dispense" and entry.lot is EXPIRED:
        return False
    if kind == "receipt":
        return True
    return model.get((entry.source, entry.lot), Decimal(0)) >= entry.quantity_mg


def sum_of_entries(entries):
    """Balances recomputed here, independently: + into destination, - out of source."""
    totals = {}
    for e in entries:
        totals[(e.destination, e.lot)] = totals.get((e.destination, e.lot), 0) + e.quantity_mg
        totals[(e.source, e.lot)] = totals.get((e.source, e.lot), 0) - e.quantity_mg
    return totals


@settings(max_examples=150, deadline=None)
@given(st.lists(operations, max_size=40))
def test_any_sequence_keeps_balances_exact_and_non_negative(ops):
    ledger = Ledger()
    model: dict = {}
    for index, op in enumerate(ops):
        entry = build(index, op)
        before = ledger
        try:
            ledger = ledger.apply(entry, NOW)
        except ValidationError:
            assert not predicted_ok(op, entry, model), (op, entry)
            assert ledger is before
            assert balances(ledger) == balances(before)
            continue
        assert predicted_ok(op, entry, model), (op, entry)
        assert ledger.entries == (*before.entries, entry)
        model[(entry.source, entry.lot)] = (
            model.get((entry.source, entry.lot), 0) - entry.quantity_mg
        )
        model[(entry.destination, entry.lot)] = (
            model.get((entry.destination, entry.lot), 0) + entry.quantity_mg
        )
        computed = balances(ledger)
        assert {k: v.mg for k, v in computed.items()} == sum_of_entries(ledger.entries)
        for (account, _lot), value in computed.items():
            if account.startswith(("loc:", "session:")):
                assert value.mg >= 0
                assert value.units >= 0
                assert value.mg == model[(account, _lot)]


@settings(max_examples=50, deadline=None)
@given(st.lists(operations, max_size=20))
def test_reapplying_every_entry_is_a_no_op(ops):
    ledger = Ledger()
    for index, op in enumerate(ops):
        with contextlib.suppress(ValidationError):
            ledger = ledger.apply(build(index, op), NOW)
    again = ledger
    for entry in ledger.entries:
        again = again.apply(entry, NOW)
    assert again is ledger
