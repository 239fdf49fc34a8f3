"""Manage my booking: the personal link, cancel, move, calendar file, lookup, and abuse limits."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import book_appointment
from bookings.tokens import manage_token
from tests.factories import at, client_details, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(checkup, open_day):
    return book_appointment(
        service=checkup, start=at(open_day, 9), **client_details(), message="Koira ontuu", language="fi"
    ).appointment


def link(appointment, name="online:manage", **kwargs):
    return reverse(
        name,
        kwargs={"reference": appointment.reference, "token": manage_token(appointment.reference), **kwargs},
    )


def test_manage_page_shows_the_booking_and_is_never_cached(client, booking):
    response = client.get(link(booking))
    page = response.content.decode()
    assert response.status_code == 200
    assert booking.display_reference in page and booking.customer.name in page and "Koira ontuu" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda ref, token: f"/manage/{ref}/{'a' * 32}/",  # guessed token
        lambda ref, token: (
            f"/manage/{ref}/{token[:-1]}a/" if token[-1] != "a" else f"/manage/{ref}/{token[:-1]}b/"
        ),
        lambda ref, token: f"/manage/ACDEFH/{token}/",  # another reference
        lambda ref, token: f"/manage/{ref}/{token.upper()}/",  # not a token's alphabet
        lambda ref, token: f"/manage/{ref}/{token}x/",
    ],
)
def test_wrong_links_reveal_nothing(client, booking, mangle):
    response = client.get(mangle(booking.reference, manage_token(booking.reference)))
    assert response.status_code == 404
    assert booking.customer.name not in response.content.decode()


def test_reference_in_the_link_is_case_insensitive(client, booking):
    url = f"/manage/{booking.reference.lower()}/{manage_token(booking.reference)}/"
    assert client.get(url).status_code == 200


def test_wrong_links_are_rate_limited_per_client(client, booking, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "manage": (3, 3600)}
    for _ in range(3):
        assert client.get(f"/manage/{booking.reference}/{'a' * 32}/").status_code == 404
    assert client.get(f"/manage/{booking.reference}/{'a' * 32}/").status_code == 429
    assert client.get(link(booking)).status_code == 200  # the right link is always served
    other_client = {"REMOTE_ADDR": "10.0.0.9"}
    assert client.get(f"/manage/{booking.reference}/{'a' * 32}/", **other_client).status_code == 404


def test_rate_limits_can_be_switched_off(client, booking, settings):
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "manage": (1, 3600)}
    for _ in range(3):
        client.get(f"/manage/{booking.reference}/{'a' * 32}/")
    assert client.get(link(booking)).status_code == 200


def test_cancel_needs_a_confirming_post(client, booking, django_capture_on_commit_callbacks):
    page = client.get(link(booking, "online:manage_cancel")).content.decode()
    assert 'method="post"' in page
    booking.refresh_from_db()
    assert booking.status == "confirmed"  # GET changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link(booking, "online:manage_cancel"))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.CANCELLED
    assert mail.outbox[-1].subject.count(booking.display_reference) == 1
    page = client.get(link(booking)).content.decode()
    assert "cancel" in page.lower() or "peru" in page.lower()


def test_cancel_after_the_cutoff_says_to_call_the_clinic(client, checkup, booking):
    soon = timezone.now() + timedelta(hours=2)
    Appointment.objects.filter(pk=booking.pk).update(
        start=soon,
        end=soon + timedelta(minutes=30),
        occupied_start=soon,
        occupied_end=soon + timedelta(minutes=30),
    )
    page = client.get(link(booking)).content.decode()
    assert '<a href="tel:+358400854343" class="phone">040 085 4343</a>' in page
    assert (
        reverse("online:manage_cancel", args=[booking.reference, manage_token(booking.reference)]) not in page
    )
    client.post(link(booking, "online:manage_cancel"))
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_move_to_another_free_time(client, booking, open_day, django_capture_on_commit_callbacks):
    picker = client.get(link(booking, "online:manage_move"), {"week": open_day.isoformat()}).content.decode()
    new_start = at(open_day, 13)
    confirm = link(booking, "online:manage_move_confirm", start=new_start)
    assert confirm in picker
    assert (
        link(booking, "online:manage_move_confirm", start=at(open_day, 9, 15)) in picker
    )  # overlaps itself: fine
    client.get(confirm)
    booking.refresh_from_db()
    assert booking.start == at(open_day, 9)  # GET changed nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm)
    assert response["Location"] == link(booking)
    booking.refresh_from_db()
    assert booking.start == new_start
    assert booking.display_reference in mail.outbox[-1].subject
    assert mail.outbox[-1].attachments


def test_move_to_a_taken_time_returns_to_the_picker_with_a_message(client, checkup, booking, open_day):
    book_appointment(service=checkup, start=at(open_day, 13), **client_details())
    response = client.post(link(booking, "online:manage_move_confirm", start=at(open_day, 13)), follow=True)
    assert "just taken" in response.content.decode() or "juuri varattu" in response.content.decode()
    booking.refresh_from_db()
    assert booking.start == at(open_day, 9)


def test_move_to_a_forged_time_is_refused(client, booking, open_day):
    client.post(link(booking, "online:manage_move_confirm", start=at(open_day, 9, 7)))
    client.post(link(booking, "online:manage_move_confirm", start=at(open_day, 3)))
    end_of_time = f"/manage/{booking.reference}/{manage_token(booking.reference)}/move/99991231T2300Z/"
    assert client.post(end_of_time).status_code == 404
    booking.refresh_from_db()
    assert booking.start == at(open_day, 9)


def test_calendar_file_download(client, booking):
    response = client.get(link(booking, "online:manage_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "DTSTART" in body and booking.reference in body


def test_lookup_emails_the_link_to_the_address_on_the_booking(
    client, booking, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matching = client.post(
            reverse("online:lookup"),
            {"reference": booking.display_reference.lower(), "contact": booking.customer.email.upper()},
        )
    assert mail.outbox[-1].to == [booking.customer.email]
    assert manage_token(booking.reference) in mail.outbox[-1].body
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        wrong_email = client.post(
            reverse("online:lookup"), {"reference": booking.reference, "contact": "attacker@example.com"}
        )
        unknown = client.post(
            reverse("online:lookup"), {"reference": "ACDEFH", "contact": booking.customer.email}
        )
    assert len(mail.outbox) == sent
    pages = {
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())
        for r in (matching, wrong_email, unknown)
    }
    assert len(pages) == 1


def test_lookup_form_errors_and_rate_limit(client, booking, settings):
    response = client.post(reverse("online:lookup"), {"reference": "hello", "email": "x"})
    assert response.status_code == 200 and "K7M-4QX" in response.content.decode()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "lookup": (2, 3600)}
    cache.clear()
    for _ in range(2):
        client.post(reverse("online:lookup"), {"reference": "ACDEFH", "email": "a@example.com"})
    assert (
        client.post(reverse("online:lookup"), {"reference": "ACDEFH", "email": "a@example.com"}).status_code
        == 429
    )


def test_booking_posts_are_rate_limited(client, checkup, open_day, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (2, 3600)}
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    for _ in range(2):
        client.post(url, {"name": ""})
    response = client.post(url, {"name": ""})
    assert response.status_code == 429
    assert client.get(url).status_code == 200  # reading is never limited


def test_erased_link_stops_working(client, booking):
    Appointment.objects.filter(pk=booking.pk).update(manage_token_hash=None)
    assert client.get(link(booking)).status_code == 404


def test_unknown_service_id_and_other_services_time_do_not_leak(client, booking, vet, open_day):
    other = make_service([vet], name="Other")
    url = reverse(
        "online:details", kwargs={"service_id": other.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    response = client.get(url, follow=True)
    assert booking.customer.name not in response.content.decode()


def test_links_survive_a_secret_key_rotation_and_later_emails_repeat_them(client, booking, settings):
    from bookings.emails import manage_url

    old_link = link(booking)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 50
    assert client.get(old_link).status_code == 200
    assert manage_url(booking).endswith(old_link)
