"""The audit trail: append-only, hash-chained, and `kclinic audit verify` catches tampering."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from kclinic.web.audit.models import AppendOnlyError, AuditEvent
from kclinic.web.audit.services import Actor, record, verify


@pytest.fixture
def chain(db):
    actor = Actor(None, "127.0.0.1")
    return [record(actor, "test", object_type="thing", object_id=n) for n in range(5)]


def test_an_untouched_chain_verifies(chain):
    checked, broken = verify()
    assert (checked, broken) == (5, None)
    assert [e.seq for e in AuditEvent.objects.all()] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))


def test_the_orm_refuses_to_change_or_delete_events(chain):
    event = AuditEvent.objects.get(seq=2)
    event.action = "other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=2).update(action="other")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: tuple[object, ...] = ()) -> None:
    # Tampering straight in the database, as someone bypassing the application would.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")


def test_altered_row_is_detected(chain):
    _raw("UPDATE audit_auditevent SET action = 'innocent' WHERE seq = 3")
    _, broken = verify()
    assert broken is not None
    assert broken.seq == 3
    assert "altered" in broken.reason


def test_deleted_row_is_detected(chain):
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    _, broken = verify()
    assert broken is not None
    assert broken.seq == 3
    assert "removed" in broken.reason


def test_deleted_last_row_is_detected_by_the_chain_head(chain):
    _raw("DELETE FROM audit_auditevent WHERE seq = 5")
    checked, broken = verify()
    assert checked == 4
    assert broken is not None
    assert broken.seq is None


def test_inserted_row_is_detected(chain):
    first = AuditEvent.objects.get(seq=3)
    _raw("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq >= 3")
    _raw(
        "INSERT INTO audit_auditevent (seq, public_id, at, username, role, action, object_type,"
        " object_id, detail, prev_hash, hash) VALUES (3, %s, %s, '', '', 'forged', '', '', '{}',"
        " %s, %s)",
        ("11111111-1111-1111-1111-111111111111", first.at, first.prev_hash, "f" * 64),
    )
    _, broken = verify()
    assert broken is not None
    assert broken.seq == 3


def test_reordered_rows_are_detected(chain):
    _raw("UPDATE audit_auditevent SET seq = 99 WHERE seq = 2")
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE seq = 99")
    _, broken = verify()
    assert broken is not None
    assert broken.seq == 2


def test_raw_sql_update_is_refused_on_postgresql_and_caught_on_sqlite(chain):
    from django.db import DatabaseError, transaction

    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
        assert verify() == (5, None)
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 1")
        assert verify()[1].seq == 1


@pytest.mark.django_db(transaction=True)
def test_cli_verify_exits_non_zero_on_tampering(tmp_path: Path, settings):
    # The console script against a real SQLite file: ok first, then tampered.
    db = tmp_path / "audit.sqlite3"
    env = {
        "PATH": "/usr/bin:/bin",
        "KCLINIC_MODE": "test",
        "DATABASE_URL": f"sqlite:///{db}",
        "KCLINIC_HOME": str(tmp_path),
    }
    kclinic = str(Path(sys.executable).with_name("kclinic"))
    subprocess.run([kclinic, "migrate"], env=env, check=True, capture_output=True)
    setup = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='kclinic.web.settings';"
        "django.setup();"
        "from kclinic.web.audit.services import Actor, record;"
        "[record(Actor(None), 'test', object_id=i) for i in range(3)]"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, check=True)
    ok = subprocess.run([kclinic, "audit", "verify"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 3 events")
    import sqlite3

    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE audit_auditevent SET username = 'mallory' WHERE seq = 2")
    bad = subprocess.run([kclinic, "audit", "verify"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "TAMPERED: event 2" in bad.stderr
