"""Per-client request limits in the shared cache (Redis when several app servers run).

Clients are counted by a keyed hash of their IP address, never the address itself.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.crypto import salted_hmac


def client_ip(request) -> str:
    """The client's address; behind our own proxy, the one it appended to X-Forwarded-For."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(request, scope: str, window: int) -> str:
    who = salted_hmac("ratelimit", client_ip(request)).hexdigest()[:24]
    return f"rl:{scope}:{who}:{int(time.time() // window)}"


def over_limit(request, scope: str) -> bool:
    """True when this client has used up the scope's allowance in the current window."""
    if not settings.RATE_LIMITS_ENABLED:
        return False
    limit, window = settings.RATE_LIMITS[scope]
    return (cache.get(_key(request, scope, window)) or 0) >= limit


def count(request, scope: str) -> None:
    """Record one use of the scope by this client."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    _, window = settings.RATE_LIMITS[scope]
    key = _key(request, scope, window)
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


def too_many_requests(request):
    response = render(request, "too_many_requests.html", status=429)
    response["Retry-After"] = "600"
    return response


def limit_posts(scope: str):
    """Count every POST to the view; refuse with 429 once the allowance is used up."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                if over_limit(request, scope):
                    return too_many_requests(request)
                count(request, scope)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
