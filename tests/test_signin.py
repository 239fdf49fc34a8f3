"""Staff sign-in: lockout, password rules, session limits, log out everywhere."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def sign_in(client, password=PASSWORD, ip="10.1.1.1"):
    return client.post(
        reverse("admin:login"), {"username": "reception", "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_the_account_from_that_address_with_a_clear_page(client, reception):
    for _ in range(4):
        assert sign_in(client, "wrong-password").status_code == 200
    assert sign_in(client, "wrong-password").status_code == 429  # the fifth failure locks
    locked = sign_in(client)  # even the right password is refused now
    assert locked.status_code == 429
    assert "30" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(Client(), ip="10.9.9.9").status_code == 302  # the same user elsewhere is not locked


def test_passwords_need_twelve_characters_and_no_common_words():
    with pytest.raises(ValidationError):
        validate_password("Tr0ub4dor&3")  # 11 characters
    with pytest.raises(ValidationError):
        validate_password("password1234")
    validate_password("kissa-koira-hevonen-7")


def test_idle_staff_are_signed_out_after_thirty_minutes(client, reception, settings):
    client.force_login(reception)
    assert client.get(reverse("admin:index")).status_code == 200
    session = client.session
    session["staff_last_seen"] = int(time.time()) - settings.STAFF_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_busy_staff_are_signed_out_after_eight_hours(client, reception):
    client.force_login(reception)
    client.get(reverse("admin:index"))
    session = client.session
    session["staff_since"] = int(time.time()) - 8 * 3600 - 5
    session.save()
    assert client.get(reverse("admin:index")).status_code == 302


def test_active_staff_stay_signed_in(client, reception):
    client.force_login(reception)
    for _ in range(3):
        assert client.get(reverse("admin:index")).status_code == 200


def test_changing_the_password_signs_out_every_other_session(reception):
    here, elsewhere = Client(), Client()
    here.force_login(reception)
    elsewhere.force_login(reception)
    response = here.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "uusi-salasana-2026!",
            "new_password2": "uusi-salasana-2026!",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("admin:index")).status_code == 200
    assert elsewhere.get(reverse("admin:index")).status_code == 302
