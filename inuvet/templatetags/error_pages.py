"""Tags for the error pages, which must render when anything else is broken: no database, no
static files, no URL reversing, not even a request (Django renders 500.html without one)."""

from django import template
from django.conf import settings
from django.urls import get_script_prefix

register = template.Library()


@register.simple_tag
def home_url() -> str:
    """The start page: the app's URL prefix (online:home is its root), set for every request."""
    return get_script_prefix()


@register.simple_tag
def practice_details() -> dict:
    """The controller's details from the settings, with or without a request context."""
    return settings.PRACTICE
