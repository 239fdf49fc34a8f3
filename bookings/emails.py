"""The emails a booking sends to the client, queued in the outbox inside the transaction of the change;
reminders and "send my link again"."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from bookings.ics import appointment_ics, ics_filename
from bookings.models import Appointment
from bookings.tokens import current_manage_token
from inuvet.links import public_url
from notifications.services import queue_email

logger = logging.getLogger(__name__)

WITH_CALENDAR_FILE = {"booking_confirmed", "booking_moved", "booking_reminder"}


def manage_url(appointment: Appointment) -> str:
    """The client's personal link, or "" when the link no longer exists (erased)."""
    token = current_manage_token(appointment)
    return public_url("online:manage", reference=appointment.reference, token=token) if token else ""


def queue_booking_email(appointment: Appointment, kind: str):
    """Queue `kind` (booking_confirmed, booking_moved, booking_cancelled, manage_link, booking_reminder)."""
    customer = appointment.customer
    if customer is None or not customer.email:
        return None
    link = manage_url(appointment)
    attachments = []
    if kind in WITH_CALENDAR_FILE:
        attachments.append(
            {
                "filename": ics_filename(appointment),
                "content": appointment_ics(appointment, manage_url=link).decode(),
                "mimetype": "text/calendar",
            }
        )
    with translation.override(appointment.language):
        context = {
            "appointment": appointment,
            "service_name": appointment.service.localized_name,
            "name": customer.name,
            "manage_url": link,
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


def notify_client(appointment: Appointment, kind: str):
    """Tell the client of a change the clinic made (booking_moved, booking_cancelled).

    Email now, when the client gave an address. SMS hook: when a text-message provider exists
    (notifications/senders.py, OutboxMessage.Channel.SMS), queue a text to the client's phone
    here as well, so that clients without an email hear of it too.
    """
    return queue_booking_email(appointment, kind)


def queue_staff_notice(appointment: Appointment, kind: str):
    """A notice to reception about a booking: reference, service and time, never the client."""
    return queue_email(
        kind=kind,
        to=settings.RECEPTION_EMAIL,
        language="fi",
        context={"appointment": appointment, "service_name": appointment.service.name},
        reference=appointment.reference,
    )


def send_manage_link(*, reference: str, email: str) -> bool:
    """Email the manage link of an upcoming booking to its own address, if reference and email match.

    Says nothing to the caller's client either way (the view shows the same page).
    """
    appointment = (
        Appointment.objects.select_related("service", "practitioner", "customer")
        .filter(reference=reference, customer__email=email, status=Appointment.Status.CONFIRMED)
        .first()
    )
    if appointment is None or not email:
        logger.info("manage link requested: no match")
        return False
    queue_booking_email(appointment, "manage_link")
    logger.info("manage link sent ref=%s", appointment.reference)
    return True


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
            queued += queue_booking_email(appointment, "booking_reminder") is not None
    logger.info("reminders queued=%s", queued)
    return queued
