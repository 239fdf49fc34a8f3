"""Abuse limits of the manage link: a valid link is always served, however many wrong ones came
from the same address (a shared office network, a neighbour guessing); wrong links are limited
per address; changes through a valid link have their own allowance per link."""

import pytest
from django.urls import reverse

from bookings.tokens import manage_token
from customers.models import Customer
from tests.factories import at, make_appointment

pytestmark = pytest.mark.django_db

WRONG_TOKEN = "a" * 32


@pytest.fixture
def booked(checkup, vet, open_day):
    return make_appointment(checkup, vet, at(open_day, 9))


def link(appointment, name="online:manage") -> str:
    return reverse(name, args=[appointment.reference, manage_token(appointment.reference)])


def test_a_valid_link_is_served_after_its_address_used_up_its_wrong_guesses(client, booked, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "manage": (5, 3600)}
    guesses = [client.get(f"/manage/{booked.reference}/{WRONG_TOKEN}/").status_code for _ in range(8)]
    assert guesses == [404] * 5 + [429] * 3
    for name in ("online:manage", "online:manage_ics", "online:manage_cancel", "online:manage_correct"):
        assert client.get(link(booked, name)).status_code == 200, name
    assert client.post(link(booked, "online:manage_consent")).status_code == 302  # and acted through
    assert client.get(f"/manage/{booked.reference}/{WRONG_TOKEN}/").status_code == 429  # still limited


def test_changes_through_a_valid_link_are_limited_per_link(client, booked, checkup, vet, open_day, settings):
    correct = link(booked, "online:manage_correct")
    answers = [
        client.post(
            correct, {"name": f"Name {n}", "phone": "040 123 4567", "email": f"n{n}@example.com"}
        ).status_code
        for n in range(100)
    ]
    limit, _ = settings.RATE_LIMITS["manage_action"]
    assert limit == 20  # README.md: 20 changes an hour through one link
    assert answers.count(429) == 100 - limit and 429 not in answers[:limit]
    assert Customer.objects.get(pk=booked.customer_id).name == f"Name {limit - 1}"  # the rest changed nothing
    # The link still opens; another address gets no new allowance for it; another link has its own.
    assert client.get(link(booked)).status_code == 200
    assert client.post(link(booked, "online:manage_consent"), REMOTE_ADDR="10.0.0.9").status_code == 429
    other = make_appointment(checkup, vet, at(open_day, 10))
    assert client.post(link(other, "online:manage_consent")).status_code == 302
