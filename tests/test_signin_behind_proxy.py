"""Behind our own proxy (DJANGO_BEHIND_PROXY=on) every request comes from the proxy's address:
sign-in lockouts and their records must use the client's address the proxy appended, the same
rule as the rate limits (inuvet.ratelimit.client_ip), or one client's typos lock out everyone."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.urls import reverse

from inuvet import roles
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def via_proxy(forwarded_for: str) -> Client:
    """A browser whose requests reach the app through our proxy on 127.0.0.1."""
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


def sign_in(client: Client, password: str) -> int:
    return client.post(reverse("admin:login"), {"username": "reception", "password": password}).status_code


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    make_staff("reception", roles.RECEPTION)


def test_one_clients_wrong_passwords_lock_that_client_only(behind_proxy):
    typist, colleague = via_proxy("203.0.113.7"), via_proxy("198.51.100.4")
    assert [sign_in(typist, "wrong-password") for _ in range(5)] == [200] * 4 + [429]
    assert sign_in(typist, PASSWORD) == 429  # locked, even with the right password
    assert sign_in(colleague, PASSWORD) == 302  # the colleague behind the same proxy signs in
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_forged_left_part_of_the_forwarded_header_does_not_escape_the_lockout(behind_proxy):
    # The proxy appends the address it saw; anything left of it is whatever the client sent.
    for n in range(5):
        sign_in(via_proxy(f"10.0.0.{n}, 203.0.113.7"), "wrong-password")
    assert sign_in(via_proxy("10.9.9.9, 203.0.113.7"), PASSWORD) == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.BEHIND_PROXY = False
    make_staff("reception", roles.RECEPTION)
    for n in range(5):
        sign_in(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), "wrong-password")
    assert sign_in(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.99"), PASSWORD) == 429
    assert AccessFailureLog.objects.values_list("ip_address", flat=True).distinct().get() == "203.0.113.7"
