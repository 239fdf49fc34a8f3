"""Erasure: the person's data removed from every location in the registry, with a receipt and a
ledger of keyed hashes for restores; retention; and erasure again after a backup is restored."""

import hashlib
import hmac
import logging
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment
from customers.models import Customer
from privacy.models import DataSubjectRequest, ErasureLedgerEntry, ErasureReceipt
from privacy.registry import REGISTRY, Person, find_everywhere

logger = logging.getLogger(__name__)


def _digest(value: str) -> str:
    key = settings.ERASURE_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest() if value else ""


def erase_person(
    *,
    customers: list[Customer],
    reason: str,
    actor=None,
    request: DataSubjectRequest | None = None,
    now: datetime | None = None,
) -> ErasureReceipt:
    """Remove the person's data from every location of the registry; bookings stay as anonymous
    statistics (upcoming ones are cancelled first).

    The receipt records what was done, when, by whom and why, with counts per location and no
    personal data; the ledger keeps keyed hashes so that the erasure can be applied again after a
    backup is restored; the request, if any, is completed. Erasing again is harmless.
    """
    now = now or timezone.now()
    # Two erasures of one person at once (two DPOs, a DPO and the person): the row locks order
    # them, and the second one finds nothing left to erase.
    with transaction.atomic():
        customers = list(
            Customer.objects.select_for_update().filter(pk__in=[c.pk for c in customers]).order_by("pk")
        )
        person = Person(customers)
        found = find_everywhere(person)
        counts: dict[str, int] = {}
        for location in reversed(REGISTRY):
            if not location.after_commit:
                erased = location.erase(found[location.key], person)
                counts.update(erased if isinstance(erased, dict) else {location.key: erased})
        receipt = ErasureReceipt.objects.create(
            erased_at=now, actor=actor, reason=reason, request=request, counts=counts
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

        def erase_slow_locations():
            for location in REGISTRY:
                if location.after_commit:
                    rows = location.find(person, found) if person.spellings else []
                    receipt.counts[location.key] = location.erase(rows, person)
            receipt.save(update_fields=["counts"])

        transaction.on_commit(erase_slow_locations)
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
