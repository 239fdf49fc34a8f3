"""Every place a person's data can live, declared once.

Each location knows how to find one person's rows (one matching rule), export them and erase them,
and names the model fields that hold personal data. Export, erasure, retention and the tests all
iterate REGISTRY; nothing else keeps a list of where personal data lives. A model field that could
hold personal data must be claimed by a location or declared in NOT_PERSONAL (a test checks it).
"""

import json
import re
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from bookings.models import Appointment
from bookings.services import anonymise_appointments
from customers.contact import format_phone
from customers.models import Customer
from inuvet.audit_display import ACTIONS, PURPOSES
from notifications.models import OutboxMessage
from privacy.models import ConsentRecord, DataSubjectRequest, VerificationLink
from waitlist.models import WaitlistEntry

ERASED = "•••"


def when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


@dataclass
class Person:
    """One person: their customer records, and every spelling in which their values may be stored."""

    customers: list[Customer]
    ids: list[int] = field(init=False)
    emails: set[str] = field(init=False)
    phones: set[str] = field(init=False)
    spellings: set[str] = field(init=False)

    def __post_init__(self):
        self.ids = [c.pk for c in self.customers]
        self.emails = {c.email for c in self.customers if c.email}
        self.phones = {c.phone for c in self.customers if c.phone}
        values = set()
        for c in self.customers:
            values |= {c.name, c.email, c.phone, c.phone.lstrip("+")}
            if c.phone.startswith("+358"):
                national = "0" + c.phone[4:]
                values |= {national, f"{national[:3]} {national[3:]}"}
        self.spellings = {v.lower() for v in values if v and len(v) >= 4}

    def mentioned_in(self, value) -> bool:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        text = text.lower()
        return any(spelling in text for spelling in self.spellings)

    def redact(self, value):
        """The value with every spelling of the person's data replaced (strings, lists, dicts)."""
        if isinstance(value, str):
            for spelling in sorted(self.spellings, key=len, reverse=True):
                value = re.sub(re.escape(spelling), ERASED, value, flags=re.IGNORECASE)
            return value
        if isinstance(value, list):
            return [self.redact(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact(v) for k, v in value.items()}
        return value


class Location:
    """A place where a person's data lives. Subclasses fill in the four parts."""

    key: str  # the export's section and the receipt's count
    title = ""  # for people: the export's heading, the receipt's line
    explanation = ""  # one sentence for the person reading their export
    personal_fields: dict[str, set[str]] = {}  # model label → fields holding personal data
    after_commit = False  # erased after the erasure's transaction (slow scans)
    needs: tuple[str, ...] = ()  # locations whose rows `find` reads from `found`

    def find(self, person: Person, found: dict[str, list]) -> list:
        raise NotImplementedError

    def export(self, rows: list) -> list[dict]:
        raise NotImplementedError

    def erase(self, rows: list, person: Person) -> int | dict[str, int]:
        """Erase the rows; how many (or counts by kind, for the receipt)."""
        raise NotImplementedError


class CustomerRecords(Location):
    key = "customer_records"
    title = _("Your details")
    explanation = _("The name, phone number and email address you gave, one record per booking.")
    personal_fields = {"customers.Customer": {"name", "phone", "email", "pending_email"}}

    def find(self, person, found):
        return list(Customer.objects.filter(pk__in=person.ids).order_by("pk"))

    def export(self, rows):
        return [
            {
                "id": c.pk,
                "name": c.name,
                "phone": c.phone,
                "phone_display": format_phone(c.phone),
                "email": c.email,
                "new_email_waiting_for_confirmation": c.pending_email,
                "email_confirmed_at": when(c.email_confirmed_at),
                "created_at": when(c.created_at),
                "updated_at": when(c.updated_at),
            }
            for c in rows
        ]

    def erase(self, rows, person):
        for customer in rows:
            customer.delete()  # one by one: auditlog records each deletion (values masked)
        return len(rows)


class Appointments(Location):
    key = "appointments"
    title = _("Your bookings")
    explanation = _(
        "Your appointments. After erasure they remain without your details, as anonymous statistics."
    )
    # Staff's reasons (cancelling, booking outside the hours) are free text that could name the
    # client despite the guidance next to the field: treated as the client's data, exported and
    # erased with the rest (and masked in the audit log).
    personal_fields = {
        "bookings.Appointment": {
            "customer",
            "message",
            "animal_name",
            "manage_token_hash",
            "request_key_hash",
            "cancel_reason",
            "override_reason",
        }  # fmt: skip
    }

    def find(self, person, found):
        return list(
            Appointment.objects.filter(customer_id__in=person.ids)
            .select_related("service", "practitioner", "species")
            .order_by("start", "pk")
        )

    def export(self, rows):
        return [
            {
                "reference": a.display_reference,
                "service": a.service.localized_name,
                "practitioner": a.practitioner.name,
                "start": when(a.start),
                "end": when(a.end),
                "status": str(a.get_status_display()),
                "booked_by": str(a.get_source_display()),
                "message": a.message,
                "species": a.species.localized_name if a.species else "",
                "animal_name": a.animal_name,
                "price_at_booking": str(a.price) if a.price is not None else "",
                "language": a.language,
                "booked_at": when(a.created_at),
                "cancelled_at": when(a.cancelled_at),
                "cancelled_by": str(a.get_cancelled_by_display()) if a.cancelled_by else "",
                "cancel_reason": a.cancel_reason,
                "booked_outside_hours_because": a.override_reason,
            }
            for a in rows
        ]

    def erase(self, rows, person):
        return anonymise_appointments(customer_ids=person.ids)


class Consents(Location):
    key = "consents"
    title = _("Consents")
    explanation = _("When you gave or withdrew consent to marketing, with the text you saw.")
    personal_fields = {"privacy.ConsentRecord": {"customer"}}

    def find(self, person, found):
        return list(ConsentRecord.objects.filter(customer_id__in=person.ids).order_by("created_at", "pk"))

    def export(self, rows):
        return [
            {
                "purpose": str(r.get_purpose_display()),
                "given": r.given,
                "text_shown": r.text,
                "language": r.language,
                "where": r.source,
                "at": when(r.created_at),
            }
            for r in rows
        ]

    def erase(self, rows, person):
        return ConsentRecord.objects.filter(pk__in=[r.pk for r in rows]).delete()[0]


class Requests(Location):
    key = "requests"
    title = _("Your requests")
    explanation = _("Data-protection requests you made, and how we answered them.")
    personal_fields = {
        "privacy.DataSubjectRequest": {"customer", "subject", "notes", "outcome", "extension_reason"}
    }
    _TEXT = ("subject", "notes", "outcome", "extension_reason")

    def find(self, person, found):
        # The register of requests is small; a request may name the person without being linked.
        return [
            r
            for r in DataSubjectRequest.objects.order_by("received_on", "pk")
            if r.customer_id in person.ids or person.mentioned_in(" ".join(getattr(r, f) for f in self._TEXT))
        ]

    def export(self, rows):
        return [
            {
                "id": r.pk,
                "type": str(r.get_kind_display()),
                "received_on": r.received_on.isoformat(),
                "channel": str(r.get_channel_display()),
                "status": str(r.get_status_display()),
                "due_on": r.due_on.isoformat(),
                "completed_on": r.completed_on.isoformat() if r.completed_on else None,
                "subject": r.subject,
                "notes": r.notes,
                "outcome": r.outcome,
                "extension_reason": r.extension_reason,
            }
            for r in rows
        ]

    def erase(self, rows, person):
        for privacy_request in rows:
            privacy_request.refresh_from_db()
            privacy_request.customer, privacy_request.subject = None, ""
            for name in ("notes", "outcome", "extension_reason"):
                setattr(privacy_request, name, person.redact(getattr(privacy_request, name)))
            privacy_request.save()
        return len(rows)


class Messages(Location):
    key = "emails_sent"
    title = _("Messages we sent you")
    explanation = _("Emails and text messages to you; their text is kept only until they are sent.")
    personal_fields = {
        "notifications.OutboxMessage": {
            "customer",
            "recipient",
            "subject",
            "body_text",
            "body_html",
            "attachments",
        }  # fmt: skip
    }

    def find(self, person, found):
        return list(
            OutboxMessage.objects.filter(
                Q(customer_id__in=person.ids) | Q(recipient__in=person.emails | person.phones)
            ).order_by("created_at", "pk")
        )

    def export(self, rows):
        return [
            {
                "kind": str(m.kind_label),
                "channel": str(m.get_channel_display()),
                "to": m.recipient,
                "subject": m.subject,
                "text": m.body_text,
                "status": str(m.get_status_display()),
                "created_at": when(m.created_at),
                "sent_at": when(m.sent_at),
            }
            for m in rows
        ]

    def erase(self, rows, person):
        return OutboxMessage.objects.filter(pk__in=[m.pk for m in rows]).delete()[0]


class VerificationLinks(Location):
    key = "verification_links"
    title = _("Verification links")
    explanation = _("One-time links we emailed when you asked for your data without a booking link.")
    personal_fields = {"privacy.VerificationLink": {"email"}}

    def find(self, person, found):
        return list(VerificationLink.objects.filter(email__in=person.emails).order_by("created_at"))

    def export(self, rows):
        return [
            {"email": v.email, "created_at": when(v.created_at), "used_at": when(v.used_at)} for v in rows
        ]

    def erase(self, rows, person):
        return VerificationLink.objects.filter(pk__in=[v.pk for v in rows]).delete()[0]


class WaitingList(Location):
    key = "waiting_list"
    title = _("Waiting list")
    explanation = _("Times you asked us to tell you about if they free up.")
    personal_fields = {"waitlist.WaitlistEntry": {"name", "phone", "email", "replaces"}}

    def find(self, person, found):
        return list(
            WaitlistEntry.objects.filter(Q(email__in=person.emails) | Q(phone__in=person.phones))
            .select_related("service")
            .order_by("created_at", "pk")
        )

    def export(self, rows):
        return [
            {
                "service": e.service.localized_name,
                "from": e.first_day.isoformat(),
                "until": e.last_day.isoformat(),
                "name": e.name,
                "phone": e.phone,
                "email": e.email,
                "text_messages": e.sms_opt_in,
                "joined": when(e.created_at),
            }
            for e in rows
        ]

    def erase(self, rows, person):
        return WaitlistEntry.objects.filter(pk__in=[e.pk for e in rows]).delete()[0]


class SignInRecords(Location):
    key = "sign_in_records"
    title = _("Staff sign-in attempts with your details as the user name")
    explanation = _("Someone typed your email or phone number into the staff sign-in page.")
    _AXES_FIELDS = {"username", "ip_address", "user_agent", "http_accept", "path_info"}
    personal_fields = {
        "axes.AccessAttempt": {*_AXES_FIELDS, "get_data", "post_data"},
        "axes.AccessLog": {*_AXES_FIELDS, "session_hash"},
        "axes.AccessFailureLog": _AXES_FIELDS,
    }
    _MODELS = (AccessAttempt, AccessLog, AccessFailureLog)

    def find(self, person, found):
        return [
            row
            for model in self._MODELS
            for row in model.objects.annotate(typed=Lower("username")).filter(typed__in=person.spellings)
        ]

    def export(self, rows):
        return [
            {"at": when(r.attempt_time), "kind": str(r._meta.verbose_name), "user_name_typed": r.username}
            for r in rows
        ]

    def erase(self, rows, person):
        for row in rows:
            if isinstance(row, AccessAttempt):
                row.delete()  # a lockout counter: nothing to keep
            else:
                row.username, row.ip_address, row.user_agent = ERASED, None, ""
                row.save(update_fields=["username", "ip_address", "user_agent"])
        return len(rows)


class Sessions(Location):
    key = "sessions"
    title = _("Browser sessions")
    explanation = _("Details you typed that a browser session kept while you chose another time.")
    personal_fields = {"sessions.Session": {"session_data"}}
    after_commit = True  # reading every session takes a while: not while holding the write lock

    def find(self, person, found):
        # An unreadable session decodes to {}.
        return [s for s in Session.objects.iterator() if person.mentioned_in(s.get_decoded())]

    def export(self, rows):
        return [{"expires": when(s.expire_date), "data": s.get_decoded()} for s in rows]

    def erase(self, rows, person):
        return Session.objects.filter(pk__in=[s.pk for s in rows]).delete()[0]


class AuditEntries(Location):
    """The audit trail about the person's records. Personal fields are masked when logged, so the
    entries name no one; erasure removes anything that slipped by, and the addresses of clients."""

    key = "access_log"
    title = _("Who has viewed or changed your data")
    explanation = _("Every time our staff opened, searched, exported or changed your records.")
    personal_fields = {
        "auditlog.LogEntry": {
            "changes",
            "changes_text",
            "additional_data",
            "object_repr",
            "serialized_data",
            "remote_addr",
        }  # fmt: skip
    }
    # Whose rows the trail is about: the locations above that hold model rows with primary keys.
    ABOUT = {"customer_records": Customer, "appointments": Appointment, "consents": ConsentRecord,
             "requests": DataSubjectRequest}  # fmt: skip
    needs = tuple(ABOUT)
    _TEXT = ("changes", "changes_text", "additional_data", "object_repr")

    def find(self, person, found):
        about = Q(pk__in=[])
        for key, model in self.ABOUT.items():
            pks = [str(row.pk) for row in found[key]]
            about |= Q(content_type=ContentType.objects.get_for_model(model), object_pk__in=pks)
        return list(LogEntry.objects.filter(about).select_related("actor").order_by("timestamp", "pk"))

    def export(self, rows):
        return [
            {
                "at": when(entry.timestamp),
                "who": entry.actor.get_username() if entry.actor else str(_("you, or the system")),
                "action": str(ACTIONS.get(entry.action, entry.action)),
                "record": entry.object_repr,
                "purpose": str(PURPOSES.get(_purpose(entry), _purpose(entry))),
            }
            for entry in rows
        ]

    def erase(self, rows, person):
        scrubbed = 0
        for entry in rows:
            if entry.actor_id is None or any(
                person.mentioned_in(getattr(entry, f) or "") for f in self._TEXT
            ):
                for name in self._TEXT:
                    setattr(entry, name, person.redact(getattr(entry, name)))
                entry.serialized_data = None
                if entry.actor_id is None:
                    entry.remote_addr = None  # an address on an entry without staff is the client's
                # LogEntry is the audit trail: not audited itself, corrected in place.
                entry.save(update_fields=[*self._TEXT, "serialized_data", "remote_addr"])
                scrubbed += 1
        return scrubbed


def _purpose(entry) -> str:
    data = entry.additional_data
    return data.get("purpose", "") if isinstance(data, dict) else ""


# In this order for finding and exporting; erased in reverse (the customer record last).
REGISTRY: list[Location] = [
    CustomerRecords(),
    Appointments(),
    Consents(),
    Requests(),
    Messages(),
    VerificationLinks(),
    WaitingList(),
    SignInRecords(),
    Sessions(),
    AuditEntries(),
]

# Text fields (and links to a customer) that hold no personal data of a client, and why.
NOT_PERSONAL: dict[str, tuple[set[str] | str, str]] = {
    "bookings.Practitioner": ("*", "staff names and titles the practice publishes"),
    "bookings.Service": ("*", "the practice's services"),
    "bookings.Species": ("*", "the species the practice treats"),
    "bookings.SpeciesPrice": ("*", "the practice's prices"),
    "bookings.WorkingHours": ("*", "staff working hours"),
    "bookings.Closure": ("*", "closures; the reason is internal text about staff, not clients"),
    "bookings.Appointment": (
        {"reference", "status", "source", "language", "cancelled_by", "price_kind", "price_basis"},
        "codes, no person; the price's basis is the practice's own text",
    ),
    "privacy.ConsentRecord": ({"purpose", "text", "language", "source"}, "the wording shown, codes"),
    "privacy.DataSubjectRequest": (
        {"kind", "channel", "verification_method", "verification_result", "status"},
        "codes",
    ),
    "privacy.ExportRecord": ("*", "that an export happened: counts, staff user, no contents"),
    "privacy.ErasureReceipt": ("*", "counts per location, no personal data"),
    "privacy.ErasureLedgerEntry": ("*", "keyed hashes that cannot be turned back into values"),
    "privacy.VerificationLink": ({"token_hash"}, "a hash of a one-time token"),
    "notifications.OutboxMessage": (
        {"channel", "kind", "reference", "status", "last_error", "provider_ref", "delivery"},
        "codes, the provider's id of a text; errors keep only the exception's class",
    ),
    "sessions.Session": ({"session_key"}, "a random key"),
    "waitlist.WaitlistEntry": ({"language", "token_hash"}, "a code; a hash of the link's token"),
    "waitlist.WaitlistOffer": ("*", "a time offered: no person; the token is hashed"),
    "auditlog.LogEntry": (
        {"object_pk", "object_id", "cid", "actor_email"},
        "keys of the records the entry is about; the staff actor's address",
    ),
    "frontdesk.CalendarFeed": ("*", "a practitioner's feed: a hash of its token, times; no client"),
    "inuvet.RateLimitCounter": ("*", "a keyed hash of a client's address or link, and times"),
    "auth.User": ("*", "staff accounts: the register is of clients"),
    "auth.Group": ("*", "roles"),
    "auth.Permission": ("*", "permissions"),
    "contenttypes.ContentType": ("*", "model names"),
    "admin.LogEntry": ("*", "the admin's history: object_repr is __str__, which names no person"),
    "otp_totp.TOTPDevice": ("*", "staff second factor"),
    "otp_static.StaticDevice": ("*", "staff recovery codes"),
    "otp_static.StaticToken": ("*", "staff recovery codes"),
}


def claimed_fields() -> dict[str, set[str]]:
    """Model label → the fields some location erases."""
    claimed: dict[str, set[str]] = {}
    for location in REGISTRY:
        for label, names in location.personal_fields.items():
            claimed.setdefault(label, set()).update(names)
    return claimed


def find_everywhere(person: Person, only: set[str] | None = None) -> dict[str, list]:
    """Every location's rows of the person (or only these locations' and what they need), found
    before anything is changed."""
    wanted = None
    if only is not None:
        wanted = set(only)
        for location in REGISTRY:
            if location.key in only:
                wanted |= set(location.needs)
    found: dict[str, list] = {}
    for location in REGISTRY:
        if wanted is None or location.key in wanted:
            found[location.key] = location.find(person, found)
    return found


# What an erasure receipt says about each count, in words (privacy.admin shows it).
RECEIPT_WORDS = {
    "customer_records": ngettext_lazy(
        "%(count)d customer record deleted", "%(count)d customer records deleted", "count"
    ),
    "appointments": ngettext_lazy(
        "%(count)d booking kept without the person's details, as anonymous statistics",
        "%(count)d bookings kept without the person's details, as anonymous statistics",
        "count",
    ),
    "appointments_cancelled": ngettext_lazy(
        "%(count)d upcoming booking cancelled first", "%(count)d upcoming bookings cancelled first", "count"
    ),
    "consents": ngettext_lazy(
        "%(count)d consent record deleted", "%(count)d consent records deleted", "count"
    ),
    "requests": ngettext_lazy(
        "%(count)d data-protection request emptied of identifying details",
        "%(count)d data-protection requests emptied of identifying details",
        "count",
    ),
    "emails_sent": ngettext_lazy("%(count)d message deleted", "%(count)d messages deleted", "count"),
    "verification_links": ngettext_lazy(
        "%(count)d verification link deleted", "%(count)d verification links deleted", "count"
    ),
    "sign_in_records": ngettext_lazy(
        "%(count)d staff sign-in record cleared", "%(count)d staff sign-in records cleared", "count"
    ),
    "sessions": ngettext_lazy(
        "%(count)d browser session deleted", "%(count)d browser sessions deleted", "count"
    ),
    "access_log": ngettext_lazy(
        "%(count)d audit entry cleared of the person's details",
        "%(count)d audit entries cleared of the person's details",
        "count",
    ),
}


def receipt_lines(counts: dict) -> list[str]:
    """An erasure receipt's counts as sentences, in the order of the registry; zeros left out."""
    order = [location.key for location in REGISTRY]
    order.insert(order.index("appointments") + 1, "appointments_cancelled")
    keys = [key for key in order if key in counts] + [key for key in counts if key not in order]
    lines = []
    for key in keys:
        count = counts[key]
        if not count:
            continue
        words = RECEIPT_WORDS.get(key)
        lines.append(words % {"count": count} if words is not None else f"{key}: {count}")
    return lines
