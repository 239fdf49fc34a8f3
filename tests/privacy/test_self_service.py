"""Self-service: the privacy notice, the manage link's data actions, and the one-time link."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from bookings.tokens import manage_token
from customers.models import Customer
from notifications.models import OutboxMessage
from privacy.models import ConsentRecord, DataSubjectRequest, ErasureReceipt, VerificationLink
from tests.factories import at, make_appointment, make_customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, law", [("fi", "1050/2018"), ("sv", "1050/2018"), ("en", "1050/2018")])
def test_privacy_notice_in_each_language_names_the_controller_and_current_law(
    client, settings, language, law
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("privacy:notice")).content.decode()
    for value in (
        "Inuvet Oy",
        "3178068-7",
        "Härkikuja 1B",
        "inuvet@inuvet.fi",
        "040 085 4343",
        "tel:+358400854343",
        "Noora Vahvelainen",
    ):
        assert value in page
    assert law in page and "2016/679" in page and "523/1999" not in page
    assert "tietosuoja.fi" in page


@pytest.fixture
def booked(checkup, vet, open_day):
    customer = make_customer(name="Selma Self", phone="+358406660000", email="selma@example.com")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer)
    return appointment, manage_token(appointment.reference)


def test_client_corrects_their_details_from_the_manage_link(client, booked):
    appointment, token = booked
    url = reverse("online:manage_correct", args=[appointment.reference, token])
    assert "Selma Self" in client.get(url).content.decode()
    bad = client.post(url, {"name": "", "phone": "nope", "email": "x"})
    assert bad.status_code == 200 and Customer.objects.get().name == "Selma Self"
    client.post(url, {"name": "Selma Corrected", "phone": "040 666 0001", "email": "SELMA2@example.com"})
    customer = Customer.objects.get()
    # Name and phone at once; the new address only when its holder uses the link sent to it.
    assert (customer.name, customer.phone, customer.email, customer.pending_email) == (
        "Selma Corrected",
        "+358406660001",
        "selma@example.com",
        "selma2@example.com",
    )
    message = OutboxMessage.objects.get(kind="email_change_confirm")
    assert message.recipient == "selma2@example.com"
    link = re.search(r"/manage/\S+/email/\S+/", message.body_text).group(0)
    assert client.get(link).status_code == 200 and Customer.objects.get().email == "selma@example.com"
    client.post(link)
    customer = Customer.objects.get()
    assert (customer.email, customer.pending_email) == ("selma2@example.com", "")
    assert customer.email_confirmed_at is not None
    assert client.post(link).status_code == 404  # used


def test_client_withdraws_marketing_consent(client, booked):
    appointment, token = booked
    ConsentRecord.objects.create(
        customer=appointment.customer, purpose="marketing", given=True, text="t", language="fi", source="x"
    )
    page = client.get(reverse("online:manage", args=[appointment.reference, token])).content.decode()
    assert reverse("online:manage_consent", args=[appointment.reference, token]) in page
    client.post(reverse("online:manage_consent", args=[appointment.reference, token]))
    latest = ConsentRecord.objects.order_by("-pk").first()
    assert latest.given is False and latest.text


def test_client_erases_their_data_after_confirming_the_cancellation(client, booked):
    appointment, token = booked
    url = reverse("online:manage_erase", args=[appointment.reference, token])
    confirm = client.get(url).content.decode()
    assert appointment.display_reference in confirm  # the upcoming visit that will be cancelled
    client.post(url)  # no confirmation: nothing happens
    assert Customer.objects.exists()
    done = client.post(url, {"confirm": "yes"})
    assert done.status_code == 200 and not Customer.objects.exists()
    assert ErasureReceipt.objects.get().reason == "self_service"
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert client.get(reverse("online:manage", args=[appointment.reference, token])).status_code == 404
    assert DataSubjectRequest.objects.get(kind="erasure").channel == "web"


def test_one_time_link_for_a_client_without_a_booking_link(
    client, booked, django_capture_on_commit_callbacks
):
    appointment, _ = booked
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("privacy:request"), {"email": "Selma@Example.com"})
        unknown = client.post(reverse("privacy:request"), {"email": "nobody@example.com"})
    strip = lambda r: re.sub(r'value="[^"]{40,}"', "", r.content.decode())  # noqa: E731 - CSRF tokens differ
    assert strip(known) == strip(unknown)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["selma@example.com"]
    link = re.search(r"https?://\S+/privacy/verify/\S+/", mail.outbox[0].body).group(0)
    path = (
        "/" + link.split("/", 3)[3].split("/", 1)[1]
        if "/ajanvaraus/" in link
        else "/" + link.split("/", 3)[3]
    )
    assert (
        client.get(path).status_code == 200 and client.get(path).status_code == 200
    )  # opening spends nothing
    page = client.post(path)
    assert page.status_code == 200 and appointment.display_reference in page.content.decode()
    assert client.post(path).status_code == 410  # used once
    grant = re.search(r'name="grant" value="([^"]+)"', page.content.decode()).group(1)
    export = client.post(reverse("privacy:verified_export"), {"grant": grant})
    assert export["Content-Type"] == "application/zip"
    assert client.post(reverse("privacy:verified_erase"), {"grant": grant + "x"}).status_code == 410
    client.post(reverse("privacy:verified_erase"), {"grant": grant, "confirm": "yes"})
    assert not Customer.objects.exists()


def test_expired_or_unknown_links_are_refused(client, booked):
    from django.utils import timezone

    VerificationLink.objects.create(
        token_hash="0" * 64,
        email="selma@example.com",
        expires_at=timezone.now() - timezone.timedelta(minutes=1),
    )
    assert client.post(reverse("privacy:verify", args=["made-up-token"])).status_code == 410


def test_a_booking_made_with_someone_elses_email_reaches_none_of_their_data(client, checkup, vet, open_day):
    from bookings.services import book_appointment

    victim = make_customer(name="Vera Victim", phone="+358401234000", email="vera@example.com")
    make_appointment(checkup, vet, at(open_day, 9), customer=victim, message="Vera's cat, thyroid")
    # The attacker books with Vera's exact name, phone and email.
    attack = book_appointment(
        service=checkup,
        start=at(open_day, 13),
        name="Vera Victim",
        phone="040 1234000",
        email="vera@example.com",
    ).appointment
    assert attack.customer_id != victim.pk
    token = manage_token(attack.reference)
    export = client.post(reverse("online:manage_export", args=[attack.reference, token]))
    assert b"thyroid" not in export.content and b"thyroid" not in zlib_free(export.content)
    client.post(reverse("online:manage_erase", args=[attack.reference, token]), {"confirm": "yes"})
    assert Customer.objects.filter(pk=victim.pk).exists()
    client.post(
        reverse("online:manage_correct", args=[attack.reference, token]),
        {"name": "X", "phone": "0401111111", "email": "x@example.com"},
    )
    victim.refresh_from_db()
    assert victim.name == "Vera Victim"


def zlib_free(content: bytes) -> bytes:
    """The uncompressed files of a zip, for searching."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_a_booking_made_with_someones_address_neither_shows_nor_changes_their_consent(
    client, checkup, vet, open_day
):
    """The consent hijack: booking with another person's address (or changing one's address to
    it) must not show their marketing consent, nor let anyone withdraw or give it."""
    from privacy.services import consenting_customers

    victim = make_appointment(checkup, vet, at(open_day, 9), customer=make_customer(email="vera@example.com"))
    ConsentRecord.objects.create(
        customer=victim.customer, purpose="marketing", given=True, text="t", language="fi", source="x"
    )
    attacker = make_appointment(
        checkup, vet, at(open_day, 10), customer=make_customer(email="vera@example.com")
    )
    page = client.get(reverse("online:manage", args=[attacker.reference, manage_token(attacker.reference)]))
    assert reverse(
        "online:manage_consent", args=[attacker.reference, manage_token(attacker.reference)]
    ) not in (page.content.decode())
    client.post(reverse("online:manage_consent", args=[attacker.reference, manage_token(attacker.reference)]))
    assert [c.email for c in consenting_customers()] == ["vera@example.com"]
    # Nor can the attacker give consent in the victim's name: the box only sends the victim a link.
    assert ConsentRecord.objects.count() == 1


def test_expired_verification_links_are_removed_by_the_daily_command():
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    VerificationLink.objects.create(
        token_hash="1" * 64, email="old@example.com", expires_at=timezone.now() - timezone.timedelta(days=2)
    )
    fresh = VerificationLink.objects.create(
        token_hash="2" * 64, email="new@example.com", expires_at=timezone.now() + timezone.timedelta(hours=1)
    )
    out = StringIO()
    call_command("privacy_deadlines", stdout=out)
    assert list(VerificationLink.objects.all()) == [fresh] and "removed: 1" in out.getvalue()


def test_asking_for_ones_data_answers_the_same_whether_or_not_data_exists(
    client, booked, settings, monkeypatch
):
    """Same status, same page, same database work: what is found is handled after the response."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from privacy import views

    settings.OUTBOX_DELIVERY = "thread"
    email_on_record = booked[0].customer.email
    handed_over = []
    monkeypatch.setattr(views, "after_response", lambda function, **kwargs: handed_over.append(kwargs))
    answers = []
    for email in (email_on_record, "nobody-here@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("privacy:request"), {"email": email})
        # The page names no address; CSRF tokens are masked afresh on every page.
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        # Which tables were read and written, in order (times and savepoint names vary).
        shapes = [re.sub(r"'[^']*'|\"s\d+_x\d+\"|[\d.e+-]{6,}", "?", q["sql"]) for q in queries]
        answers.append((response.status_code, page, shapes))
    assert answers[0] == answers[1]
    assert [kwargs["email"] for kwargs in handed_over] == [email_on_record, "nobody-here@example.com"]


@pytest.mark.django_db(transaction=True)
def test_the_link_is_sent_after_the_response_when_data_exists(client, settings):
    import time

    from django.core import mail

    settings.OUTBOX_DELIVERY = "thread"
    make_customer(email="after@example.com")
    response = client.post(reverse("privacy:request"), {"email": "after@example.com"})
    assert response.status_code == 200
    for _ in range(100):
        if mail.outbox:
            break
        time.sleep(0.05)
    assert [m.to for m in mail.outbox] == [["after@example.com"]]
    client.post(reverse("privacy:request"), {"email": "nobody-at-all@example.com"})
    time.sleep(0.5)
    assert len(mail.outbox) == 1


def test_a_valid_one_time_link_opens_after_the_address_used_up_its_guesses(client, booked, settings):
    from privacy.services import send_verification_link

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "manage": (3, 3600)}
    send_verification_link(email="selma@example.com", language="fi")
    token = re.search(
        r"/privacy/verify/([^/\s]+)/", OutboxMessage.objects.get(kind="privacy_verification").body_text
    )
    answers = [client.post(reverse("privacy:verify", args=[f"guess-{n}"])).status_code for n in range(5)]
    assert answers == [410, 410, 410, 429, 429]
    opened = client.post(reverse("privacy:verify", args=[token.group(1)]))
    assert opened.status_code == 200
