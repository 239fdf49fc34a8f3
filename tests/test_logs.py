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


# gunicorn's access and error logs (gunicorn.conf.py) --------------------------------------------


def gunicorn_logger():
    """The product's gunicorn logger class, loaded from gunicorn.conf.py as gunicorn loads it."""
    import runpy
    from pathlib import Path

    from gunicorn.config import Config

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("accesslog", "-")
    return conf["RedactingLogger"](cfg)


@pytest.mark.parametrize(
    "resp, environ, request_time",
    [
        (None, None, None),
        (object(), {}, object()),
        (type("R", (), {"status": None, "sent": None})(), {"PATH_INFO": None, "REQUEST_METHOD": None}, None),
        (type("R", (), {"status": 400, "sent": "x"})(), {"PATH_INFO": b"/\xff", "REQUEST_METHOD": 7}, 3),
        (type("R", (), {"status": "400 Bad Request"})(), "not a mapping", "no time"),
    ],
)
def test_the_access_logger_never_raises_whatever_gunicorns_error_path_hands_it(
    resp, environ, request_time, capsys
):
    logger = gunicorn_logger()
    logger.access(resp, None, environ, request_time)
    assert logger.atoms(resp, None, environ, request_time)["U"]  # "-" when there is no path


def test_access_log_line_has_the_masked_path_and_no_address_query_or_agent():
    from datetime import timedelta

    from inuvet.logs import access_atoms

    response = type("R", (), {"status": "404 Not Found", "sent": 512})()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/manage/K7M4QX/abcdefghijklmnopqrstuvwxyz234567/",
        "QUERY_STRING": "email=lokki.sentinel@example.org",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": "Sentinel-Agent",
    }
    atoms = access_atoms(response, environ, timedelta(milliseconds=42))
    assert atoms == {"m": "GET", "U": "/manage/K7M4QX/[token]/", "s": "404", "B": 512, "b": "512", "M": 42}


def test_gunicorn_error_lines_lose_client_addresses_and_contact_details():
    from inuvet.logs import RedactingFilter

    record = logging.LogRecord(
        "gunicorn.error",
        logging.WARNING,
        __file__,
        1,
        "Invalid request from ip=%s: %s",
        ("2001:db8::7", "Invalid HTTP request line: 'GET /lokki.sentinel@example.org\\x01 HTTP/1.1'"),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == (
        "Invalid request from ip=[address]: Invalid HTTP request line: 'GET /[email]\\x01 HTTP/1.1'"
    )
    started = logging.LogRecord(
        "gunicorn.error",
        logging.INFO,
        __file__,
        1,
        "Listening at: %s (%s)",
        ("http://127.0.0.1:8000", 123),
        None,
    )
    RedactingFilter().filter(started)
    assert started.getMessage() == "Listening at: http://127.0.0.1:8000 (123)"  # start-up lines untouched


def test_redact_takes_anything():
    from inuvet.logs import redact

    assert redact(None) == ""
    assert redact(b"/a@b.example") == "/[email]"
    assert redact(12) == "12"
