from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bookings.models import Appointment
from bookings.references import format_reference

register = template.Library()


@register.filter
def when(value):
    """A local date and time as the active language writes it: "maanantai 7. joulukuuta 2026 klo 9.00"."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return day_and_time(day_text(local), formats.time_format(local, "TIME_FORMAT"))


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
