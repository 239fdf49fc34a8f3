"""Phone numbers in pages and emails: shown the Finnish way, linked as tel: URIs."""

from django import template
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from customers.contact import format_phone, normalise_phone

register = template.Library()


@register.filter
def phone_display(value: str) -> str:
    """`0400854343` or `+358400854343` → `040 085 4343`; text that is no phone number unchanged."""
    try:
        return format_phone(normalise_phone(value or ""))
    except ValidationError:
        return value


@register.filter
def tel_href(value: str) -> str:
    """`tel:+358400854343` (RFC 3966, international form), or "" when it is no phone number."""
    try:
        return f"tel:{normalise_phone(value or '')}"
    except ValidationError:
        return ""


@register.filter
def phone_link(value: str) -> str:
    """The number as a tel: link showing its Finnish form; plain text when it is no phone number."""
    href = tel_href(value)
    if not href:
        return value
    return format_html('<a href="{}" class="phone">{}</a>', href, phone_display(value))
