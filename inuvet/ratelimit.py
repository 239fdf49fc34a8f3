"""Per-client request limits, counted once for every worker and server that share the storage:
a small database table by default, Redis when DJANGO_CACHE_URL is set.

Windows slide: "30 per 3600 s" lets at most 30 uses through in any 3600 seconds, and each use
frees its place exactly 3600 s after it was made (no double allowance where two fixed windows
meet). Refused attempts are not recorded. Clients are counted by a keyed hash of their address
(or of the link they act through), never the address itself.
"""

import math
import secrets
import time
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from inuvet.models import RateLimitCounter


def client_ip(request) -> str:
    """The client's address; behind our own proxy, the one it appended to X-Forwarded-For."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, who: str) -> str:
    return f"rl:{scope}:{salted_hmac('ratelimit', who).hexdigest()[:32]}"


def try_use(request, scope: str, *, who: str | None = None) -> int:
    """Record one use of the scope by this client (or by `who`, e.g. a booking's link) if its
    allowance has room, and return 0; otherwise record nothing and return the seconds until a
    use frees its place."""
    if not settings.RATE_LIMITS_ENABLED:
        return 0
    limit, window = settings.RATE_LIMITS[scope]
    return _store().take(_key(scope, who if who is not None else client_ip(request)), limit, window)


def over_limit(request, scope: str, *, who: str | None = None) -> bool:
    """True when this client (or `who`) has used up the scope's allowance (records nothing)."""
    if not settings.RATE_LIMITS_ENABLED:
        return False
    limit, window = settings.RATE_LIMITS[scope]
    return _store().used(_key(scope, who if who is not None else client_ip(request)), window) >= limit


def first_use(token: str, window: int) -> bool:
    """True the first time `token` is used within `window` seconds, on any worker or server (the
    same storage as the limits, whether limits are on or not): for things that work once."""
    return _store().take(_key("once", token), 1, window) == 0


def count(request, scope: str) -> None:
    """Record one use of the scope by this client (nothing once the allowance is used up)."""
    try_use(request, scope)


def too_many_requests(request, retry_after: int = 600):
    response = render(request, "too_many_requests.html", status=429)
    response["Retry-After"] = str(max(1, retry_after))
    return response


def limit_posts(scope: str):
    """Count every POST to the view; refuse with 429 once the allowance is used up."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                wait = try_use(request, scope)
                if wait:
                    return too_many_requests(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Storage ----------------------------------------------------------------------------------------


def _wait(uses: list[float], limit: int, window: int, now: float) -> int:
    """Seconds until one of `uses` (oldest first, all inside the window) leaves it, making room."""
    return max(1, math.ceil(uses[len(uses) - limit] + window - now))


class DatabaseStore:
    """One row per client and scope (RateLimitCounter). Its row lock orders concurrent uses
    from all workers (SQLite: every transaction takes the write lock at BEGIN)."""

    SWEEP_EVERY = 600  # seconds between deletions of expired rows, per process
    _swept_at = 0.0

    def take(self, key: str, limit: int, window: int) -> int:
        now = time.time()
        for _attempt in range(3):
            with transaction.atomic():
                # The row lock: two workers counting the same client one at a time, so neither
                # lets a use through on a count the other is about to raise.
                RateLimitCounter.objects.bulk_create(
                    [RateLimitCounter(key=key, expires_at=now)], ignore_conflicts=True
                )
                counter = RateLimitCounter.objects.select_for_update().filter(key=key).first()
                if counter is None:  # swept between the insert and the lock: once more
                    continue
                uses = [t for t in map(float, counter.uses.split()) if t > now - window]
                if len(uses) >= limit:
                    return _wait(uses, limit, window, now)
                uses.append(now)
                counter.uses = " ".join(f"{t:.3f}" for t in uses)
                counter.expires_at = now + window
                counter.save(update_fields=["uses", "expires_at"])
            break
        self._sweep(now)
        return 0

    def used(self, key: str, window: int) -> int:
        now = time.time()
        counter = RateLimitCounter.objects.filter(key=key).first()
        return sum(float(t) > now - window for t in counter.uses.split()) if counter else 0

    def _sweep(self, now: float) -> None:
        if now - DatabaseStore._swept_at < self.SWEEP_EVERY:
            return
        DatabaseStore._swept_at = now
        with transaction.atomic():
            # Rows being counted right now are skipped (SKIP LOCKED), never waited for.
            expired = RateLimitCounter.objects.select_for_update(skip_locked=True).filter(expires_at__lt=now)
            RateLimitCounter.objects.filter(pk__in=list(expired.values_list("pk", flat=True)[:5000])).delete()


class RedisStore:
    """A sorted set of use times per client and scope, changed by one script (atomic in Redis)
    on the Redis server's clock, so that several app servers agree."""

    TAKE = """
    local now = redis.call('TIME')
    now = tonumber(now[1]) + tonumber(now[2]) / 1000000
    local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
    local used = redis.call('ZCARD', KEYS[1])
    if used >= limit then
      local oldest = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
      return tostring(tonumber(oldest[2]) + window - now)
    end
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('EXPIRE', KEYS[1], window + 1)
    return '0'
    """
    USED = """
    local now = redis.call('TIME')
    now = tonumber(now[1]) + tonumber(now[2]) / 1000000
    return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
    """

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._take = self.client.register_script(self.TAKE)
        self._used = self.client.register_script(self.USED)

    def take(self, key: str, limit: int, window: int) -> int:
        wait = float(self._take(keys=[key], args=[limit, window, secrets.token_hex(8)]))
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def used(self, key: str, window: int) -> int:
        return int(self._used(keys=[key], args=[window]))


_stores: dict[str, DatabaseStore | RedisStore] = {}


def _store() -> DatabaseStore | RedisStore:
    where = settings.RATE_LIMIT_STORAGE
    if where not in _stores:
        _stores[where] = DatabaseStore() if where == "database" else RedisStore(where)
    return _stores[where]
