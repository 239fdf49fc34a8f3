"""The person's export page (index.html) for people: the ISO times of data.json as local dates and
times in the reader's language."""

from datetime import date, datetime

from django import template
from django.utils import formats

from bookings.templatetags.booking_format import when

register = template.Library()


@register.filter
def local(value):
    """ "2026-12-10T09:00:00+02:00" → "torstai 10. joulukuuta 2026 klo 9.00"; a date alone likewise."""
    if not value:
        return "—"
    text = str(value)
    try:
        if len(text) == 10:
            return formats.date_format(date.fromisoformat(text), "DATE_FORMAT")
        return when(datetime.fromisoformat(text))
    except ValueError:
        return text
