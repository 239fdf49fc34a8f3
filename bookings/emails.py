"""The emails a booking sends to the client, queued in the outbox inside the booking transaction."""

from django.conf import settings
from django.utils import translation

from bookings.ics import appointment_ics, ics_filename
from bookings.models import Appointment
from bookings.tokens import current_manage_token
from inuvet.links import public_url
from notifications.services import queue_email

WITH_CALENDAR_FILE = {"booking_confirmed", "booking_moved", "booking_reminder"}


def manage_url(appointment: Appointment) -> str:
    """The client's personal link, or "" when the link no longer exists (erased)."""
    token = current_manage_token(appointment)
    return public_url("bookings:manage", reference=appointment.reference, token=token) if token else ""


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


def queue_staff_notice(appointment: Appointment, kind: str):
    """A notice to reception about a booking: reference, service and time, never the client."""
    return queue_email(
        kind=kind,
        to=settings.RECEPTION_EMAIL,
        language="fi",
        context={"appointment": appointment, "service_name": appointment.service.name},
        reference=appointment.reference,
    )
