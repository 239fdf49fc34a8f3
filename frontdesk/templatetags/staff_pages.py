"""Template helpers of the staff site."""

from django import template
from django.utils.html import format_html

from inuvet.audit import CONFIRM_PARAMETER, search_token

register = template.Library()


@register.simple_tag(takes_context=True)
def search_token_input(context):
    """The hidden field that marks a search as typed in this session's own search box."""
    request = getattr(context, "request", None)
    if request is None:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', CONFIRM_PARAMETER, search_token(request))
