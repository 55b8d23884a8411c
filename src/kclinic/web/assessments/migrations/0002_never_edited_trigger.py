"""On PostgreSQL the database itself refuses UPDATE and DELETE of a stored assessment, so
even a connection that bypasses the ORM cannot rewrite what was entered. (On SQLite the
model and its queryset refuse; corrections are new rows that supersede.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kclinic_assessment_never_edited() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'assessments are never edited or deleted (% refused); record a correction',
    TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessment_never_edited BEFORE UPDATE OR DELETE ON assessments_assessment
  FOR EACH ROW EXECUTE FUNCTION kclinic_assessment_never_edited();
"""
DROP = """
DROP TRIGGER IF EXISTS assessment_never_edited ON assessments_assessment;
DROP FUNCTION IF EXISTS kclinic_assessment_never_edited();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
