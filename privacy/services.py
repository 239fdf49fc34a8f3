"""The only code that writes privacy state: consents, requests, exports, corrections, erasure."""

import hashlib
import hmac
import logging
import secrets
from collections import Counter
from datetime import date, datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment
from customers.contact import normalise_email, normalise_name, normalise_phone, phone_search_forms
from customers.models import Customer
from customers.services import update_customer
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


def has_consent(customer: Customer, purpose: str) -> bool:
    latest = customer.consents.filter(purpose=purpose).order_by("-created_at", "-pk").first()
    return bool(latest and latest.given)


def consenting_customers(purpose: str = ConsentRecord.Purpose.MARKETING):
    """Customers whose latest record for the purpose gives consent: the only marketing list."""
    current = ConsentRecord.objects.current(purpose).filter(given=True)
    return Customer.objects.filter(consents__in=current).order_by("name", "pk")


# Finding a person ---------------------------------------------------------------------------------


def find_people(term: str) -> list[Customer]:
    """Customers matching a name, a phone in any format, an email or a booking reference."""
    term = term.strip()[:200]
    if len(term) < 2:
        return []
    condition = Q(name__icontains=term) | Q(email__icontains=term.lower())
    phones = phone_search_forms(term)
    if phones:
        condition |= Q(phone__in=phones)
    reference = "".join(ch for ch in term.upper() if ch.isalnum())
    if len(reference) == 6:
        condition |= Q(appointments__reference=reference)
    return list(Customer.objects.filter(condition).distinct().order_by("name", "pk")[:100])


def same_person(customer: Customer) -> list[Customer]:
    """The customer and every other record with the same email (the address the person controls)."""
    condition = Q(pk=customer.pk)
    if customer.email:
        condition |= Q(email=customer.email)
    return list(Customer.objects.filter(condition).order_by("pk"))


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
            LogEntry.objects.log_create(
                customer,
                force_log=True,
                action=LogEntry.Action.ACCESS,
                additional_data={"purpose": "export", "by_subject": by_subject},
            )
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
    """Every form in which the person's name, phone and email may have been stored."""
    values = set()
    for c in customers:
        values |= {c.name, c.email, c.phone, c.phone.lstrip("+")}
        if c.phone.startswith("+358"):
            national = "0" + c.phone[4:]
            values |= {national, f"{national[:3]} {national[3:]}"}
    return {v for v in values if v and len(v) >= 4}


def _scrub_audit_log(customers, appointment_ids, spellings) -> int:
    """Audit entries keep who did what and when; any value of the person is replaced."""
    by_type = {
        Customer: [str(c.pk) for c in customers],
        Appointment: [str(pk) for pk in appointment_ids],
    }
    related = Q(pk__in=[])
    for model, pks in by_type.items():
        related |= Q(content_type=ContentType.objects.get_for_model(model), object_pk__in=pks)
    mentions = Q(pk__in=[])
    entries = LogEntry.objects.annotate(
        changes_as_text=Cast("changes", TextField()),
        additional_as_text=Cast("additional_data", TextField()),
        serialized_as_text=Cast("serialized_data", TextField()),
    )
    for value in spellings:
        mentions |= (
            Q(changes_as_text__icontains=value)
            | Q(changes_text__icontains=value)
            | Q(additional_as_text__icontains=value)
            | Q(serialized_as_text__icontains=value)
            | Q(object_repr__icontains=value)
        )
    scrubbed = 0
    for entry in entries.filter(related | mentions):
        before = (
            entry.changes,
            entry.changes_text,
            entry.additional_data,
            entry.serialized_data,
            entry.object_repr,
        )
        entry.changes = _redact(entry.changes, spellings)
        entry.changes_text = _redact(entry.changes_text, spellings)
        entry.additional_data = _redact(entry.additional_data, spellings)
        entry.serialized_data = None
        entry.object_repr = _redact(entry.object_repr, spellings)
        if before != (entry.changes, entry.changes_text, entry.additional_data, None, entry.object_repr):
            # LogEntry is the audit trail: not registered for auditing itself, saved in place.
            entry.save(
                update_fields=["changes", "changes_text", "additional_data", "serialized_data", "object_repr"]
            )
            scrubbed += 1
    return scrubbed


def _redact(value, spellings: set[str]):
    """The value with every spelling of the person's data replaced (strings, lists, dicts)."""
    if isinstance(value, str):
        lowered = value.lower()
        for spelling in sorted(spellings, key=len, reverse=True):
            start = lowered.find(spelling.lower())
            while start != -1:
                value = value[:start] + ERASED + value[start + len(spelling) :]
                lowered = value.lower()
                start = lowered.find(spelling.lower())
        return value
    if isinstance(value, list):
        return [_redact(v, spellings) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v, spellings) for k, v in value.items()}
    return value


def _scrub_sign_in_records(spellings: set[str]) -> int:
    """Sign-in records where someone typed the person's email or phone as the user name."""
    condition = Q(pk__in=[])
    for value in spellings:
        condition |= Q(username__iexact=value)
    count = AccessAttempt.objects.filter(condition).delete()[0]
    for model in (AccessLog, AccessFailureLog):
        for row in model.objects.filter(condition):
            row.username = ERASED
            row.save(update_fields=["username"])
            count += 1
    return count


def _delete_sessions(spellings: set[str]) -> int:
    """Sessions that hold any of the person's data (for example typed booking details)."""
    doomed = []
    for session in Session.objects.iterator():
        text = str(session.get_decoded()).lower()  # an unreadable session decodes to {}
        if any(value.lower() in text for value in spellings):
            doomed.append(session.pk)
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
            if appointment.is_active and appointment.start > now and appointment.status == "confirmed":
                appointment.status, appointment.cancelled_at = Appointment.Status.CANCELLED, now
                counts["appointments cancelled"] += 1
            appointment.customer = None
            appointment.message = ""
            appointment.manage_token_hash = None
            appointment.request_key_hash = None
            appointment.save()
        counts["appointments anonymised"] = len(appointments)
        requests = DataSubjectRequest.objects.filter(customer_id__in=ids)
        for value in spellings:
            requests |= DataSubjectRequest.objects.filter(
                Q(subject__icontains=value) | Q(notes__icontains=value)
            )
        for privacy_request in requests.distinct():
            privacy_request.customer, privacy_request.subject = None, ""
            privacy_request.notes = _redact(privacy_request.notes, spellings)
            privacy_request.outcome = _redact(privacy_request.outcome, spellings)
            privacy_request.save()
            counts["requests"] += 1
        counts["consent records"] = ConsentRecord.objects.filter(customer_id__in=ids).delete()[0]
        emails = {c.email for c in customers if c.email}
        counts["emails"] = OutboxMessage.objects.filter(
            Q(customer_id__in=ids) | Q(recipient__in=emails)
        ).delete()[0]
        counts["verification links"] = VerificationLink.objects.filter(email__in=emails).delete()[0]
        counts["audit entries scrubbed"] = _scrub_audit_log(
            customers, [a.pk for a in appointments], spellings
        )
        counts["sign-in records"] = _scrub_sign_in_records(spellings)
        counts["sessions"] = _delete_sessions(spellings)
        for customer in customers:
            customer.delete()
        counts["customer records"] = len(customers)
        receipt = ErasureReceipt.objects.create(
            erased_at=now, actor=actor, reason=reason, request=request, counts=dict(counts)
        )
        ErasureLedgerEntry.objects.bulk_create(
            ErasureLedgerEntry(email_digest=_digest(c.email), phone_digest=_digest(c.phone), receipt=receipt)
            for c in customers
        )
        if request is not None:
            request.refresh_from_db()  # erasure may have just emptied its identifying fields
            if request.status not in {request.Status.COMPLETED, request.Status.REJECTED}:
                request.status = DataSubjectRequest.Status.COMPLETED
                request.save()
    logger.info("person erased receipt=%s reason=%s records=%s", receipt.pk, reason, len(customers))
    return receipt


def reapply_erasures() -> list[ErasureReceipt]:
    """Erase again every person in the erasure ledger (run after restoring a backup)."""
    emails = set(ErasureLedgerEntry.objects.exclude(email_digest="").values_list("email_digest", flat=True))
    phones = set(ErasureLedgerEntry.objects.exclude(phone_digest="").values_list("phone_digest", flat=True))
    matching = [
        c
        for c in Customer.objects.only("pk", "email", "phone").iterator()
        if (c.email and _digest(c.email) in emails) or (c.phone and _digest(c.phone) in phones)
    ]
    if not matching:
        return []
    return [erase_person(customers=matching, reason=ErasureReceipt.Reason.REAPPLIED)]


def persons_past_retention(*, years: int, today: date | None = None) -> list[Customer]:
    """Customers with no appointment starting in the last `years` years (nor any coming)."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(
        datetime.combine(today.replace(year=today.year - years), datetime.min.time())
    )
    recent = Appointment.objects.filter(start__gte=cutoff).values("customer_id")
    return list(Customer.objects.exclude(pk__in=recent).filter(created_at__lt=cutoff).order_by("pk"))


def apply_retention(*, years: int, dry_run: bool = False) -> tuple[int, ErasureReceipt | None]:
    """Erase persons past the retention period; with dry_run, only count them."""
    doomed = persons_past_retention(years=years)
    if dry_run or not doomed:
        return len(doomed), None
    return len(doomed), erase_person(customers=doomed, reason=ErasureReceipt.Reason.RETENTION)


# Requests and self-service ---------------------------------------------------------------------------


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
