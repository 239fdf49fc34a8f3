"""The waiting list's permissions for the roles (counts for everyone; names with customers)."""

from django.db import migrations

from inuvet.migrations import sync_roles_operation


class Migration(migrations.Migration):
    dependencies = [("inuvet", "0004_role_names_in_finnish"), ("waitlist", "0001_initial")]

    operations = [sync_roles_operation()]
