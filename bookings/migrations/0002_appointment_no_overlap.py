"""No two active appointments of one practitioner may overlap (PostgreSQL only).

Django's ExclusionConstraint cannot live in the model's Meta: SQLite's `migrate` would fail on
it. On SQLite the booking transaction is serialised instead (see bookings.services).
"""

from django.db import migrations

EXTENSION = "CREATE EXTENSION IF NOT EXISTS btree_gist"
CREATE = """
ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_no_overlap EXCLUDE USING gist (
    practitioner_id WITH =,
    tstzrange(occupied_start, occupied_end, '[)') WITH &&
) WHERE (status <> 'cancelled')
"""
DROP = "ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EXTENSION)
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
