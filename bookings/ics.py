"""The appointment as an iCalendar file (RFC 5545), for the download and the email attachment.

A booking is published (METHOD:PUBLISH); a cancelled one is sent as METHOD:CANCEL with
STATUS:CANCELLED and the same UID, so that calendar apps remove the event they added. SEQUENCE
is the appointment's own small counter: one more at every move and cancel (RFC 5545 §3.8.7.4).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress, vText

from bookings.models import Appointment


def calendar_method(appointment: Appointment) -> str:
    """The iTIP method of the appointment's calendar file (RFC 5546), as in its MIME type too."""
    return "CANCEL" if appointment.status == Appointment.Status.CANCELLED else "PUBLISH"


def calendar_mimetype(appointment: Appointment) -> str:
    """The attachment's content type: a calendar carrying an iTIP method says it (RFC 6047 §2.4)."""
    return f"text/calendar; method={calendar_method(appointment)}"


def appointment_ics(appointment: Appointment, *, manage_url: str = "") -> bytes:
    """One event with no personal data: service, practice, address, reference, manage link."""
    practice = settings.PRACTICE
    with translation.override(appointment.language):
        # The species may be named (it says nothing about the person); the animal's name never is.
        species = f" ({appointment.species.localized_name})" if appointment.species else ""
        summary = f"{appointment.service.localized_name}{species} – {practice['name']}"
        description = translation.gettext("Booking reference %(reference)s") % {
            "reference": appointment.display_reference
        }
    if manage_url:
        description += f"\n{manage_url}"
    method = calendar_method(appointment)
    calendar = Calendar()
    calendar.add("prodid", "-//Inuvet//Ajanvaraus//FI")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{appointment.reference}@{urlsplit(settings.PUBLIC_URL).hostname or 'inuvet.fi'}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("summary", summary)
    event.add("location", practice["address"])
    event.add("description", description)
    organizer = vCalAddress(f"mailto:{practice['email']}")
    organizer.params["cn"] = vText(practice["name"])
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("sequence", appointment.sequence)
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(appointment: Appointment) -> str:
    return f"inuvet-{appointment.display_reference}.ics"
