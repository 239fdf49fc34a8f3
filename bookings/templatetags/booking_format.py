from django import template
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bookings.models import Appointment
from bookings.references import format_reference

register = template.Library()


# Dates the Finnish way in every language: a short weekday, day.month.year, the clock word of the
# language and the time ("ke 2.12.2026 klo 8.00", "ons 2.12.2026 kl. 8.00", "Wed 2.12.2026 at 8:00").
# Written per language like Django's format files, not translated text.
_CLOCK_WORD = {"fi": ("klo", "G.i"), "sv": ("kl.", "G.i"), "en": ("at", "G:i")}


@register.filter
def when(value):
    """A local date and time, day first in every language: "ke 2.12.2026 klo 8.00". The one date
    filter of the public pages and the emails."""
    if not value:
        return ""
    local = timezone.localtime(value)
    language = (get_language() or "fi")[:2]
    word, clock_format = _CLOCK_WORD.get(language, _CLOCK_WORD["fi"])
    weekday = formats.date_format(local, "D")
    if language != "en":
        weekday = weekday.lower()  # Finnish and Swedish write weekdays in lower case
    return f"{weekday} {dateformat.format(local, 'j.n.Y')} {word} {dateformat.format(local, clock_format)}"


def day_text(day) -> dict:
    """The day's part of `when`, to format once for many times of one day."""
    weekday = formats.date_format(day, "l")
    # Finnish and Swedish write weekdays in lower case; English capitalises them.
    return {
        "weekday": weekday if get_language() == "en" else weekday.lower(),
        "date": formats.date_format(day, "DATE_FORMAT"),
    }


def day_and_time(day: dict, time: str) -> str:
    return _("%(weekday)s %(date)s at %(time)s") % {**day, "time": time}


@register.filter
def clock(value):
    """Just the local time: "9.00" in Finnish, "09:00" in Swedish and English."""
    return formats.time_format(timezone.localtime(value), "TIME_FORMAT") if value else ""


@register.filter
def day_name(value):
    return formats.date_format(value, "l") if value else ""


@register.filter
def short_date(value):
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


@register.filter
def reference(value):
    return format_reference(value or "")


@register.filter
def status_label(value):
    """An appointment's status as people read it ("saapunut"), from its stored code ("arrived")."""
    return Appointment.Status(value).label if value in Appointment.Status.values else value


@register.filter
def is_past(value) -> bool:
    """Whether an aware datetime has passed (a deadline, say)."""
    return bool(value) and value <= timezone.now()


@register.filter
def json_attribute(value) -> str:
    """A value as JSON for an HTML attribute (the template's autoescaping quotes it safely)."""
    import json

    return json.dumps(value, separators=(",", ":"))
