"""Create the staff roles of inuvet/roles.py as groups with exactly their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def sync(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from inuvet.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auditlog", "0017_add_actor_email"),
        ("axes", "0010_accessattemptexpiration"),
        ("bookings", "0003_alter_appointment_options"),
        ("customers", "0001_initial"),
        ("privacy", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
