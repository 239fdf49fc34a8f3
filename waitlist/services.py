"""The only code that writes the waiting list: joining, leaving, offering free times, booking one.

A freed time (a cancellation, a move, a closure lifted, hours added) is found by `offer_free_times`,
which the client's and the staff's cancel and move pages call after their change, and `cron` runs
every minute for everything else. Every fitting entry gets the offer at once; the first to book it
wins through the race-proof booking service, the others are told it is taken and stay on the list.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.calendar import bookable_practitioners, find_free_slots, local_tz
from bookings.models import Appointment, Practitioner, Service
from bookings.services import Booked, book_appointment, cancel_appointment
from bookings.tokens import hash_token
from customers.contact import can_receive_sms, normalise_email, normalise_name, normalise_phone
from inuvet.links import public_url
from notifications.services import queue_email, queue_sms
from waitlist.models import WaitlistEntry, WaitlistOffer

logger = logging.getLogger(__name__)


class WaitlistError(Exception):
    """The waiting list said no; `message` is for the person who tried."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Joined:
    entry: WaitlistEntry
    token: str  # the link to leave the list: only in the message, stored hashed


def _check_range(service: Service, first_day: date, last_day: date, today: date) -> None:
    if last_day < first_day:
        raise ValidationError(_("The last day is before the first day."))
    if last_day <= today:
        raise ValidationError(_("Choose days in the future."))
    if last_day > today + timedelta(days=service.max_days_ahead):
        raise ValidationError(
            _("Times can be booked at most %(days)s days ahead: choose an earlier last day.")
            % {"days": service.max_days_ahead}
        )


def join_waitlist(
    *,
    service: Service,
    practitioner: Practitioner | None,
    first_day: date,
    last_day: date,
    name: str,
    phone: str,
    email: str,
    sms_opt_in: bool = False,
    language: str = "fi",
    replaces: Appointment | None = None,
    now: datetime | None = None,
) -> Joined:
    """Put a client on the waiting list; the confirmation carries the link to leave it.

    Raises:
        ValidationError: a bad range (past, longer than the booking horizon) or contact detail.
        WaitlistError: the service or practitioner cannot be booked online.
    """
    now = now or timezone.now()
    today = now.astimezone(local_tz()).date()
    if not (service.is_active and service.bookable_online):
        raise WaitlistError(_("That service cannot be booked online."))
    if practitioner is not None and not bookable_practitioners(service, practitioner).exists():
        raise WaitlistError(_("That practitioner does not offer this service."))
    _check_range(service, first_day, last_day, today)
    name, phone, email = normalise_name(name), normalise_phone(phone), normalise_email(email)
    if sms_opt_in and not can_receive_sms(phone):
        raise ValidationError(_("Text messages need a mobile number. This number looks like a landline."))
    if language not in dict(settings.LANGUAGES):
        raise ValueError("unknown language")
    token = secrets.token_urlsafe(24)
    # The entry and its confirmation commit together.
    with transaction.atomic():
        entry = WaitlistEntry.objects.create(
            service=service,
            practitioner=practitioner,
            first_day=max(first_day, today),
            last_day=last_day,
            name=name,
            phone=phone,
            email=email,
            sms_opt_in=sms_opt_in,
            language=language,
            replaces=replaces,
            token_hash=hash_token(token),
        )
        queue_email(
            kind="waitlist_joined",
            to=email,
            language=language,
            context={"entry": entry, "leave_url": public_url("online:waitlist_leave", token=token)},
        )
    logger.info("waiting list joined entry=%s", entry.pk)
    return Joined(entry, token)


def leave_waitlist(*, token: str) -> bool:
    """Remove the entry of this link (and its offers); False if there is none any more."""
    return WaitlistEntry.objects.filter(token_hash=hash_token(token)).delete()[0] > 0


def _free_slot_for(entry: WaitlistEntry, today: date, now: datetime):
    """The earliest free time the entry has not been offered yet, or None."""
    ids = (
        [entry.practitioner_id]
        if entry.practitioner_id
        else list(bookable_practitioners(entry.service).values_list("pk", flat=True))
    )
    slots = find_free_slots(
        entry.service,
        practitioner_ids=ids,
        first_day=max(entry.first_day, today),
        last_day=entry.last_day,
        now=now,
    )
    offered = {(start, pid) for start, pid in entry.offers.values_list("start", "practitioner_id")}
    for slot in slots:
        if entry.replaces_id and slot.start >= entry.replaces.start:
            break  # only earlier than the booking it replaces
        for pid in slot.practitioner_ids:
            if (slot.start, pid) not in offered:
                return slot.start, pid
    return None


def offer_free_times(*, now: datetime | None = None) -> int:
    """Offer every waiting client the earliest free time that fits them and was not offered to them
    yet; drop entries whose days have passed. Safe from two places at once. How many offers went."""
    now = now or timezone.now()
    today = now.astimezone(local_tz()).date()
    WaitlistEntry.objects.filter(last_day__lt=today).delete()
    made = 0
    for entry in WaitlistEntry.objects.select_related("service", "replaces").order_by("created_at", "pk"):
        found = _free_slot_for(entry, today, now)
        if found is None:
            continue
        start, practitioner_id = found
        token = secrets.token_urlsafe(24)
        try:
            # Two runs at once: the unique (entry, time, practitioner) lets one of them make the offer.
            with transaction.atomic():
                offer = WaitlistOffer.objects.create(
                    entry=entry, start=start, practitioner_id=practitioner_id, token_hash=hash_token(token)
                )
                _queue_offer(entry, offer, public_url("online:waitlist_offer", token=token))
        except IntegrityError:
            continue
        made += 1
    logger.info("waiting list offers made=%s", made)
    return made


def _queue_offer(entry: WaitlistEntry, offer: WaitlistOffer, link: str) -> None:
    context = {"entry": entry, "offer": offer, "service_name": entry.service.localized_name, "link": link}
    queue_email(kind="waitlist_offer", to=entry.email, language=entry.language, context=context)
    if entry.sms_opt_in:
        hidden = {**context, "service_name": "" if entry.service.sms_hide_name else context["service_name"]}
        queue_sms(kind="waitlist_offer", to=entry.phone, language=entry.language, context=hidden)


def find_offer(token: str) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.select_related("entry__service", "entry__replaces", "practitioner")
        .filter(token_hash=hash_token(token))
        .first()
    )


def book_from_offer(*, token: str, now: datetime | None = None) -> Booked:
    """Book the offered time for the waiting client; their later booking is cancelled if they asked,
    and they leave the list, all in one transaction.

    Raises:
        WaitlistError: the link is not valid any more (used, left, expired).
        SlotTaken: someone was quicker (the client stays on the list).
        As book_appointment otherwise.
    """
    offer = find_offer(token)
    if offer is None:
        raise WaitlistError(_("This offer is not valid any more."))
    entry = offer.entry
    # The booking, the cancellation of the later one and leaving the list stand or fall together.
    with transaction.atomic():
        booked = book_appointment(
            service=entry.service,
            start=offer.start,
            practitioner=offer.practitioner,
            name=entry.name,
            phone=entry.phone,
            email=entry.email,
            sms_opt_in=entry.sms_opt_in,
            language=entry.language,
            request_key=f"waitlist-offer-{offer.pk}",
            now=now,
        )
        if booked.replayed:
            return booked
        later = entry.replaces
        if later is not None and later.status == Appointment.Status.CONFIRMED and later.start > offer.start:
            cancel_appointment(appointment=later, by_client=False, now=now)
        entry.delete()
    logger.info("booked from the waiting list ref=%s", booked.appointment.reference)
    return booked
