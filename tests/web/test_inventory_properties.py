"""Hypothesis over the services: for any sequence of valid and invalid operations on one
site's ledger, every balance row equals the sum of its entries and is never negative, each
session's draw is dispensed = administered + wasted + returned + still held, and a refused
operation changes nothing. Each example runs in a transaction that is rolled back, on top of
a clinic with two safes, one stocked lot and two sessions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.services import Actor
from kclinic.web.inventory import services_movements as moves
from kclinic.web.inventory.models import Balance, LedgerEntry
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.services import add_location
from kclinic.web.inventory.services_counts import record_count, resolve_discrepancy
from tests.web.factories import PASSWORD
from tests.web.inventory_support import LOT, VIAL, a_session, stocked_safe

# Amounts include invalid ones: negative, zero, not a number, more decimals than kept.
AMOUNTS = st.sampled_from(["40", "250", "460", "500", "1200", "-5", "0", "abc", "0.00001"])
UNITS = st.sampled_from(["1", "2", "0.5", "9", "-1", "x"])
OPS = st.one_of(
    st.tuples(st.just("receive"), UNITS),
    st.tuples(st.just("transfer"), UNITS),
    st.tuples(st.just("dispense"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("administer"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("return"), st.integers(0, 1), AMOUNTS),
    st.tuples(st.just("waste"), st.integers(0, 1), AMOUNTS, st.sampled_from(["ok", "self", "pw"])),
    st.tuples(st.just("destroy"), UNITS),
    st.tuples(st.just("loss"), UNITS),
    st.tuples(st.just("count"), st.sampled_from(["10", "9", "0", "11.5"])),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Witness signatures check passwords; a fast hasher keeps the examples quick (the
    # password rule itself is tested with the real hasher elsewhere).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(clinic):
    safe, lot = stocked_safe(clinic)
    cart = add_location(clinic.nurse, clinic.site_a, "cart")
    sessions = [a_session(clinic), a_session(clinic, sequence=2)]
    return clinic, safe, cart, lot, sessions


def _snapshot() -> tuple[object, ...]:
    return (
        LedgerEntry.objects.count(),
        sorted(Balance.objects.values_list("account", "lot_id", "mg", "units")),
    )


def _check_invariants(sessions) -> None:
    sums: dict[tuple[str, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in LedgerEntry.objects.all():
        for account, sign in ((row.source, -1), (row.destination, 1)):
            sums[(account, row.lot_id)][0] += sign * row.quantity_mg
            sums[(account, row.lot_id)][1] += sign * row.quantity_units
    for balance in Balance.objects.all():
        assert [balance.mg, balance.units] == sums[(balance.account, balance.lot_id)]
        assert balance.mg >= 0
        assert balance.units >= 0
    for (account, _), (mg, _) in sums.items():
        if account.startswith(("loc:", "session:")):
            assert mg >= 0
    from kclinic.web.inventory.selectors_stock import session_drug

    for session in sessions:
        drug = session_drug(session)
        held = sum(drug.held_mg.values(), Decimal(0))
        assert drug.reconciliation.shortfall_mg == held


def _run(op, clinic, safe, cart, lot, sessions, key: str):
    nurse, officer = Actor(clinic.nurse), Actor(clinic.compliance)
    kind = op[0]
    if kind == "receive":
        return moves.receive(
            nurse,
            safe,
            VIAL,
            LOT.lot_number,
            LOT.expiry_date,
            op[1],
            "Acme",
            "I",
            idempotency_key=key,
        )
    if kind == "transfer":
        return moves.transfer(nurse, safe, cart, lot, op[1], idempotency_key=key)
    if kind in ("dispense", "administer", "return"):
        call = {
            "dispense": moves.dispense_to_session,
            "administer": moves.administer,
            "return": moves.return_unused,
        }[kind]
        return call(nurse, sessions[op[1]], lot, op[2], idempotency_key=key)
    if kind == "waste":
        witness = {"ok": "dr_lee", "self": "nurse_kim", "pw": "dr_lee"}[op[3]]
        password = "wrong" if op[3] == "pw" else PASSWORD
        return moves.waste(
            nurse, witness, password, sessions[op[1]], lot, op[2], idempotency_key=key
        )
    if kind == "destroy":
        return moves.destroy(
            officer, "nurse_kim", PASSWORD, safe, lot, op[1], "digestion", idempotency_key=key
        )
    if kind == "loss":
        from django.utils import timezone

        return moves.report_loss(
            officer, safe, lot, op[1], "missing", timezone.now(), idempotency_key=key
        )
    if kind == "count":
        count = record_count(nurse, safe, {lot: op[1]}, idempotency_key=key)
        if hasattr(count, "discrepancy"):
            return resolve_discrepancy(officer, count.discrepancy, "recount", "nurse_kim", PASSWORD)
        return count
    rows = list(LedgerEntry.objects.order_by("id"))
    return moves.reverse(nurse, rows[op[1] % len(rows)], "correction", idempotency_key=key)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=8))
def test_balances_equal_entries_and_refusals_change_nothing(world, ops):
    clinic, safe, cart, lot, sessions = world
    with transaction.atomic():
        for index, op in enumerate(ops):
            before = _snapshot()
            try:
                with transaction.atomic():
                    _run(op, clinic, safe, cart, lot, sessions, f"p-{index}")
            except (ValidationError, PermissionDenied):
                assert _snapshot() == before, op
            _check_invariants(sessions)
        assert verify_ledger()[1] is None
        transaction.set_rollback(True)
