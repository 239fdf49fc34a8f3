"""Absolute links for emails and calendar files, built on the public address of the app; and the
`next` address a page returns to, only ever on this site."""

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme


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
