"""Staff roles, defined here and nowhere else. A migration turns them into Django groups."""

from django.contrib.auth.models import Group

RECEPTION = "Reception"
PRACTITIONER = "Practitioner"
DATA_PROTECTION_OFFICER = "Data-protection officer"
ADMINISTRATOR = "Administrator"

ROLES: dict[str, set[str]] = {
    RECEPTION: set(),
    PRACTITIONER: set(),
    DATA_PROTECTION_OFFICER: set(),
    ADMINISTRATOR: set(),
}


def assign(user, role: str) -> None:
    """Give the user exactly this role (staff have one role each)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.set([group])
