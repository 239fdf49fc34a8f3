"""Audit-log helpers: masking of personal fields and access entries."""

from auditlog.signals import accessed

MASK = "•••"


def mask(value: str) -> str:
    """What the audit log stores for a personal field: whether it had a value, never the value."""
    return MASK if value not in ("", "None") else ""


def log_access(instance) -> None:
    """An access entry: the current staff user (from the request) viewed this object's data."""
    accessed.send(sender=instance.__class__, instance=instance)
