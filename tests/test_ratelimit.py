"""The rate limiter's sliding window and its table, with the clock in the test's hand. Its
behaviour across gunicorn workers and on Redis: tests/deployment/test_rate_limits.py."""

import pytest
from django.test import RequestFactory

from inuvet import ratelimit
from inuvet.models import RateLimitCounter

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


@pytest.fixture
def limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (3, 10)}


def request_from(ip: str):
    return RequestFactory().post("/manage/", REMOTE_ADDR=ip)


def test_the_window_slides_each_use_frees_its_place_window_seconds_later(clock, limit):
    client = request_from("203.0.113.5")
    for at in (0, 1, 2):
        clock[0] = 1_000_000 + at
        assert ratelimit.try_use(client, "lookup") == 0
    clock[0] = 1_000_003
    assert ratelimit.try_use(client, "lookup") == 7  # the use at 0 leaves the window at 10
    assert ratelimit.over_limit(client, "lookup")
    clock[0] = 1_000_010.5
    assert ratelimit.try_use(client, "lookup") == 0  # the use at 0 has left
    assert ratelimit.try_use(client, "lookup") == 1  # the one at 1 has not: no burst at a boundary
    clock[0] = 1_000_011.5
    assert ratelimit.try_use(client, "lookup") == 0


def test_refused_attempts_are_not_counted_so_hammering_does_not_extend_the_wait(clock, limit):
    client = request_from("203.0.113.5")
    for _ in range(3):
        ratelimit.try_use(client, "lookup")
    for second in range(1, 10):
        clock[0] = 1_000_000 + second
        assert ratelimit.try_use(client, "lookup") == 10 - second
    clock[0] = 1_000_010.1
    assert ratelimit.try_use(client, "lookup") == 0


def test_clients_and_scopes_are_counted_apart_and_addresses_are_not_stored(clock, limit, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (1, 10)}
    first, second = request_from("203.0.113.5"), request_from("198.51.100.7")
    for _ in range(3):
        assert ratelimit.try_use(first, "lookup") == 0
    assert ratelimit.try_use(first, "lookup") > 0
    assert ratelimit.try_use(second, "lookup") == 0
    assert ratelimit.try_use(first, "booking") == 0
    assert ratelimit.try_use(first, "lookup", who="link:ABCDEF") == 0  # a link's own allowance
    stored = " ".join(f"{row.key} {row.uses}" for row in RateLimitCounter.objects.all())
    assert "203.0.113" not in stored and "198.51.100" not in stored and "ABCDEF" not in stored


def test_behind_our_proxy_clients_are_told_apart_by_the_address_it_appended(clock, limit, settings):
    settings.BEHIND_PROXY = True

    def via_proxy(forwarded):
        return RequestFactory().post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    for _ in range(3):
        assert ratelimit.try_use(via_proxy("6.6.6.6, 203.0.113.5"), "lookup") == 0
    assert ratelimit.try_use(via_proxy("1.2.3.4, 203.0.113.5"), "lookup") > 0  # a forged left part
    assert ratelimit.try_use(via_proxy("198.51.100.7"), "lookup") == 0


def test_expired_counters_are_swept(clock, limit):
    ratelimit.DatabaseStore._swept_at = 0.0
    for n in range(5):
        ratelimit.try_use(request_from(f"203.0.113.{n}"), "lookup")
    assert RateLimitCounter.objects.count() == 5
    clock[0] += 11 + ratelimit.DatabaseStore.SWEEP_EVERY
    ratelimit.try_use(request_from("198.51.100.1"), "lookup")
    assert RateLimitCounter.objects.count() == 1  # only the new client's


def test_switched_off_limits_record_nothing(clock, limit, settings):
    settings.RATE_LIMITS_ENABLED = False
    client = request_from("203.0.113.5")
    assert all(ratelimit.try_use(client, "lookup") == 0 for _ in range(10))
    assert not RateLimitCounter.objects.exists()


def test_too_many_requests_says_when_to_come_back(rf):
    response = ratelimit.too_many_requests(rf.get("/"), 42)
    assert response.status_code == 429 and response["Retry-After"] == "42"
