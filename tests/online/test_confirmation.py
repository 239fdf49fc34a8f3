"""The confirmation page: the booking at a glance, the map and calendar links (no personal data
in them), the last step of the flow."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from bookings.services import book_appointment
from bookings.tokens import manage_token
from tests.factories import at

pytestmark = pytest.mark.django_db

PERSON = {"name": "Maija Meikäläinen", "phone": "+358401234567", "email": "maija@example.com"}


@pytest.fixture
def booking(checkup, open_day):
    return book_appointment(service=checkup, start=at(open_day, 9), **PERSON, message="").appointment


def page_of(client, appointment, query=""):
    url = reverse("online:manage", args=[appointment.reference, manage_token(appointment.reference)])
    response = client.get(url + query)
    assert response.status_code == 200
    return response.content.decode()


def test_after_booking_the_page_is_the_last_step_with_a_clear_success(client, booking):
    page = page_of(client, booking, "?booked")
    assert 'class="success"' in page and 'class="steps"' in page
    assert re.search(r'aria-current="step">.*?4', page, re.S)
    later = page_of(client, booking)  # from the email later: the booking's page, no steps
    assert 'class="success"' not in later and 'class="steps"' not in later


def test_calendar_and_map_links_carry_no_personal_data(client, booking):
    page = page_of(client, booking, "?booked")
    outside = [unquote(url) for url in re.findall(r'href="(https://[^"]+)"', page)]
    assert any(u.startswith("https://calendar.google.com/") for u in outside)
    assert any(u.startswith("https://outlook.live.com/") for u in outside)
    assert any(u.startswith("https://www.openstreetmap.org/") for u in outside)
    token = manage_token(booking.reference)
    for url in outside:
        for secret in [*PERSON.values(), "Maija", booking.reference, token, "/manage/"]:
            assert secret not in url.replace("&amp;", "&"), (secret, url)
    google = next(u for u in outside if "google" in u).replace("&amp;", "&")
    assert "Terveystarkastus" in google and "Inuvet" in google and "Härkikuja 1B" in google
    assert re.search(r"dates=\d{8}T\d{6}Z/\d{8}T\d{6}Z", google)
    assert "<iframe" not in page


def test_a_cancelled_booking_opened_with_booked_shows_no_success(client, booking):
    from bookings.services import cancel_appointment

    cancel_appointment(appointment=booking, by_client=True)
    page = page_of(client, booking, "?booked")
    assert 'class="success"' not in page and "calendar.google.com" not in page
