"""The appointment as an iCalendar file (RFC 5545), for the download and the email attachment."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event

from bookings.models import Appointment


def appointment_ics(appointment: Appointment, *, manage_url: str = "") -> bytes:
    """One event with no personal data: service, practice, address, reference, manage link."""
    practice = settings.PRACTICE
    with translation.override(appointment.language):
        summary = f"{appointment.service.localized_name} – {practice['name']}"
        description = translation.gettext("Booking reference %(reference)s") % {
            "reference": appointment.display_reference
        }
    if manage_url:
        description += f"\n{manage_url}"
    calendar = Calendar()
    calendar.add("prodid", "-//Inuvet//Ajanvaraus//FI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.reference}@{urlsplit(settings.PUBLIC_URL).hostname or 'inuvet.fi'}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("location", practice["address"])
    event.add("description", description)
    event.add("status", "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED")
    event.add("sequence", int(appointment.updated_at.timestamp()) if appointment.updated_at else 0)
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(appointment: Appointment) -> str:
    return f"inuvet-{appointment.display_reference}.ics"
