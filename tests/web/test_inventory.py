"""Posting the controlled-substance ledger: balances, refusals that write nothing,
idempotency, and rows the ORM and (on PostgreSQL) the database refuse to change."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from kclinic.cli.ledger import ledger_group
from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import reversal_of
from kclinic.web.audit.models import AuditEvent
from kclinic.web.inventory.models import AppendOnlyError, Balance, LedgerEntry
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.services import person_for, post_entry
from tests.web.inventory_support import EXPIRED, LOT, NOW, entry, receive, safe

K = dm.EntryKind


@pytest.fixture
def stocked(clinic):
    account = safe(clinic.nurse, clinic.site_a)
    receive(clinic.nurse, clinic.site_a, account, "5000", "10")  # 10 vials x 500 mg
    return account


def _state() -> tuple[object, ...]:
    return (
        LedgerEntry.objects.count(),
        AuditEvent.objects.filter(action="ledger_post").count(),
        sorted(Balance.objects.values_list("account", "mg", "units")),
    )


def _mg(account: str) -> tuple[Decimal, Decimal]:
    balance = Balance.objects.get(account=account)
    return balance.mg, balance.units


def test_receipt_dispense_administration_waste_round_trip(clinic, stocked):
    nurse, site = clinic.nurse, clinic.site_a
    post_entry(
        nurse,
        entry(
            nurse,
            "d1",
            K.DISPENSE,
            stocked,
            "session:s1",
            "200",
            "0.4",
            site=site,
            reference="order-1",
        ),
        NOW,
    )
    post_entry(
        nurse,
        entry(nurse, "a1", K.ADMINISTRATION, "session:s1", "administered", "150", "0.3", site=site),
        NOW,
    )
    post_entry(
        nurse,
        entry(
            nurse,
            "w1",
            K.WASTE,
            "session:s1",
            "waste",
            "50",
            "0.1",
            site=site,
            witness=clinic.prescriber,
        ),
        NOW,
    )
    # 5000 - 200 = 4800 mg (9.6 vials) in the safe; 200 - 150 - 50 = 0 in the session.
    assert _mg(stocked) == (Decimal(4800), Decimal("9.6"))
    assert _mg("session:s1") == (Decimal(0), Decimal(0))
    rows = list(LedgerEntry.objects.order_by("seq"))
    assert [(r.seq, r.kind) for r in rows] == [
        (0, "receipt"),
        (1, "dispense"),
        (2, "administration"),
        (3, "waste"),
    ]
    assert rows[3].witness == clinic.prescriber
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert AuditEvent.objects.filter(action="ledger_post").count() == 4
    sites, broken = verify_ledger()
    assert broken is None
    assert [(s.site, s.entries, s.head_hash) for s in sites] == [("north", 4, rows[3].hash)]


@pytest.mark.parametrize(
    "case",
    ["overdraw", "same_witness", "expired", "negative", "units", "unknown_location", "waste_over"],
)
def test_invalid_operations_write_nothing(clinic, stocked, case):
    nurse, site = clinic.nurse, clinic.site_a
    post_entry(
        nurse,
        entry(
            nurse,
            "d1",
            K.DISPENSE,
            stocked,
            "session:s1",
            "100",
            "0.2",
            site=site,
            reference="order-1",
        ),
        NOW,
    )
    bad = {
        "overdraw": entry(
            nurse, "x", K.DISPENSE, stocked, "session:s2", "4901", "9.802", site=site, reference="o"
        ),
        "same_witness": entry(
            nurse, "x", K.WASTE, "session:s1", "waste", "50", "0.1", site=site, witness=nurse
        ),
        "expired": entry(
            nurse,
            "x",
            K.DISPENSE,
            stocked,
            "session:s2",
            "50",
            "0.1",
            site=site,
            reference="o",
            lot=EXPIRED,
        ),
        "negative": entry(
            nurse, "x", K.DISPENSE, stocked, "session:s2", "-50", "-0.1", site=site, reference="o"
        ),
        "units": entry(
            nurse, "x", K.DISPENSE, stocked, "session:s2", "50", "1", site=site, reference="o"
        ),
        "unknown_location": entry(
            nurse, "x", K.TRANSFER, stocked, "loc:north/cupboard", "50", "0.1", site=site
        ),
        # 100 mg were drawn: wasting 150 would take the session below zero.
        "waste_over": entry(
            nurse,
            "x",
            K.WASTE,
            "session:s1",
            "waste",
            "150",
            "0.3",
            site=site,
            witness=clinic.prescriber,
        ),
    }[case]
    before = _state()
    with pytest.raises(ValidationError):
        post_entry(nurse, bad, NOW)
    assert _state() == before


def test_other_site_staff_cannot_post_at_a_site(clinic, stocked):
    other = clinic.other_site_nurse
    before = _state()
    with pytest.raises(PermissionDenied):
        post_entry(
            other,
            entry(
                other,
                "x",
                K.DISPENSE,
                stocked,
                "session:s9",
                "50",
                "0.1",
                site=clinic.site_a,
                reference="o",
            ),
            NOW,
        )
    assert _state() == before


def test_actor_must_be_the_signed_in_user(clinic, stocked):
    nurse = clinic.nurse
    forged = entry(
        clinic.prescriber,
        "x",
        K.DISPENSE,
        stocked,
        "session:s9",
        "50",
        "0.1",
        site=clinic.site_a,
        reference="o",
    )
    with pytest.raises(ValidationError, match="actor"):
        post_entry(nurse, forged, NOW)


def test_a_repeated_key_is_applied_once_and_a_changed_payload_refused(clinic, stocked):
    nurse, site = clinic.nurse, clinic.site_a
    dispense = entry(
        nurse, "d1", K.DISPENSE, stocked, "session:s1", "200", "0.4", site=site, reference="order-1"
    )
    first = post_entry(nurse, dispense, NOW)
    again = post_entry(nurse, dispense, NOW)
    assert again.pk == first.pk
    assert _mg(stocked) == (Decimal(4800), Decimal("9.6"))
    before = _state()
    changed = entry(
        nurse, "d1", K.DISPENSE, stocked, "session:s1", "250", "0.5", site=site, reference="order-1"
    )
    with pytest.raises(ValidationError, match="idempotency_key"):
        post_entry(nurse, changed, NOW)
    assert _state() == before


def test_the_orm_refuses_to_change_or_delete_entries(clinic, stocked):
    row = LedgerEntry.objects.get(seq=0)
    row.reason = "edited"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(seq=0).update(reason="edited")
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()


def test_raw_changes_are_refused_on_postgresql_and_caught_on_sqlite(clinic, stocked):
    if connection.vendor == "postgresql":
        for sql in (
            "UPDATE inventory_ledgerentry SET reason = 'x'",
            "DELETE FROM inventory_ledgerentry",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        assert verify_ledger()[1] is None
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_ledgerentry SET reason = 'x'")
        broken = verify_ledger()[1]
        assert broken is not None
        assert (broken.site, broken.seq) == ("north", 0)


def test_cli_verify_prints_ok_with_counts_and_head(clinic, stocked):
    result = CliRunner().invoke(ledger_group, ["verify"])
    head = LedgerEntry.objects.get(seq=0).hash
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "ok: 1 entries in 1 site chains",
        f"north: 1 entries, head {head}",
    ]


def test_a_lot_whose_stored_expiry_differs_is_refused(clinic, stocked):
    nurse = clinic.nurse
    relabelled = dm.Lot(LOT.product, LOT.lot_number, date(2028, 1, 31))
    before = _state()
    with pytest.raises(ValidationError, match="expiry_date"):
        post_entry(
            nurse,
            entry(
                nurse,
                "x",
                K.DISPENSE,
                stocked,
                "session:s1",
                "50",
                "0.1",
                site=clinic.site_a,
                reference="o",
                lot=relabelled,
            ),
            NOW,
        )
    assert _state() == before


def test_a_reversal_restores_the_balance_without_editing_history(clinic, stocked):
    nurse, site = clinic.nurse, clinic.site_a
    dispense = entry(
        nurse, "d1", K.DISPENSE, stocked, "session:s1", "200", "0.4", site=site, reference="order-1"
    )
    post_entry(nurse, dispense, NOW)
    post_entry(nurse, reversal_of(dispense, "rev1", NOW, person_for(nurse), "wrong chair"), NOW)
    assert _mg(stocked) == (Decimal(5000), Decimal(10))
    assert _mg("session:s1") == (Decimal(0), Decimal(0))
    assert list(LedgerEntry.objects.order_by("seq").values_list("kind", flat=True)) == [
        "receipt",
        "dispense",
        "reversal",
    ]
    assert verify_ledger()[1] is None
