"""Links out of the confirmation page: add the visit to Google or Outlook calendar, show the
practice on OpenStreetMap. They carry the service, the time and the practice only: never a name,
a reference or the manage link (those URLs end up in another company's logs)."""

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings

from bookings.models import Appointment


def _title(appointment: Appointment) -> str:
    return f"{appointment.service.localized_name} – {settings.PRACTICE['name']}"


def _location() -> str:
    return f"{settings.PRACTICE['name']}, {settings.PRACTICE['address']}"


def google_calendar_url(appointment: Appointment) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": _title(appointment),
        "dates": f"{stamp(appointment.start)}/{stamp(appointment.end)}",
        "location": _location(),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query, quote_via=quote)


def outlook_calendar_url(appointment: Appointment) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": _title(appointment),
        "startdt": stamp(appointment.start),
        "enddt": stamp(appointment.end),
        "location": _location(),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query, quote_via=quote)


def map_url() -> str:
    """The practice on OpenStreetMap (a link; nothing of the map is embedded in our pages)."""
    return settings.PRACTICE.get("map_url") or "https://www.openstreetmap.org/search?" + urlencode(
        {"query": settings.PRACTICE["address"]}, quote_via=quote
    )
