"""How the staff site shows audit entries: in the reader's language, local times, and values as
people read them (field names, choice labels, related records, "—" for nothing), never raw codes."""

import json
from datetime import UTC, date, datetime

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from inuvet.audit import MASK

NOTHING = "—"
ACTIONS = {
    LogEntry.Action.CREATE: _("created"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
    LogEntry.Action.ACCESS: _("viewed"),
}
PURPOSES = {
    "view": _("opened the page"),
    "search": _("in search results"),
    "list": _("in a list"),
    "export": _("exported"),
    "calendar": _("in the calendar"),
    "day list": _("in the printed day list"),
}
M2M_OPERATIONS = {"add": _("added"), "delete": _("removed"), "clear": _("removed all")}


def local_time(moment: datetime | None) -> str:
    """A stored instant as the practice's local date and time ("1.12.2026 14.05")."""
    if moment is None:
        return NOTHING
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def action_label(entry: LogEntry) -> str:
    label = str(ACTIONS.get(entry.action, entry.action))
    purpose = (
        (entry.additional_data or {}).get("purpose") if isinstance(entry.additional_data, dict) else None
    )
    if entry.action == LogEntry.Action.ACCESS and purpose in PURPOSES:
        return f"{label} ({PURPOSES[purpose]})"
    return label


def record_label(entry: LogEntry) -> str:
    """ "Asiakas #4" as the reader's language names the model ("Customer #4" in English)."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None:
        return entry.object_repr
    return f"{capfirst(model._meta.verbose_name)} #{entry.object_pk}"


def _value(field, raw) -> str:
    if raw in (None, "", "None"):
        return NOTHING
    if raw == MASK:
        return MASK
    text = str(raw)
    if field is None:
        return text
    if field.choices:
        return str(dict(field.flatchoices).get(_coerce(field, text), text))
    if isinstance(field, models.ForeignKey):
        related = field.related_model._default_manager.filter(pk=text).first()
        return str(related) if related is not None else f"#{text}"
    if isinstance(field, models.BooleanField):
        return str(_("yes") if text in {"True", "true", "1"} else _("no"))
    if isinstance(field, models.DateTimeField):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        # auditlog stores aware times as naive UTC.
        return local_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if isinstance(field, models.DateField):
        try:
            return formats.date_format(date.fromisoformat(text[:10]), "SHORT_DATE_FORMAT")
        except ValueError:
            return text
    return text


def _coerce(field, text: str):
    try:
        return field.to_python(text)
    except Exception:  # noqa: BLE001 - an old value that no longer parses is shown as it was stored
        return text


def _fields(entry: LogEntry):
    """(model field or None, readable name, recorded change) of each change in the entry."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    for name, change in (entry.changes_dict or {}).items():
        try:
            field = model._meta.get_field(name) if model is not None else None
        except FieldDoesNotExist:
            field = None
        yield field, capfirst(str(getattr(field, "verbose_name", name))), change


def changes(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) of every change the entry records, readable (a query per link); for a
    record just created, only the fields that got a value."""
    rows = []
    created = entry.action == LogEntry.Action.CREATE
    for field, label, change in _fields(entry):
        if created and (
            getattr(field, "primary_key", False)
            or (isinstance(change, list) and _value(field, change[-1]) == NOTHING)
        ):
            continue
        if isinstance(change, dict) and change.get("type") == "m2m":
            operation = str(M2M_OPERATIONS.get(change.get("operation"), change.get("operation")))
            rows.append((label, operation, ", ".join(str(o) for o in change.get("objects", []))))
        elif isinstance(change, list | tuple) and len(change) == 2:
            rows.append((label, _value(field, change[0]), _value(field, change[1])))
        else:
            rows.append((label, NOTHING, json.dumps(change, ensure_ascii=False)))
    return rows


def changed_fields(entry: LogEntry) -> str:
    """The names of the changed fields, for a list row (no queries)."""
    return ", ".join(label for _field, label, _change in _fields(entry))
