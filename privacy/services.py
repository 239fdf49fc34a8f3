"""The only code that writes privacy state: consents, requests, exports, corrections, erasure."""

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections import Counter
from datetime import date, datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment
from customers.contact import normalise_email, normalise_name, normalise_phone
from customers.models import Customer, search_condition
from customers.services import update_customer
from inuvet.audit import log_access
from notifications.models import OutboxMessage
from notifications.services import queue_email
from privacy.exports import export_zip, person_data
from privacy.models import (
    ConsentRecord,
    DataSubjectRequest,
    ErasureLedgerEntry,
    ErasureReceipt,
    ExportRecord,
    VerificationLink,
)

logger = logging.getLogger(__name__)

ERASED = "•••"
VERIFICATION_LINK_LIFETIME = timedelta(hours=1)


class PrivacyError(Exception):
    """A privacy action could not be done; `message` is for the person who tried."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


# Consent ----------------------------------------------------------------------------------------


def record_consent(
    *, customer: Customer, purpose: str, given: bool, text: str, language: str, source: str
) -> ConsentRecord:
    """Record that the person gave (or withdrew) consent, with the text they saw."""
    return ConsentRecord.objects.create(
        customer=customer, purpose=purpose, given=given, text=text, language=language, source=source
    )


def _latest_consents(purpose: str, records) -> dict:
    """The latest record per person, a person being an email address (or a record without one):
    a withdrawal through any of the person's bookings withdraws it everywhere."""
    latest = {}
    for record in records.filter(purpose=purpose).select_related("customer").order_by("created_at", "pk"):
        latest[record.customer.email or f"#{record.customer_id}"] = record
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    same = Q(customer=customer) | (Q(customer__email=customer.email) if customer.email else Q(pk__in=[]))
    latest = _latest_consents(purpose, ConsentRecord.objects.filter(same))
    return any(record.given for record in latest.values())


def consenting_customers(purpose: str = ConsentRecord.Purpose.MARKETING) -> list[Customer]:
    """Persons whose latest word on the purpose is consent: the only marketing list."""
    latest = _latest_consents(purpose, ConsentRecord.objects.all())
    return sorted((r.customer for r in latest.values() if r.given), key=lambda c: (c.name, c.pk))


# Finding a person ---------------------------------------------------------------------------------


def find_people(term: str) -> list[Customer]:
    """Customers matching a name, a phone in any format, an email or a booking reference."""
    condition = search_condition(term)
    reference = "".join(ch for ch in term.upper() if ch.isalnum())
    if len(reference) == 6:
        condition |= Q(appointments__reference=reference)
    return list(Customer.objects.filter(condition).distinct().order_by("name", "pk")[:100])


# Export -----------------------------------------------------------------------------------------


def export_person(
    *, customers: list[Customer], actor=None, by_subject: bool = False, language: str = "fi", request=None
) -> bytes:
    """The person's data as a zip; the export itself is recorded and each record gets an access entry.

    Raises:
        PrivacyError: no customer records (for example, already erased).
    """
    if not customers:
        raise PrivacyError(_("There is no data about this person (it may have been erased already)."))
    content = export_zip(person_data(customers, language=language), language=language)
    with transaction.atomic():  # the record of the export and its access entries stand together
        ExportRecord.objects.create(
            kind=ExportRecord.Kind.PERSON,
            actor=actor,
            by_subject=by_subject,
            request=request,
            customers=len(customers),
        )
        for customer in customers:
            log_access(customer, "export", by_subject=by_subject)
    logger.info("person exported records=%s by_subject=%s", len(customers), by_subject)
    return content


def export_marketing_list(*, actor) -> list[Customer]:
    """The consenting clients, for a marketing mailing; recorded as an export."""
    customers = list(consenting_customers())
    ExportRecord.objects.create(kind=ExportRecord.Kind.MARKETING, actor=actor, customers=len(customers))
    return customers


# Correction -------------------------------------------------------------------------------------


def correct_person(*, customer: Customer, name: str, phone: str, email: str) -> Customer:
    """Correct a person's name, phone and email (from the manage link or the DPO); audited.

    Raises:
        ValidationError: a value is not acceptable.
    """
    email = normalise_email(email) if email.strip() else ""
    return update_customer(
        customer=customer, name=normalise_name(name), phone=normalise_phone(phone), email=email
    )


# Erasure ----------------------------------------------------------------------------------------


def _digest(value: str) -> str:
    key = settings.ERASURE_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest() if value else ""


def _spellings(customers: list[Customer]) -> set[str]:
    """Every form in which the person's name, phone and email may have been stored, lower-cased."""
    values = set()
    for c in customers:
        values |= {c.name, c.email, c.phone, c.phone.lstrip("+")}
        if c.phone.startswith("+358"):
            national = "0" + c.phone[4:]
            values |= {national, f"{national[:3]} {national[3:]}"}
    return {v.lower() for v in values if v and len(v) >= 4}


def _mentions(value, spellings: set[str]) -> bool:
    text = json.dumps(value, ensure_ascii=False).lower() if not isinstance(value, str) else value.lower()
    return any(spelling in text for spelling in spellings)


def _redact(value, spellings: set[str]):
    """The value with every spelling of the person's data replaced (strings, lists, dicts)."""
    if isinstance(value, str):
        for spelling in sorted(spellings, key=len, reverse=True):
            value = re.sub(re.escape(spelling), ERASED, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [_redact(v, spellings) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v, spellings) for k, v in value.items()}
    return value


def _scrub_audit_log(objects: dict, spellings: set[str]) -> int:
    """The entries about the person's records keep who did what and when, but no value of the
    person (personal fields are masked when logged; this catches anything that slipped by) and
    no client address. `objects` maps a model to the pks of the person's rows."""
    related = Q(pk__in=[])
    for model, pks in objects.items():
        related |= Q(
            content_type=ContentType.objects.get_for_model(model), object_pk__in=[str(pk) for pk in pks]
        )
    scrubbed = 0
    for entry in LogEntry.objects.filter(related).iterator():
        fields = ("changes", "changes_text", "additional_data", "object_repr")
        if entry.actor_id is None or any(_mentions(getattr(entry, f) or "", spellings) for f in fields):
            for field in fields:
                setattr(entry, field, _redact(getattr(entry, field), spellings))
            entry.serialized_data = None
            if entry.actor_id is None:
                entry.remote_addr = None  # an address on an entry without staff is the client's
            # LogEntry is the audit trail: not audited itself, corrected in place.
            entry.save(update_fields=[*fields, "serialized_data", "remote_addr"])
            scrubbed += 1
    return scrubbed


def _scrub_sign_in_records(spellings: set[str]) -> int:
    """Sign-in records where someone typed the person's email or phone as the user name."""
    count = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        typed = model.objects.annotate(typed=Lower("username")).filter(typed__in=spellings)
        if model is AccessAttempt:
            count += typed.delete()[0]
            continue
        for row in typed:
            row.username = ERASED
            row.save(update_fields=["username"])
            count += 1
    return count


def _delete_sessions(spellings: set[str]) -> int:
    """Sessions that hold any of the person's data (for example typed booking details)."""
    doomed = [
        session.pk
        for session in Session.objects.iterator()
        if _mentions(str(session.get_decoded()), spellings)  # an unreadable session decodes to {}
    ]
    return Session.objects.filter(pk__in=doomed).delete()[0]


def erase_person(
    *,
    customers: list[Customer],
    reason: str,
    actor=None,
    request: DataSubjectRequest | None = None,
    now: datetime | None = None,
) -> ErasureReceipt:
    """Remove the person's data from every place it landed; bookings stay as anonymous statistics.

    Future appointments are cancelled first. The receipt records what was done, when, by whom
    and why, with counts per table and no personal data; the ledger keeps keyed hashes so that
    the erasure can be applied again after a backup is restored. Erasing again is harmless.
    """
    now = now or timezone.now()
    counts: Counter = Counter()
    # Two erasures of one person at once (two DPOs, a DPO and the person): the row locks order
    # them, and the second one finds nothing left to erase.
    with transaction.atomic():
        customers = list(
            Customer.objects.select_for_update().filter(pk__in=[c.pk for c in customers]).order_by("pk")
        )
        ids = [c.pk for c in customers]
        spellings = _spellings(customers)
        appointments = list(
            Appointment.objects.select_for_update().filter(customer_id__in=ids).order_by("pk")
        )
        for appointment in appointments:
            if appointment.status == Appointment.Status.CONFIRMED and appointment.start > now:
                appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, now
                counts["appointments cancelled"] += 1
            appointment.customer = None
            appointment.message = ""
            appointment.manage_token_hash = None
            appointment.request_key_hash = None
            appointment.save()
        counts["appointments anonymised"] = len(appointments)
        requests = [
            r
            for r in DataSubjectRequest.objects.all()
            if r.customer_id in ids or _mentions(f"{r.subject} {r.notes} {r.outcome}", spellings)
        ]
        for privacy_request in requests:
            privacy_request.customer, privacy_request.subject = None, ""
            for field in ("notes", "outcome", "extension_reason"):
                setattr(privacy_request, field, _redact(getattr(privacy_request, field), spellings))
            privacy_request.save()
        counts["requests"] = len(requests)
        consents = list(ConsentRecord.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
        counts["consent records"] = ConsentRecord.objects.filter(pk__in=consents).delete()[0]
        emails = {c.email for c in customers if c.email}
        counts["emails"] = OutboxMessage.objects.filter(
            Q(customer_id__in=ids) | Q(recipient__in=emails)
        ).delete()[0]
        counts["verification links"] = VerificationLink.objects.filter(email__in=emails).delete()[0]
        counts["audit entries scrubbed"] = _scrub_audit_log(
            {
                Customer: ids,
                Appointment: [a.pk for a in appointments],
                ConsentRecord: consents,
                DataSubjectRequest: [r.pk for r in requests],
            },
            spellings,
        )
        counts["sign-in records"] = _scrub_sign_in_records(spellings)
        for customer in customers:
            customer.delete()
        counts["customer records"] = len(customers)
        receipt = ErasureReceipt.objects.create(erased_at=now, actor=actor, reason=reason, request=request)
        ErasureLedgerEntry.objects.bulk_create(
            ErasureLedgerEntry(email_digest=_digest(c.email), phone_digest=_digest(c.phone), receipt=receipt)
            for c in customers
        )
        if request is not None:
            request.refresh_from_db()  # erasure may have just emptied its identifying fields
            if request.status not in {request.Status.COMPLETED, request.Status.REJECTED}:
                request.status = DataSubjectRequest.Status.COMPLETED
                request.save()
    # Reading every session takes a while: done after the commit, not holding the write lock.
    counts["sessions"] = _delete_sessions(spellings) if spellings else 0
    receipt.counts = dict(counts)
    receipt.save(update_fields=["counts"])
    logger.info("person erased receipt=%s reason=%s records=%s", receipt.pk, reason, len(customers))
    return receipt


def _erase_each(customers: list[Customer], reason: str) -> list[ErasureReceipt]:
    """One transaction per person (per email), so that no long write lock holds up bookings."""
    people: dict[str, list[Customer]] = {}
    for customer in customers:
        people.setdefault(customer.email or f"#{customer.pk}", []).append(customer)
    return [erase_person(customers=group, reason=reason) for group in people.values()]


def export_erasure_ledger() -> list[dict]:
    """The ledger as data, to keep apart from database backups (see reapply_erasures)."""
    return list(ErasureLedgerEntry.objects.values("email_digest", "phone_digest").distinct())


def reapply_erasures(*, ledger: list[dict] = ()) -> list[ErasureReceipt]:
    """Erase again every person in the erasure ledger (run after restoring a backup).

    A restored database has the ledger of its backup's day; the entries exported before the
    restore (`ledger`) are merged in first. A person is matched by email, or by phone when the
    erased record had no email (a recycled number must not erase a newcomer who gave an email).
    """
    known = set(ErasureLedgerEntry.objects.values_list("email_digest", "phone_digest"))
    ErasureLedgerEntry.objects.bulk_create(
        ErasureLedgerEntry(email_digest=e["email_digest"], phone_digest=e["phone_digest"])
        for e in ledger
        if (e["email_digest"], e["phone_digest"]) not in known
    )
    entries = ErasureLedgerEntry.objects.values_list("email_digest", "phone_digest")
    emails = {email for email, _ in entries if email}
    phones = {phone for email, phone in entries if not email and phone}
    matching = [
        c
        for c in Customer.objects.only("pk", "name", "email", "phone").iterator()
        if (c.email and _digest(c.email) in emails) or (not c.email and _digest(c.phone) in phones)
    ]
    return _erase_each(matching, ErasureReceipt.Reason.REAPPLIED)


def persons_past_retention(*, years: int, today: date | None = None) -> list[Customer]:
    """Customers with no appointment starting in the last `years` years (nor any coming)."""
    today = today or timezone.localdate()
    day = (
        today.replace(year=today.year - years)
        if (today.month, today.day) != (2, 29)
        else today.replace(year=today.year - years, day=28)
    )
    cutoff = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    recent = Appointment.objects.filter(start__gte=cutoff, customer__isnull=False).values("customer_id")
    return list(Customer.objects.exclude(pk__in=recent).filter(created_at__lt=cutoff).order_by("pk"))


def apply_retention(*, years: int, dry_run: bool = False) -> tuple[int, list[ErasureReceipt]]:
    """Erase persons past the retention period, one at a time; with dry_run, only count them."""
    doomed = persons_past_retention(years=years)
    if dry_run:
        return len(doomed), []
    return len(doomed), _erase_each(doomed, ErasureReceipt.Reason.RETENTION)


# Requests and self-service ---------------------------------------------------------------------------


def save_request(*, privacy_request: DataSubjectRequest) -> DataSubjectRequest:
    """Record a new request or its progress (the DPO's form has validated it); audited."""
    privacy_request.save()
    return privacy_request


def record_self_service_request(
    *, kind: str, customer: Customer | None, verification: str
) -> DataSubjectRequest:
    """A request the person handled themselves on the web, recorded for the DPO's register."""
    privacy_request = DataSubjectRequest.objects.create(
        kind=kind,
        channel=DataSubjectRequest.Channel.WEB,
        customer=customer,
        verification_method=verification,
        verification_result=DataSubjectRequest.VerificationResult.VERIFIED,
        status=DataSubjectRequest.Status.COMPLETED,
        outcome="Handled by the person through self-service.",
    )
    notify_dpo(kind="dpo_self_service", context={"request": privacy_request})
    return privacy_request


def send_verification_link(*, email: str, language: str) -> bool:
    """Email a one-time link to `email` if we hold data for it. The caller says the same either way."""
    from inuvet.links import public_url

    email = normalise_email(email)
    if not Customer.objects.filter(email=email).exists():
        logger.info("verification link requested: no data")
        return False
    purge_verification_links()
    token = secrets.token_urlsafe(32)
    VerificationLink.objects.create(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        email=email,
        expires_at=timezone.now() + VERIFICATION_LINK_LIFETIME,
    )
    queue_email(
        kind="privacy_verification",
        to=email,
        language=language,
        context={"link": public_url("privacy:verify", token=token), "hours": 1},
    )
    logger.info("verification link sent")
    return True


def open_verification_link(token: str, *, now: datetime | None = None) -> VerificationLink:
    """Use a one-time link: marks it used and returns it.

    Raises:
        PrivacyError: unknown, expired or already used.
    """
    now = now or timezone.now()
    # Two clicks of one link at once: the row lock lets only the first one use it.
    with transaction.atomic():
        link = (
            VerificationLink.objects.select_for_update()
            .filter(token_hash=hashlib.sha256(token.encode()).hexdigest())
            .first()
        )
        if link is None or link.used_at is not None or link.expires_at <= now:
            raise PrivacyError(_("This link is not valid any more. Please ask for a new one."))
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link


def notify_dpo(*, kind: str, context: dict) -> None:
    """A notice to the data-protection officer: references only, never the person's data."""
    queue_email(kind=kind, to=settings.DPO_EMAIL, language="fi", context=context)


def purge_verification_links(*, now: datetime | None = None) -> int:
    """Drop verification links a day past their expiry: they hold an email address."""
    now = now or timezone.now()
    return VerificationLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()[0]


def send_deadline_notices(*, today: date | None = None) -> int:
    """Tell the DPO of open requests due within 7 days; each request once a day at most."""
    today = today or timezone.localdate()
    due = list(DataSubjectRequest.objects.due_within(7, today).exclude(deadline_notice_on=today))
    if not due:
        return 0
    with transaction.atomic():  # the notice and the marks that stop it repeating commit together
        notify_dpo(kind="dpo_deadlines", context={"requests": due, "today": today})
        for privacy_request in due:
            privacy_request.deadline_notice_on = today
            privacy_request.save(update_fields=["deadline_notice_on"])
    return len(due)
