"""What an export (GDPR Art. 15 and 20) contains: everything held about a person, as JSON for
machines and as an HTML page for people, in one zip. Reading only; privacy.services writes."""

import io
import json
import zipfile
from collections.abc import Iterable

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.models import Appointment
from customers.contact import format_phone
from customers.models import Customer
from notifications.models import OutboxMessage
from privacy.models import ConsentRecord, DataSubjectRequest


def article_15_information() -> dict[str, str]:
    """The information Art. 15(1) owes the person, in the active language (as the notice says)."""
    return {
        "purposes": _(
            "Handling your bookings and our customer relationship, providing and developing the service, "
            "and anonymous analysis, reporting and statistics."
        ),
        "legal_bases": _(
            "Contract (GDPR Art. 6(1)(b)) for bookings; legitimate interest (Art. 6(1)(f)) for statistics, "
            "developing the service and information security; consent (Art. 6(1)(a)) for marketing."
        ),
        "recipients": _(
            "No one outside the practice without your consent. Processors acting for us: the email delivery "
            "provider and the server provider."
        ),
        "retention": _(
            "Until you delete your data or ask us to, unless the privacy notice states a retention period. "
            "Bookings remain as anonymous statistics."
        ),
        "rights": _(
            "Access, rectification, erasure, restriction, objection, data portability, withdrawal of consent, "
            "and a complaint to the Data Protection Ombudsman (tietosuoja.fi)."
        ),
        "source": _("You, through the booking form, or our staff when you booked by phone or at the desk."),
        "automated_decisions": _("None."),
    }


def _isoformat(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _person_filters(customers: list[Customer]) -> tuple[list[int], set[str], set[str]]:
    ids = [c.pk for c in customers]
    emails = {c.email for c in customers if c.email}
    phones = {c.phone for c in customers if c.phone}
    return ids, emails, phones


def _access_log(customers: list[Customer], appointment_ids: list[int]) -> list[dict]:
    """Who on the staff viewed, exported or changed the person's records, and when."""
    objects = Q(
        content_type=ContentType.objects.get_for_model(Customer), object_pk__in=[str(c.pk) for c in customers]
    )
    objects |= Q(
        content_type=ContentType.objects.get_for_model(Appointment),
        object_pk__in=[str(pk) for pk in appointment_ids],
    )
    actions = dict(LogEntry.Action.choices)
    return [
        {
            "at": _isoformat(entry.timestamp),
            "who": entry.actor.get_username() if entry.actor else _("you, or the system"),
            "action": str(actions.get(entry.action, entry.action)),
            "record": entry.object_repr,
            "purpose": (entry.additional_data or {}).get("purpose", ""),
        }
        for entry in LogEntry.objects.filter(objects).select_related("actor").order_by("timestamp")
    ]


def _sign_in_records(emails: Iterable[str]) -> list[dict]:
    """Staff sign-in records where someone typed the person's email as the user name."""
    records = []
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        condition = Q(pk__in=[])
        for email in emails:
            condition |= Q(username__iexact=email)
        for row in model.objects.filter(condition):
            records.append({"at": _isoformat(row.attempt_time), "kind": model._meta.verbose_name.title()})
    return records


def person_data(customers: list[Customer], *, language: str) -> dict:
    """Everything held about the person whose customer records these are."""
    ids, emails, phones = _person_filters(customers)
    with translation.override(language):
        appointments = list(
            Appointment.objects.filter(customer_id__in=ids)
            .select_related("service", "practitioner")
            .order_by("start")
        )
        return {
            "generated_at": _isoformat(timezone.now()),
            "controller": {
                k: settings.PRACTICE[k] for k in ("name", "business_id", "address", "email", "phone")
            },
            "register": settings.PRACTICE["register_name"],
            "information": article_15_information(),
            "customer_records": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "phone": c.phone,
                    "phone_display": format_phone(c.phone),
                    "email": c.email,
                    "created_at": _isoformat(c.created_at),
                    "updated_at": _isoformat(c.updated_at),
                }
                for c in customers
            ],
            "appointments": [
                {
                    "reference": a.display_reference,
                    "service": a.service.localized_name,
                    "practitioner": a.practitioner.name,
                    "start": _isoformat(a.start),
                    "end": _isoformat(a.end),
                    "status": str(a.get_status_display()),
                    "booked_by": str(a.get_source_display()),
                    "message": a.message,
                    "language": a.language,
                    "booked_at": _isoformat(a.created_at),
                    "cancelled_at": _isoformat(a.cancelled_at),
                }
                for a in appointments
            ],
            "consents": [
                {
                    "purpose": str(r.get_purpose_display()),
                    "given": r.given,
                    "text_shown": r.text,
                    "language": r.language,
                    "where": r.source,
                    "at": _isoformat(r.created_at),
                }
                for r in ConsentRecord.objects.filter(customer_id__in=ids).order_by("created_at")
            ],
            "requests": [
                {
                    "id": r.pk,
                    "type": str(r.get_kind_display()),
                    "received_on": r.received_on.isoformat(),
                    "channel": str(r.get_channel_display()),
                    "status": str(r.get_status_display()),
                    "due_on": r.due_on.isoformat(),
                    "completed_on": r.completed_on.isoformat() if r.completed_on else None,
                    "outcome": r.outcome,
                }
                for r in DataSubjectRequest.objects.filter(customer_id__in=ids).order_by("received_on")
            ],
            "emails_sent": [
                {"kind": m.kind, "subject": m.subject, "sent_at": _isoformat(m.sent_at), "status": m.status}
                for m in OutboxMessage.objects.filter(
                    Q(customer_id__in=ids) | Q(recipient__in=emails)
                ).order_by("created_at")
            ],
            "access_log": _access_log(customers, [a.pk for a in appointments]),
            "sign_in_records": _sign_in_records(emails | phones),
        }


def export_zip(data: dict, *, language: str) -> bytes:
    """data.json (machine-readable, for portability) and index.html (for reading) in one zip."""
    with translation.override(language):
        html = render_to_string("privacy/export.html", {"data": data, "LANGUAGE_CODE": language})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", html)
    return buffer.getvalue()
