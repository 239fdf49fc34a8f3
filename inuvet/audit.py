"""Audit-log helpers: masking of personal fields, access entries, and staff-page permissions."""

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

MASK = "•••"


def mask(value: str) -> str:
    """What the audit log stores for a personal field: whether it had a value, never the value."""
    return MASK if value not in ("", "None") else ""


def log_access(instance, purpose: str = "view", **details) -> None:
    """An access entry: the current staff user (from the request) saw this record's data.

    `purpose` says how: "view" (its page), "search" (in search results), "export".
    """
    LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        additional_data={"purpose": purpose, **details},
    )


def require_permission(request, permission: str) -> None:
    """Staff pages outside the admin's model views: what the role does not grant is denied."""
    if not request.user.has_perm(permission):
        raise PermissionDenied
