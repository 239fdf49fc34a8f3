"""Species and per-species prices: viewed with the calendar, kept by the administrator."""

from django.db import migrations

from inuvet.migrations import sync_roles_operation


class Migration(migrations.Migration):
    dependencies = [("inuvet", "0005_roles_waitlist"), ("bookings", "0010_seed_species")]

    operations = [sync_roles_operation()]
