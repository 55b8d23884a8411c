"""On PostgreSQL the database itself refuses UPDATE and DELETE on ledger rows, so even a
connection that bypasses the ORM cannot rewrite history. (SQLite has no roles; there the
model and queryset refuse, and `kclinic ledger verify` detects anything else.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kclinic_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON inventory_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION kclinic_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS ledger_append_only ON inventory_ledgerentry;
DROP FUNCTION IF EXISTS kclinic_ledger_append_only();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
