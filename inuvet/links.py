"""Absolute links for emails and calendar files, built on the public address of the app."""

from django.conf import settings
from django.urls import get_script_prefix, reverse


def public_url(viewname: str, **kwargs) -> str:
    """`PUBLIC_URL` + the view's path below the app's root (the script prefix is not doubled)."""
    path = reverse(viewname, kwargs=kwargs)
    prefix = get_script_prefix()
    below_root = path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")
    return settings.PUBLIC_URL.rstrip("/") + "/" + below_root
