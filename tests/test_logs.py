"""Logs carry no personal data: a full booking, its changes and the erasure, and everything the
logs said meanwhile, searched for the person's values and the link secrets."""

import io
import json
import logging
import re

import pytest
from django.urls import reverse

from bookings.models import Appointment
from bookings.tokens import manage_token
from inuvet.logs import JsonLineFormatter
from tests.factories import at

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL, MESSAGE = (
    "Lokki Sentinelli",
    "040 321 6549",
    "lokki.sentinel@example.org",
    "Vakoilija viesti",
)


@pytest.fixture
def log_output():
    """Everything logged, as the production formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "django", "django.request", "axes")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG if name == "" else logging.INFO)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_full_booking_and_erasure_logs_no_personal_data_or_secrets(
    client, checkup, open_day, log_output, settings
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"  # failures get logged too
    path = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    page = client.get(path).content.decode()
    key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
    details = {"name": NAME, "phone": PHONE, "email": EMAIL, "message": MESSAGE, "request_key": key}
    client.post(path, details)
    client.post(path, {**details, "email": "not-an-email"})
    appointment = Appointment.objects.get()
    token = manage_token(appointment.reference)
    client.get(reverse("online:manage", args=[appointment.reference, token]))
    client.get(f"/manage/{appointment.reference}/{'a' * 32}/")  # a wrong link: logged as not found
    client.post(reverse("online:lookup"), {"reference": appointment.reference, "email": EMAIL})
    client.post(reverse("privacy:request"), {"email": EMAIL})
    client.post(reverse("admin:login"), {"username": EMAIL, "password": "wrong"})
    client.post(reverse("online:manage_erase", args=[appointment.reference, token]), {"confirm": "yes"})
    client.get(reverse("online:manage", args=[appointment.reference, token]))  # dead link after erasure

    output = log_output.getvalue()
    lines = output.splitlines()
    assert len(lines) >= 5, output  # the run did log
    assert all(json.loads(line)["message"] is not None for line in lines)  # one JSON object per line
    for secret in ("Lokki", "Sentinelli", "lokki.sentinel", "321 6549", "3216549", "Vakoilija", token):
        assert secret not in output, (secret, [line for line in lines if secret in line][:3])
