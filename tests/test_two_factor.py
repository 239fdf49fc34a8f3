"""Second factor for staff: enrolment with a QR code, codes at sign-in, recovery codes."""

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def required(settings):
    settings.STAFF_REQUIRE_2FA = True
    # django-otp slows down retries after a wrong code; these tests check codes, not timing.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def sign_in(client, username):
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(reverse("admin:index"))


def current_code(user) -> str:
    """The app's code now. A code is good once; as if 30 s had passed, the last use is forgotten."""
    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def code_for_key(secret: str) -> str:
    """What an authenticator app shows for the key on the setup page."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def enrol(client, user) -> list[str]:
    page = client.get(reverse("admin:otp_setup")).content.decode()
    assert "<svg" in page and "otpauth" not in page
    assert not TOTPDevice.objects.filter(user=user).exists()  # nothing stored before the code is right
    secret = re.search(r'<code class="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post(reverse("admin:otp_setup"), {"code": code_for_key(secret)})
    return re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())


def test_the_dpo_must_enrol_before_reaching_any_staff_page(client, dpo):
    response = sign_in(client, "dpo")
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:otp_setup"))
    assert client.get(reverse("admin:privacy_find")).status_code == 302
    assert client.post(reverse("admin:otp_setup"), {"code": "000000"}).status_code == 200  # wrong code
    codes = enrol(client, dpo)
    assert len(codes) == 10
    assert client.get(reverse("admin:privacy_find")).status_code == 200


def test_enrolled_staff_give_a_code_at_every_sign_in_and_recovery_codes_work_once(client, administrator):
    sign_in(client, "admin")
    codes = enrol(client, administrator)
    client.post(reverse("admin:logout"))
    response = sign_in(client, "admin")
    assert response["Location"].startswith(reverse("admin:otp_verify"))
    wrong = client.post(reverse("admin:otp_verify"), {"code": "123456"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    assert client.post(reverse("admin:otp_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("admin:logout"))
    sign_in(client, "admin")
    assert client.post(reverse("admin:otp_verify"), {"code": codes[0]}).status_code == 200  # used up
    assert client.post(reverse("admin:otp_verify"), {"code": current_code(administrator)}).status_code == 302


def test_other_staff_may_enrol_but_need_not(client, reception):
    assert sign_in(client, "reception").status_code == 200
    enrol(client, reception)
    client.post(reverse("admin:logout"))
    assert sign_in(client, "reception")["Location"].startswith(reverse("admin:otp_verify"))


def test_demo_mode_does_not_ask_the_dpo_for_a_second_factor(client, dpo, settings):
    settings.STAFF_REQUIRE_2FA = False
    assert sign_in(client, "dpo").status_code == 200


def test_the_next_address_cannot_send_the_user_elsewhere(client, reception):
    sign_in(client, "reception")
    enrol(client, reception)
    client.post(reverse("admin:logout"))
    sign_in(client, "reception")
    response = client.post(
        reverse("admin:otp_verify"), {"code": current_code(reception), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("admin:index")


def test_administrator_resets_a_lost_second_factor(client, reception, settings):
    from django.contrib.auth import get_user_model
    from django_otp import user_has_device

    settings.STAFF_REQUIRE_2FA = False
    sign_in(client, "reception")
    enrol(client, reception)
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [reception.pk]},
    )
    assert not user_has_device(reception)


def test_wrong_codes_are_slowed_down(client, reception, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    sign_in(client, "reception")
    enrol(client, reception)
    client.post(reverse("admin:logout"))
    sign_in(client, "reception")
    client.post(reverse("admin:otp_verify"), {"code": "000000"})
    slowed = client.post(reverse("admin:otp_verify"), {"code": current_code(reception)})
    assert slowed.status_code == 200 and "errorlist" in slowed.content.decode()


def test_a_stolen_password_cannot_replace_the_owners_app(client, dpo):
    sign_in(client, "dpo")
    enrol(client, dpo)
    original = TOTPDevice.objects.get(user=dpo)
    client.post(reverse("admin:logout"))
    sign_in(client, "dpo")  # the password only
    page = client.get(reverse("admin:otp_setup"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("admin:otp_verify"))
    assert client.post(reverse("admin:otp_setup"), {"code": "123456"}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=dpo)) == [original]
    assert client.get(reverse("admin:privacy_find")).status_code == 302


def test_a_role_that_needs_the_second_factor_takes_effect_at_once(client, reception):
    from inuvet import roles

    assert sign_in(client, "reception").status_code == 200
    roles.assign(reception, roles.DATA_PROTECTION_OFFICER)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:otp_setup"))


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\/evil"],
)
def test_no_next_address_leads_off_the_site_after_enrolment_or_verification(client, reception, target):
    sign_in(client, "reception")
    page = client.get(reverse("admin:otp_setup"), {"next": target}).content.decode()
    secret = re.search(r'<code class="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    done = client.post(reverse("admin:otp_setup"), {"code": code_for_key(secret), "next": target})
    continue_link = re.search(r'<a class="button default" href="([^"]+)"', done.content.decode()).group(1)
    assert continue_link == reverse("admin:index"), continue_link
    client.post(reverse("admin:logout"))
    sign_in(client, "reception")
    response = client.post(reverse("admin:otp_verify"), {"code": current_code(reception), "next": target})
    assert response["Location"] == reverse("admin:index")


def test_a_next_address_on_the_site_is_kept(client, reception):
    sign_in(client, "reception")
    enrol(client, reception)
    client.post(reverse("admin:logout"))
    sign_in(client, "reception")
    calendar = reverse("admin:calendar")
    response = client.post(reverse("admin:otp_verify"), {"code": current_code(reception), "next": calendar})
    assert response["Location"] == calendar
