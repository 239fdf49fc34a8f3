"""The messages a booking sends to the client — email, and a text message when the client asked for
them — queued in the outbox inside the transaction of the change; reminders and "send my link again"."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from bookings.ics import appointment_ics, calendar_mimetype, ics_filename
from bookings.models import Appointment
from bookings.prices import booked_price
from bookings.tokens import address_code, current_manage_token
from customers.contact import can_receive_sms
from inuvet.context_processors import cancellation_terms
from inuvet.links import public_url
from notifications.services import queue_email, queue_sms

logger = logging.getLogger(__name__)

WITH_CALENDAR_FILE = {"booking_confirmed", "booking_moved", "booking_reminder", "booking_cancelled"}
BY_SMS = {"booking_confirmed", "booking_moved", "booking_cancelled", "booking_reminder"}


def manage_url(appointment: Appointment) -> str:
    """The client's personal link, or "" when the link no longer exists (erased)."""
    token = current_manage_token(appointment)
    return public_url("online:manage", reference=appointment.reference, token=token) if token else ""


def book_again_url(appointment: Appointment) -> str:
    """The picker of the same service (and practitioner, if one was chosen), or the start page."""
    service = appointment.service
    if not (service.is_active and service.bookable_online):
        return public_url("online:home")
    who = appointment.practitioner_id if appointment.practitioner_chosen else "any"
    return public_url("online:slots", service_id=service.pk) + f"?practitioner={who}"


def confirm_address_url(appointment: Appointment) -> str:
    """The link that shows the client holds the booking's address, or "" when there is nothing to
    confirm (no address, already confirmed, no manage link)."""
    customer, token = appointment.customer, current_manage_token(appointment)
    if customer is None or not customer.email or customer.email_confirmed_at or not token:
        return ""
    code = address_code(appointment.reference, customer.email)
    return public_url("online:confirm_address", reference=appointment.reference, token=token, code=code)


def queue_booking_email(appointment: Appointment, kind: str, *, now: datetime | None = None):
    """Queue `kind` (booking_confirmed, booking_moved, booking_cancelled, manage_link, booking_reminder)."""
    customer = appointment.customer
    if customer is None or not customer.email:
        return None
    now = now or timezone.now()
    link = manage_url(appointment)
    attachments = []
    if kind in WITH_CALENDAR_FILE:
        attachments.append(
            {
                "filename": ics_filename(appointment),
                "content": appointment_ics(appointment, manage_url=link).decode(),
                "mimetype": calendar_mimetype(appointment),
            }
        )
    with translation.override(appointment.language):
        context = {
            "appointment": appointment,
            "service_name": appointment.service.localized_name,
            "practitioner_title": appointment.practitioner.localized_title,
            "name": customer.name,
            "manage_url": link,
            # What the email may promise: the link moves and cancels until the deadline only.
            "change_deadline": appointment.change_deadline,
            "can_change_online": appointment.status == Appointment.Status.CONFIRMED
            and now < appointment.change_deadline,
            "book_again_url": book_again_url(appointment) if kind == "booking_cancelled" else "",
            "confirm_address_url": confirm_address_url(appointment) if kind == "booking_confirmed" else "",
            # The animal (the client's own words go only to the client), the price kept at booking.
            "species_name": appointment.species.localized_name.capitalize() if appointment.species else "",
            "animal_name": appointment.animal_name,
            "price": booked_price(appointment),
            "preparation": appointment.service.localized_preparation if kind == "booking_confirmed" else "",
            "cancellation_terms": cancellation_terms() if kind == "booking_confirmed" else "",
        }
        return queue_email(
            kind=kind,
            to=customer.email,
            language=appointment.language,
            context=context,
            attachments=attachments,
            customer=customer,
            reference=appointment.reference,
        )


def queue_booking_sms(appointment: Appointment, kind: str, *, staff_chose: bool = False):
    """The text message of `kind`, if the client asked for them (or staff chose to tell them of the
    clinic's change so): the time, the reference and the link, the service only when it may be
    named (never the animal, the message or other clinical detail)."""
    customer = appointment.customer
    wanted = kind in BY_SMS and (kind != "booking_confirmed" or settings.SMS_CONFIRMATION)
    asked = appointment.sms_opt_in or staff_chose
    if not (wanted and asked and customer is not None and can_receive_sms(customer.phone)):
        return None
    with translation.override(appointment.language):
        service = "" if appointment.service.sms_hide_name else appointment.service.localized_name
        return queue_sms(
            kind=kind,
            to=customer.phone,
            language=appointment.language,
            context={
                "appointment": appointment,
                "service_name": service,
                "manage_url": manage_url(appointment),
            },
            customer=customer,
            reference=appointment.reference,
        )


def queue_booking_messages(appointment: Appointment, kind: str, *, now: datetime | None = None) -> list:
    """The email of `kind` and, when the client asked for them, the text message: those queued."""
    queued = (queue_booking_email(appointment, kind, now=now), queue_booking_sms(appointment, kind))
    return [message for message in queued if message]


def notify_client(
    appointment: Appointment, kind: str, *, sms: bool = False, now: datetime | None = None
) -> list:
    """Tell the client of a change the clinic made (booking_moved, booking_cancelled): by email when
    they gave an address, and by text message when they asked for them or staff chose `sms`."""
    queued = (
        queue_booking_email(appointment, kind, now=now),
        queue_booking_sms(appointment, kind, staff_chose=sms),
    )
    return [message for message in queued if message]


def queue_staff_notice(appointment: Appointment, kind: str):
    """A notice to reception about a booking: reference, service and time, never the client."""
    return queue_email(
        kind=kind,
        to=settings.RECEPTION_EMAIL,
        language="fi",
        context={"appointment": appointment, "service_name": appointment.service.name},
        reference=appointment.reference,
    )


def send_manage_link(*, reference: str, email: str = "", phone: str = "") -> bool:
    """Email the manage link of an upcoming booking to its own address, if the reference and the
    booking's email or phone (normalised, as stored) match.

    Says nothing to the caller's client either way (the view shows the same page).
    """
    if bool(email) == bool(phone):
        raise ValueError("give the email or the phone")
    contact = {"customer__email": email} if email else {"customer__phone": phone}
    appointment = (
        Appointment.objects.select_related("service", "practitioner", "customer")
        .filter(reference=reference, status=Appointment.Status.CONFIRMED, **contact)
        .exclude(customer__email="")
        .first()
    )
    if appointment is None:
        logger.info("manage link requested: no match")
        return False
    queue_booking_email(appointment, "manage_link")
    logger.info("manage link sent ref=%s", appointment.reference)
    return True


def send_links_of_address(*, email: str, language: str) -> int:
    """Email the links of every upcoming booking held with `email` to that address (the client who
    hit the booking cap asked for them). Only the holder of the address receives them; nothing is
    sent when there are none. How many bookings the email lists."""
    appointments = list(
        Appointment.objects.confirmed()
        .upcoming()
        .filter(customer__email=email)
        .select_related("service", "practitioner", "customer")
        .order_by("start")
    )
    bookings = [(a, manage_url(a)) for a in appointments]
    bookings = [(a, link) for a, link in bookings if link]
    if not bookings:
        logger.info("links of an address requested: none")
        return 0
    with translation.override(language):
        queue_email(
            kind="my_bookings",
            to=email,
            language=language,
            context={"bookings": bookings},
            customer=bookings[0][0].customer,
        )
    logger.info("links of an address sent bookings=%s", len(bookings))
    return len(bookings)


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminder of every confirmed appointment starting within REMINDER_HOURS_BEFORE.

    Each appointment gets one reminder for each start time it has had (a moved one gets one
    for its new time); bookings made inside the window got their confirmation just now and no
    reminder. Safe to run at any time and from two places at once. Returns how many were queued.
    """
    now = now or timezone.now()
    window = timedelta(hours=settings.REMINDER_HOURS_BEFORE)
    due = (
        Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
            start__lte=now + window,
            customer__isnull=False,
        )
        .exclude(reminded_for=F("start"))
        .exclude(created_at__gt=F("start") - window)
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in list(due):
        # Two runs at once: the row lock lets one of them send each reminder, the other sees it sent.
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("service", "practitioner", "customer")
                .get(pk=pk)
            )
            if (
                appointment.status != Appointment.Status.CONFIRMED
                or appointment.reminded_for == appointment.start
            ):
                continue
            appointment.reminded_for = appointment.start
            appointment.save(update_fields=["reminded_for"])
            queued += bool(queue_booking_messages(appointment, "booking_reminder", now=now))
    logger.info("reminders queued=%s", queued)
    return queued
