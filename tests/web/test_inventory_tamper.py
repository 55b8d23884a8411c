"""`kclinic ledger verify` catches rows altered, deleted, inserted or reordered directly in
the database (on PostgreSQL the append-only trigger is switched off for the tampering)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.db import connection

from kclinic.cli.ledger import ledger_group
from kclinic.domain import ledger_model as dm
from kclinic.web.inventory.models import LedgerEntry
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.services import post_entry
from tests.web.inventory_support import NOW, entry, receive, safe

TABLE = "inventory_ledgerentry"


@pytest.fixture
def chain(clinic):
    """Five entries at site north, seq 0..4: a receipt and four 100 mg dispenses."""
    nurse, site = clinic.nurse, clinic.site_a
    account = safe(nurse, site)
    receive(nurse, site, account, "5000", "10")
    for n in range(1, 5):
        post_entry(
            nurse,
            entry(
                nurse,
                f"d{n}",
                dm.EntryKind.DISPENSE,
                account,
                f"session:s{n}",
                "100",
                "0.2",
                site=site,
                reference=f"order-{n}",
            ),
            NOW,
        )
    assert verify_ledger()[1] is None
    return list(LedgerEntry.objects.order_by("seq"))


def _raw(*statements: tuple[str, tuple[object, ...]]) -> None:
    # Tampering straight in the database, as someone bypassing the application would.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The fixture's inserts leave deferred foreign-key checks pending, which would
            # block ALTER TABLE inside the test's transaction: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ledger_append_only")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER ledger_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _broken() -> tuple[str, int | None, str]:
    _, broken = verify_ledger()
    assert broken is not None
    return broken.site, broken.seq, broken.reason


def _cli_names(seq: int | None) -> None:
    result = CliRunner().invoke(ledger_group, ["verify"])
    assert result.exit_code == 1
    where = f"seq {seq}" if seq is not None else "chain head"
    assert f"TAMPERED: site north {where}" in result.output


def test_altered_content_is_caught(chain):
    content = chain[2].content.replace('"quantity_mg":"100"', '"quantity_mg":"10"')
    assert content != chain[2].content
    _raw((f"UPDATE {TABLE} SET content = %s WHERE id = %s", (content, chain[2].pk)))
    site, seq, reason = _broken()
    assert (site, seq) == ("north", 2)
    assert "altered" in reason
    _cli_names(2)


def test_altered_column_is_caught(chain):
    _raw((f"UPDATE {TABLE} SET quantity_mg = 10 WHERE id = %s", (chain[3].pk,)))
    assert _broken() == ("north", 3, "column quantity_mg differs from content")
    _cli_names(3)


def test_deleted_row_is_caught(chain):
    _raw((f"DELETE FROM {TABLE} WHERE id = %s", (chain[2].pk,)))
    # The first row out of place is the old seq 3, now second after seq 1.
    site, seq, _ = _broken()
    assert (site, seq) == ("north", 3)
    _cli_names(3)


def test_deleted_last_row_is_caught_against_the_head(chain):
    _raw((f"DELETE FROM {TABLE} WHERE id = %s", (chain[4].pk,)))
    site, seq, reason = _broken()
    assert (site, seq) == ("north", None)
    assert "chain head says 5" in reason
    _cli_names(None)


def test_inserted_row_is_caught(chain):
    # Make room at seq 2 and insert a forged row that links correctly to seq 1: the row
    # after it (the old seq 2, now 3) no longer links to its predecessor.
    _raw(
        (f"UPDATE {TABLE} SET seq = seq + 100 WHERE seq >= 2", ()),
        (f"UPDATE {TABLE} SET seq = seq - 99 WHERE seq >= 100", ()),
    )
    original = chain[2]
    forged = LedgerEntry(
        site=original.site,
        seq=2,
        kind=original.kind,
        lot=original.lot,
        source=original.source,
        destination="session:forged",
        quantity_mg=original.quantity_mg,
        quantity_units=original.quantity_units,
        actor=original.actor,
        reference=original.reference,
        at=original.at,
        idempotency_key="forged",
        content=original.content.replace('"d2"', '"forged"'),
        prev_hash=chain[1].hash,
    )
    from kclinic.domain.ledger_chain import entry_hash

    forged.hash = entry_hash(forged.content, forged.prev_hash)
    forged.save()
    site, seq, reason = _broken()
    assert (site, seq) == ("north", 3)
    assert "previous-hash" in reason
    _cli_names(3)


def test_reordered_rows_are_caught(chain):
    _raw(
        (f"UPDATE {TABLE} SET seq = -1 WHERE id = %s", (chain[1].pk,)),
        (f"UPDATE {TABLE} SET seq = 1 WHERE id = %s", (chain[2].pk,)),
        (f"UPDATE {TABLE} SET seq = 2 WHERE id = %s", (chain[1].pk,)),
    )
    site, seq, _ = _broken()
    assert (site, seq) == ("north", 1)
    _cli_names(1)
