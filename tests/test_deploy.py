"""Production settings pass Django's deployment checks, and every page type sends the headers a
hardened site should."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from bookings.tokens import manage_token
from tests.factories import at, make_appointment
from tests.servers import collected_static

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(tmp_path, tmp_path_factory, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    clean.update(
        DJANGO_SETTINGS_MODULE="inuvet.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="www.inuvet.fi",
        DJANGO_VAR_DIR=str(tmp_path),
        # As deployed: static files collected (without them the start stops, tests/test_error_pages.py).
        DJANGO_STATIC_ROOT=str(collected_static(tmp_path_factory.mktemp("static"))),
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_environment(tmp_path, tmp_path_factory):
    result = deploy_check(tmp_path, tmp_path_factory)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_when_https_is_switched_off(tmp_path, tmp_path_factory):
    result = deploy_check(tmp_path, tmp_path_factory, DJANGO_HTTPS="off")
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


PRIVATE = "no-store"


@pytest.fixture
def pages(db, checkup, vet, open_day, reception):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    token = manage_token(appointment.reference)
    return {
        "start page": (reverse("online:home"), False, None),
        "slot picker": (reverse("online:slots", args=[checkup.pk]), False, None),
        "details form": (
            reverse(
                "online:details",
                kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 10)},
            ),
            True,
            None,
        ),
        "manage page": (reverse("online:manage", args=[appointment.reference, token]), True, None),
        "calendar file": (reverse("online:manage_ics", args=[appointment.reference, token]), True, None),
        "privacy notice": (reverse("privacy:notice"), False, None),
        "privacy request": (reverse("privacy:request"), True, None),
        "staff customer page": (
            reverse("admin:customers_customer_change", args=[appointment.customer_id]),
            True,
            reception,
        ),
        "staff calendar": (reverse("admin:calendar"), True, reception),
        "not found": ("/no-such-page/", False, None),
    }


@override_settings(SECURE_SSL_REDIRECT=False)
def test_every_page_type_sends_the_security_headers(client, pages):
    for name, (path, personal, user) in pages.items():
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == (404 if name == "not found" else 200), name
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, name
        assert "frame-ancestors 'none'" in csp, name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "same-origin", name
        if personal:
            assert PRIVATE in headers.get("Cache-Control", ""), name


def test_pages_have_no_inline_scripts_or_styles(client, pages):
    """Nothing inline, but the error pages' one stylesheet, which the policy names by its hash."""
    import base64
    import hashlib
    import re

    for name, (path, _, user) in pages.items():
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(path)
        html = response.content.decode(errors="replace")
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), name
        assert " style=" not in html, name
        for css in re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"], name
        assert html.count("<style") == len(re.findall(r"<style>", html)), name


@override_settings(SECURE_SSL_REDIRECT=False)
@pytest.mark.parametrize(
    "make_request, status, text",
    [
        (lambda c: c.get("/no-such-page/"), 404, "Sivua ei löytynyt"),
        (lambda c: c.get("/", HTTP_HOST="evil.example"), 400, "Virheellinen pyyntö"),
    ],
)
def test_error_pages_are_in_the_sites_style_and_language_without_details(
    client, db, make_request, status, text
):
    response = make_request(client)
    assert response.status_code == status
    html = response.content.decode()
    assert text in html and "site-header" in html
    assert "Traceback" not in html and "Django" not in html


def test_csrf_failure_explains_what_to_do(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("online:lookup"), {})
    assert response.status_code == 403 and "site-header" in response.content.decode()


def test_server_error_page_is_plain_and_trilingual(client, db, settings):
    from unittest import mock

    client.raise_request_exception = False
    with mock.patch(
        "online.views.Service.objects.bookable_online", side_effect=RuntimeError("boom with secret details")
    ):
        response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Jotain meni vikaan" in html and "Något gick fel" in html and "Something went wrong" in html
    assert "boom" not in html and "Traceback" not in html


def test_request_body_over_the_limit_is_refused_not_an_error(client, db, checkup, open_day):
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    response = client.post(url, {"name": "x" * 3_000_000})
    assert response.status_code == 413
