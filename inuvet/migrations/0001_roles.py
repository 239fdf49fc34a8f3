"""Create the staff roles of inuvet/roles.py as groups with exactly their permissions."""

from django.db import migrations

from inuvet.migrations import sync_roles_operation


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

    operations = [sync_roles_operation()]
