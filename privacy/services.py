"""The code that writes privacy state: consents, requests, exports, corrections, self-service,
verification links (erasure is in privacy/erasure.py)."""

import hashlib
import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from bookings.tokens import current_manage_token, link_code
from customers.contact import normalise_email, normalise_name, normalise_phone
from customers.models import Customer, search_condition
from customers.services import confirm_email, update_customer
from inuvet.audit import log_access
from inuvet.links import public_url
from notifications.services import queue_email
from privacy.erasure import erase_person
from privacy.exports import export_zip, person_data
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, ExportRecord, VerificationLink

logger = logging.getLogger(__name__)

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
    """The latest record per customer record. Consent is given and withdrawn per record, by
    whoever shows they hold its address: a booking made with someone's address neither shows nor
    changes the consent they gave through their own bookings."""
    latest = {}
    for record in records.filter(purpose=purpose).select_related("customer").order_by("created_at", "pk"):
        latest[record.customer_id] = record
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    latest = _latest_consents(purpose, ConsentRecord.objects.filter(customer=customer))
    return any(record.given for record in latest.values())


def consenting_customers(purpose: str = ConsentRecord.Purpose.MARKETING) -> list[Customer]:
    """Persons whose latest word on the purpose is consent, one row per email address: the only
    marketing list."""
    latest = _latest_consents(purpose, ConsentRecord.objects.all())
    by_address = {r.customer.email: r.customer for r in latest.values() if r.given and r.customer.email}
    return sorted(by_address.values(), key=lambda c: (c.name, c.pk))


def _booking_link(appointment, name: str, code: str) -> str:
    token = current_manage_token(appointment)
    return public_url(name, reference=appointment.reference, token=token, code=code)


def ask_marketing_consent(*, appointment, language: str) -> None:
    """The client ticked "send me news and offers": consent is recorded only when the holder of
    the address confirms it from the email this sends (double opt-in)."""
    customer = appointment.customer
    code = link_code("marketing", appointment.reference, customer.email)
    queue_email(
        kind="marketing_confirm",
        to=customer.email,
        language=language,
        context={"name": customer.name, "link": _booking_link(appointment, "online:confirm_marketing", code)},
        customer=customer,
        reference=appointment.reference,
    )


def confirm_marketing_consent(*, appointment, code: str, text: str, language: str) -> bool:
    """The holder of the address confirms marketing consent (the link's code matches the booking's
    current address). Also confirms the address. Whether it did."""
    customer = appointment.customer
    if customer is None or not customer.email:
        return False
    if not constant_time_compare(code, link_code("marketing", appointment.reference, customer.email)):
        return False
    # The consent and the confirmed address stand together.
    with transaction.atomic():
        if not has_consent(customer, ConsentRecord.Purpose.MARKETING):
            record_consent(
                customer=customer,
                purpose=ConsentRecord.Purpose.MARKETING,
                given=True,
                text=text,
                language=language,
                source="booking form, confirmed by email",
            )
        confirm_email(customer=customer, email=customer.email)
    return True


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
    """Correct a person's name, phone and email (the DPO, or staff who identified the person);
    audited. Clients correct themselves with correct_by_client.

    Raises:
        ValidationError: a value is not acceptable.
    """
    email = normalise_email(email) if email.strip() else ""
    return update_customer(
        customer=customer, name=normalise_name(name), phone=normalise_phone(phone), email=email
    )


def correct_by_client(*, appointment, name: str, phone: str, email: str, language: str) -> bool:
    """The client corrects their details from the booking's link. Name and phone change at once;
    a new email address only once a link sent to it is used (see apply_email_change), so no one
    can move a booking onto someone else's address. Whether an email change waits.

    Raises:
        ValidationError: a value is not acceptable.
    """
    customer = appointment.customer
    email = normalise_email(email)
    # The corrected details and the link to the new address commit together.
    with transaction.atomic():
        correct_person(customer=customer, name=name, phone=phone, email=customer.email)
        if email == customer.email:
            if customer.pending_email:
                customer.pending_email = ""
                customer.save(update_fields=["pending_email", "updated_at"])
            return False
        customer.pending_email = email
        customer.save(update_fields=["pending_email", "updated_at"])
        code = link_code("new-email", appointment.reference, email)
        queue_email(
            kind="email_change_confirm",
            to=email,
            language=language,
            context={"name": customer.name, "link": _booking_link(appointment, "online:confirm_email", code)},
            customer=customer,
            reference=appointment.reference,
        )
    return True


def apply_email_change(*, appointment, code: str) -> bool:
    """The holder of the new address used the link sent to it: it becomes the booking's address
    (and counts as confirmed). Whether it did."""
    customer = appointment.customer
    if customer is None or not customer.pending_email:
        return False
    if not constant_time_compare(code, link_code("new-email", appointment.reference, customer.pending_email)):
        return False
    # The address, its confirmation and the emptied pending field stand together.
    with transaction.atomic():
        update_customer(
            customer=customer, name=customer.name, phone=customer.phone, email=customer.pending_email
        )
        customer.pending_email = ""
        customer.save(update_fields=["pending_email", "updated_at"])
        confirm_email(customer=customer, email=customer.email)
    return True


# Requests and self-service ---------------------------------------------------------------------------


def save_request(*, privacy_request: DataSubjectRequest) -> DataSubjectRequest:
    """Record a new request or its progress (the DPO's form has validated it); audited."""
    privacy_request.save()
    return privacy_request


def _self_service_request(*, kind: str, customer: Customer, verification: str) -> DataSubjectRequest:
    """A request the person is handling themselves on the web, recorded for the DPO's register."""
    return DataSubjectRequest.objects.create(
        kind=kind,
        channel=DataSubjectRequest.Channel.WEB,
        customer=customer,
        verification_method=verification,
        verification_result=DataSubjectRequest.VerificationResult.VERIFIED,
        status=DataSubjectRequest.Status.IN_PROGRESS,
        outcome="Handled by the person through self-service.",
    )


def export_by_subject(*, customers: list[Customer], verification: str, language: str) -> bytes:
    """The person downloads their own data: the request, the export and the DPO's notice together.

    Raises:
        PrivacyError: no customer records.
    """
    # The request must never say "completed" without its export, nor the reverse.
    with transaction.atomic():
        privacy_request = _self_service_request(
            kind=DataSubjectRequest.Kind.ACCESS, customer=customers[0], verification=verification
        )
        content = export_person(
            customers=customers, by_subject=True, language=language, request=privacy_request
        )
        privacy_request.status = DataSubjectRequest.Status.COMPLETED
        privacy_request.save()
        notify_dpo(kind="dpo_self_service", context={"request": privacy_request})
    return content


def erase_by_subject(*, customers: list[Customer], verification: str) -> ErasureReceipt:
    """The person deletes their own data: recording the request, erasing, completing the request
    and queuing the DPO's notice, in that order, in one transaction."""
    with transaction.atomic():
        privacy_request = _self_service_request(
            kind=DataSubjectRequest.Kind.ERASURE, customer=customers[0], verification=verification
        )
        receipt = erase_person(
            customers=customers, reason=ErasureReceipt.Reason.SELF_SERVICE, request=privacy_request
        )
        privacy_request.refresh_from_db()
        notify_dpo(kind="dpo_self_service", context={"request": privacy_request})
    return receipt


def send_verification_link(*, email: str, language: str) -> bool:
    """Email a one-time link to `email` if we hold data for it. The caller says the same either way."""
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
