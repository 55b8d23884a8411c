"""On PostgreSQL, the database itself refuses UPDATE of a signed note or addendum (OLD.signed_at
IS NOT NULL) and any DELETE of notes and addenda, so even a connection that bypasses the ORM
cannot change what was signed. (SQLite: the model and queryset refuse, and the content hash
taken at signing detects anything else.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kclinic_signed_note_lock() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'clinical notes and addenda are never deleted (DELETE refused on %)',
      TG_TABLE_NAME;
  END IF;
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'signed notes and addenda are locked (UPDATE refused on %)', TG_TABLE_NAME;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER notes_clinicalnote_lock BEFORE UPDATE OR DELETE ON notes_clinicalnote
  FOR EACH ROW EXECUTE FUNCTION kclinic_signed_note_lock();
CREATE TRIGGER notes_addendum_lock BEFORE UPDATE OR DELETE ON notes_addendum
  FOR EACH ROW EXECUTE FUNCTION kclinic_signed_note_lock();
"""
DROP = """
DROP TRIGGER IF EXISTS notes_addendum_lock ON notes_addendum;
DROP TRIGGER IF EXISTS notes_clinicalnote_lock ON notes_clinicalnote;
DROP FUNCTION IF EXISTS kclinic_signed_note_lock();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
