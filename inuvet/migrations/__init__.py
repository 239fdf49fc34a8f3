from django.contrib.auth.management import create_permissions
from django.db import migrations


def _sync(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from inuvet.roles import sync_roles

    sync_roles(apps)


def sync_roles_operation():
    """Make the groups match inuvet/roles.py; every change to the roles gets a migration with it."""
    return migrations.RunPython(_sync, migrations.RunPython.noop)
