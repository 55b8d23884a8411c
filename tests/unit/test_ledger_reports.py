"""Report tables of the ledger: expiry warnings, reconciliation status, DEA table rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kclinic.domain import ledger_model as dm
from kclinic.domain.ledger import Ledger, SessionReconciliation, perpetual_inventory
from kclinic.domain.ledger_forms import form41_record, form106_record
from kclinic.domain.ledger_reports import (
    InventoryHeader,
    InventoryItem,
    Registrant,
    expiry_status,
    form41_table,
    form106_table,
    inventory_table,
    perpetual_table,
    reconciliation_status,
)

VIAL = dm.ketamine_vial("0409-2051", Decimal(50), Decimal(10))  # 500 mg per vial
LOT = dm.Lot(VIAL, "K1", date(2027, 6, 30))
AT = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # a Friday
NURSE, OFFICER = dm.Person("n1", True), dm.Person("c1", False)
CLINIC = Registrant("North Clinic", "FN1234563", "1 Main St")


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2027, 7, 1), "expired"),
        (date(2027, 6, 30), "soon"),  # the label date is still usable
        (date(2027, 4, 2), "soon"),  # 89 days left
        (date(2027, 4, 1), "ok"),  # 90 days left
    ],
)
def test_expiry_status(today, status):
    assert expiry_status(LOT.expiry_date, today) == status


@pytest.mark.parametrize(
    ("amounts", "closed", "status"),
    [
        ((0, 0, 0, 0), False, "nothing drawn"),
        ((500, 40, 460, 0), True, "reconciled"),
        ((500, 40, 0, 0), False, "in progress"),
        ((500, 40, 0, 0), True, "unreconciled"),
    ],
)
def test_reconciliation_status(amounts, closed, status):
    rec = SessionReconciliation("s1", *(Decimal(a) for a in amounts))
    assert reconciliation_status(rec, closed) == status


def _entry(key: str, kind: dm.EntryKind, source: str, destination: str, mg: str, **extra):
    return dm.Entry(
        idempotency_key=key,
        kind=kind,
        at=AT,
        site_id="north",
        lot=LOT,
        source=source,
        destination=destination,
        quantity_mg=Decimal(mg),
        quantity_units=dm.units_for_mg(VIAL, Decimal(mg)),
        actor=extra.pop("actor", NURSE),
        **extra,
    )


def test_perpetual_table_rows():
    ledger = Ledger()
    for entry in (
        _entry(
            "r",
            dm.EntryKind.RECEIPT,
            "supplier:acme",
            "loc:north/safe",
            "1000",
            counterparty="acme",
            reference="INV",
        ),
        _entry(
            "d", dm.EntryKind.DISPENSE, "loc:north/safe", "session:s1", "500", reference="order"
        ),
    ):
        ledger = ledger.apply(entry, AT)
    table = perpetual_table("lot K1", perpetual_inventory(ledger, LOT), CLINIC)
    assert [row[2:] for row in table.rows] == [
        ("receipt", "1000", "1000"),
        ("dispense", "-500", "500"),
    ]
    assert ("DEA registration", "FN1234563") in table.facts


def test_form41_table_splits_whole_and_partial_packages():
    entry = _entry(
        "x",
        dm.EntryKind.DESTRUCTION,
        "loc:north/safe",
        "destroyed",
        "1250",
        actor=OFFICER,
        witness=NURSE,
        reason="incinerated",
        counterparty="ReturnCo",
    )
    row = dict(
        zip(
            form41_table([form41_record(entry)], CLINIC).columns,
            form41_table([form41_record(entry)], CLINIC).rows[0],
            strict=True,
        )
    )
    assert (row["Full packages"], row["Partial package mg"], row["Total destroyed mg"]) == (
        "2",
        "250",
        "1250",
    )
    assert (row["Witness 1"], row["Witness 2"], row["Place"]) == ("c1", "n1", "ReturnCo")


def test_form106_table_gives_the_notice_date_after_a_weekend():
    entry = _entry(
        "l",
        dm.EntryKind.LOSS,
        "loc:north/safe",
        "lost",
        "500",
        actor=OFFICER,
        reason="theft",
        discovered_at=AT,
    )
    table = form106_table([form106_record(entry)], None)
    row = dict(zip(table.columns, table.rows[0], strict=True))
    assert row["Notice due"] == "2026-03-09"  # Friday -> Monday
    assert table.facts[0][1].startswith("not recorded")


def test_an_empty_inventory_is_recorded_as_zero():
    header = InventoryHeader("Initial inventory", AT, "Opening of business", "Kim, RN")
    empty = inventory_table(header, [], CLINIC)
    assert empty.rows == ()
    assert "zero inventory" in empty.notes[0]
    item = InventoryItem(
        "ketamine",
        "0409-2051",
        "50 mg/mL",
        "Vial",
        "K1",
        "loc:north/safe",
        Decimal("2.5000"),
        Decimal("1250.0000"),
    )
    full = inventory_table(header, [item], CLINIC)
    assert full.rows[0][-2:] == ("2.5", "1250")
    assert ("Time", "15:00 UTC (Opening of business)") in full.facts
