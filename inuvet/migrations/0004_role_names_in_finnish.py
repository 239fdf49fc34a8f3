"""Roles named in Finnish (Vastaanotto, Eläinlääkäri, Tietosuojavastaava, Ylläpitäjä; people read
them in their own language), and the administrator may move or cancel the appointments a closure
or a change of hours affects."""

from django.db import migrations

from inuvet.migrations import sync_roles_operation


def rename(apps, schema_editor):
    from inuvet.roles import rename_former_groups

    rename_former_groups(apps)


def staff_flag_follows_role(apps, schema_editor):
    """A role grants the staff site: is_staff says the same for every user."""
    User = apps.get_model("auth", "User")
    from inuvet.roles import ROLES

    for user in User.objects.all():
        wanted = user.is_superuser or user.groups.filter(name__in=ROLES).exists()
        if user.is_staff != wanted:
            user.is_staff = wanted
            user.save(update_fields=["is_staff"])


class Migration(migrations.Migration):
    dependencies = [("inuvet", "0003_rate_limit_counters"), ("bookings", "0007_hours_validity_and_staff_reasons")]

    operations = [
        migrations.RunPython(rename, migrations.RunPython.noop),
        sync_roles_operation(),
        migrations.RunPython(staff_flag_follows_role, migrations.RunPython.noop),
    ]
