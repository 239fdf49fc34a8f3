"""Absolute links for emails and calendar files, built on the public address of the app; the
`next` address a page returns to, only ever on this site; and the ids links carry."""

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme


def is_id(value: str) -> bool:
    """A database id as our links and forms write it: ASCII digits, no sign, no leading zero.
    (`str.isdigit` also takes "¹" and "١", which int() then refuses: a 500 from a query string.)"""
    return 0 < len(value) <= 9 and value.isascii() and value.isdigit() and value[0] != "0"


def public_url(viewname: str, **kwargs) -> str:
    """`PUBLIC_URL` + the view's path below the app's root (the script prefix is not doubled)."""
    path = reverse(viewname, kwargs=kwargs)
    prefix = get_script_prefix()
    below_root = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
    return settings.PUBLIC_URL.rstrip("/") + "/" + below_root


def safe_next(request, default: str) -> str:
    """The `next` parameter (POST or GET) when it leads to this site, else `default`.

    Every page that reads a `next` goes through this: `/\\evil.example`, `//evil.example`,
    `https://evil.example` and `javascript:` never become a link or a redirect.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
