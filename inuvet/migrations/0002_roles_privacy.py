"""The data-protection officer's privacy permissions (requests, exports, erasure)."""

from django.db import migrations

from inuvet.migrations import sync_roles_operation


class Migration(migrations.Migration):
    dependencies = [("inuvet", "0001_roles"), ("privacy", "0002_requests_exports_erasure")]

    operations = [sync_roles_operation()]
