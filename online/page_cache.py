"""Rendered public pages, shared between visitors until the calendar changes.

The start page and the slot picker are what everyone loads, again and again, when a practice opens
its next month's times. Rendering them is most of their cost, and their content depends only on
the URL, the language, the minute and the calendars shown. So a rendered page is kept under a key
of exactly those, where "the calendars" are the practitioners' versions read from the database in
the same request (bookings/calendar_versions.py): a booking commits its version bump with the
appointment, so the next request reads the new version, misses, and renders the fresh week. No
slot taken by a committed booking is offered from the cache; the booking still checks in its
transaction in any case.

Only pages that are the same for everyone are shared: a visitor carrying a session or a pending
message is served fresh, and a page is kept only when rendering it used no CSRF token, set no
cookie, wrote no session and queued no message. A page with a form (the details form) is shared
the same way with what each visitor must have their own, the CSRF token and the form's key, kept
as markers and filled in per request (`serve_form`). Any cache backend works: the versions come from the
database, so a per-process cache is as correct as a shared one (Redis), only less often warm.
"""

import hashlib
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

LIFETIME = 60  # seconds; the minute is part of the key, so "now" moves the page on anyway
_KEPT_HEADERS = ("Content-Type", "Cache-Control", "Vary")


def serve(
    request: HttpRequest,
    *,
    versions: str,
    render: Callable[[], HttpResponse],
    params: tuple[str, ...] = (),
    canonical: Callable[[QueryDict], bool] | None = None,
) -> HttpResponse:
    """The page for this request: from the cache when an identical one was rendered for the same
    calendar versions this minute, else `render()` (kept for the next visitor when shareable).
    Only URLs as the page's own links write them are shared: the path as `reverse()` gives it,
    a query with nothing but the page's `params` (once each) and values `canonical` accepts. So
    made-up parameters and spellings cannot fill the cache with copies of a page."""
    return _serve(
        request,
        versions,
        params=params,
        canonical=canonical,
        shared=render,
        own=render,
        fill=lambda content: content,
    )


def serve_form(
    request: HttpRequest,
    *,
    versions: str,
    render: Callable[[dict[str, str]], HttpResponse],
    fresh: dict[str, Callable[[], str]],
    params: tuple[str, ...] = (),
    canonical: Callable[[QueryDict], bool] | None = None,
    share: bool = True,
) -> HttpResponse:
    """`serve` for a page with a form: `fresh` names the values every visitor gets their own of
    (name → a function making one), and `render(values)` puts them in the page. The shared copy
    is rendered with markers for them and each visitor's copy filled in with new values, so no
    token is ever shared. A maker is called only when its marker is in the page. `share=False`:
    this visitor's page is their own anyway (it carries their own challenge, say)."""
    # Escaped by no template; derived from the secret key, so that no text typed by staff or a
    # visitor can hold one (a token would be put there too).
    secret = salted_hmac("online.page-cache.marker", "fresh").hexdigest()[:20]
    markers = {name: f"~{secret}~{name}~" for name in fresh}

    def fill(content: bytes) -> bytes:
        for name, marker in markers.items():
            if marker.encode() in content:
                content = content.replace(marker.encode(), fresh[name]().encode())
        return content

    def own() -> HttpResponse:
        return render({name: make() for name, make in fresh.items()})

    if not share:
        return own()
    return _serve(
        request,
        versions,
        params=params,
        canonical=canonical,
        shared=lambda: render(markers),
        own=own,
        fill=fill,
    )


def _serve(
    request: HttpRequest,
    versions: str,
    *,
    params: tuple[str, ...],
    canonical: Callable[[QueryDict], bool] | None,
    shared: Callable[[], HttpResponse],
    own: Callable[[], HttpResponse],
    fill: Callable[[bytes], bytes],
) -> HttpResponse:
    if (
        request.method not in ("GET", "HEAD")
        or _carries_state(request)
        or not _as_our_links_write(request, params, canonical)
    ):
        return own()
    key = _key(request, versions)
    kept = cache.get(key)
    if kept is not None:
        status, headers, content = kept
        response = HttpResponse(fill(content), status=status)
        for name, value in headers:
            response[name] = value
        return response
    response = shared()
    if _shareable(request, response):
        headers = [(name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)]
        cache.set(key, (response.status_code, headers, response.content), LIFETIME)
    if not response.streaming:
        response.content = fill(response.content)
    return response


def remember(question: str, *, versions: str, work_out: Callable[[], bool]) -> bool:
    """An answer about the calendar that nobody's own data changes (is this time offered?), worked
    out once per calendar versions and minute, like the pages."""
    key = "answer:" + _digest(question, versions)
    answer = cache.get(key)
    if answer is None:
        answer = work_out()
        cache.set(key, answer, LIFETIME)
    return answer


def _key(request: HttpRequest, versions: str) -> str:
    # The query as parsed, in order, empty values left out (the pages read them as not given):
    # "?a=1&b=2", "?b=2&a=1", "?%61=1&b=2" and "?a=1&b=2&c=" are one page.
    query = urlencode(sorted((name, value) for name, value in request.GET.items() if value))
    return "page:" + _digest(request.path, query, get_language() or "", versions)


def _digest(*parts: str) -> str:
    minute = str(int(time.time() // 60))
    return hashlib.sha256("\n".join((*parts, minute)).encode()).hexdigest()


def _as_our_links_write(request: HttpRequest, params: tuple[str, ...], canonical) -> bool:
    query = request.GET
    if not all(name in params and len(values) == 1 for name, values in query.lists()):
        return False
    if canonical is not None and not canonical(query):
        return False
    # "/book/07/" reaches the page of "/book/7/": only the spelling reverse() writes is shared.
    match = request.resolver_match  # (None only for a request made up in a test)
    return match is None or request.path == reverse(match.view_name, args=match.args, kwargs=match.kwargs)


def _carries_state(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a CSRF token was put in the page
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:  # (reading an empty one is every request's lot)
        return False
    storage = getattr(request, "_messages", None)
    return not (storage is not None and (storage.added_new or storage._queued_messages))
