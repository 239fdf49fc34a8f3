"""Staff roles, defined here and nowhere else. Migrations turn them into Django groups.

Least privilege: a role holds exactly the permissions listed; everything else is denied. After
changing this file, add a migration with `sync_roles_operation()` (see inuvet/migrations);
tests/test_permissions.py fails until you do.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import pgettext_lazy

# Group names, in the practice's language; people read them in theirs (LABELS).
RECEPTION = "Vastaanotto"
PRACTITIONER = "Eläinlääkäri"
DATA_PROTECTION_OFFICER = "Tietosuojavastaava"
ADMINISTRATOR = "Ylläpitäjä"
LABELS = {
    RECEPTION: pgettext_lazy("role", "Reception"),
    PRACTITIONER: pgettext_lazy("role", "Veterinarian"),
    DATA_PROTECTION_OFFICER: pgettext_lazy("role", "Data-protection officer"),
    ADMINISTRATOR: pgettext_lazy("role", "Administrator"),
}
# The groups' names before they were Finnish (inuvet/migrations/0003 renames them).
FORMER_NAMES = {
    "Reception": RECEPTION,
    "Practitioner": PRACTITIONER,
    "Data-protection officer": DATA_PROTECTION_OFFICER,
    "Administrator": ADMINISTRATOR,
}


def _crud(model: str, *actions: str) -> set[str]:
    app_label, name = model.split(".")
    return {f"{app_label}.{action}_{name}" for action in actions or ("view", "add", "change", "delete")}


_CALENDAR_CONTEXT = (
    _crud("bookings.service", "view")
    | _crud("bookings.species", "view")
    | _crud("bookings.speciesprice", "view")
    | _crud("bookings.practitioner", "view")
    | _crud("bookings.workinghours", "view")
    | _crud("bookings.closure", "view")
    | {"bookings.view_calendar"}
    # The waiting list: counts per service and day; names only with customers' view permission.
    | {"waitlist.view_waitlistentry"}
)

ROLES: dict[str, set[str]] = {
    # Bookings and customers in full (customers are erased by the DPO, never deleted here).
    RECEPTION: _CALENDAR_CONTEXT
    | _crud("bookings.appointment", "view", "add", "change")
    | {"bookings.reschedule_appointment", "bookings.view_reports"}
    | _crud("customers.customer", "view", "add", "change")
    | {"waitlist.delete_waitlistentry"},  # take a client off the list when they ask by phone
    # The calendar and the appointments; status updates only.
    PRACTITIONER: _CALENDAR_CONTEXT | _crud("bookings.appointment", "view", "change"),
    # Data-subject requests, export, correction, erasure, consents, the audit log (read).
    DATA_PROTECTION_OFFICER: _crud("customers.customer", "view", "change")
    | _crud("bookings.appointment", "view")
    | _crud("privacy.consentrecord", "view")
    | _crud("privacy.datasubjectrequest", "view", "add", "change")
    | _crud("privacy.exportrecord", "view")
    | _crud("privacy.erasurereceipt", "view")
    | _crud("waitlist.waitlistentry", "view")
    | {f"privacy.{p}" for p in ("find_person", "export_person", "erase_person", "export_marketing_list")}
    | {"auditlog.view_logentry", "axes.view_accesslog", "axes.view_accessfailurelog"},
    # Configuration: services, practitioners, hours, closures, staff users and roles; moving or
    # cancelling the appointments a closure or a change of hours leaves outside the hours.
    ADMINISTRATOR: _crud("bookings.service")
    | _crud("bookings.species")
    | _crud("bookings.speciesprice")
    | _crud("bookings.practitioner")
    | _crud("bookings.workinghours")
    | _crud("bookings.closure")
    | _crud("auth.user")
    | _crud("auth.group", "view")
    | _crud("axes.accessattempt", "view", "delete")
    | {"bookings.view_calendar", "bookings.view_reports", "privacy.export_marketing_list"}
    | {"bookings.reschedule_appointment", "waitlist.view_waitlistentry"}
    | {"auditlog.view_logentry", "axes.view_accesslog", "axes.view_accessfailurelog"},
}


def label(role: str) -> str:
    """The role's name in the active language ("Reception" in English for "Vastaanotto")."""
    return str(LABELS.get(role, role))


def roles_of(user) -> list[str]:
    """The user's roles (group names in ROLES), read once per request."""
    cached = getattr(user, "_inuvet_roles", None)
    if cached is None:
        cached = [name for name in user.groups.values_list("name", flat=True) if name in ROLES]
        user._inuvet_roles = cached
    return cached


def has_staff_access(user) -> bool:
    """A role grants the staff site; a user with no role has none (superusers have every right).

    Read from the permissions the user's groups give (the groups are the roles), which Django
    caches for the request's later permission checks: no query of its own.
    """
    return user.is_active and (user.is_superuser or bool(user.get_group_permissions()))


def roles_with(permission: str) -> list[str]:
    """The roles that hold a permission ("app_label.codename"), in ROLES order."""
    return [role for role, permissions in ROLES.items() if permission in permissions]


def assign(user, role: str) -> None:
    """Give the user exactly this role (staff have one role each); the role grants the staff site."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.set([group])
    sync_staff_flag(user)


def sync_staff_flag(user) -> None:
    """Keep Django's is_staff equal to "has a role" (the site itself checks the role)."""
    for cached in ("_inuvet_roles", "_group_perm_cache", "_perm_cache"):
        user.__dict__.pop(cached, None)
    wanted = user.is_superuser or bool(roles_of(user))
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


def rename_former_groups(apps=None) -> None:
    """Give the groups made under the former English names their Finnish ones (a migration)."""
    group_model = apps.get_model("auth", "Group") if apps else Group
    for old, new in FORMER_NAMES.items():
        if not group_model.objects.filter(name=new).exists():
            group_model.objects.filter(name=old).update(name=new)


def sync_roles(apps=None) -> None:
    """Make the groups hold exactly the permissions above (for migrations and tests).

    In an early migration some permissions do not exist yet; the migration that adds their
    models syncs again.
    """
    group_model = apps.get_model("auth", "Group") if apps else Group
    permission_model = apps.get_model("auth", "Permission") if apps else Permission
    for role, wanted in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        condition = Q(pk__in=[])
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            condition |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(permission_model.objects.filter(condition))
