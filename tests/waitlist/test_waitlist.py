"""The waiting list: joining with clear refusals, freed times offered to all fitting entries at
once, the first to book wins (racing, real commits), the later booking replaced, leaving."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import book_appointment, cancel_appointment
from notifications.models import OutboxMessage
from tests.concurrency import at_once
from tests.factories import at, client_details, make_practitioner, make_service, next_open_weekday
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.services import WaitlistError, book_from_offer, join_waitlist, leave_waitlist, offer_free_times

pytestmark = pytest.mark.django_db


def join(service, day, n, **extra):
    return join_waitlist(
        service=service,
        practitioner=None,
        first_day=day,
        last_day=day,
        **{**client_details(n), **extra},
    )


def full_day(service, vet, day):
    """Every time of the day booked (one practitioner, 30-minute service, 08–11.30 and 12–16)."""
    bookings = []
    start = at(day, 8)
    while start < at(day, 16):
        if not at(day, 11, 30) <= start < at(day, 12):
            bookings.append(
                book_appointment(
                    service=service, start=start, **client_details(900 + len(bookings))
                ).appointment
            )
        start += timedelta(minutes=30)
    return bookings


def offer_links() -> list[str]:
    """The offer links emailed: sent ones (after a commit) and those still in the outbox."""
    texts = [m.body for m in mail.outbox] + list(
        OutboxMessage.objects.filter(kind="waitlist_offer", channel="email").values_list(
            "body_text", flat=True
        )
    )
    return [
        re.search(r"/waitlist/offer/[^/\s]+/", text).group(0) for text in texts if "/waitlist/offer/" in text
    ]


@pytest.fixture
def busy_day():
    vet = make_practitioner("Aino Virtanen")
    service = make_service([vet], name="Rokotus", duration=30, slot_step=30)
    day = next_open_weekday()
    return service, vet, day, full_day(service, vet, day)


def test_joining_refuses_past_or_too_long_ranges_and_landlines(busy_day):
    service, _, day, _ = busy_day
    today = timezone.localdate()
    for first, last in (
        (today - timedelta(days=5), today),
        (day, today + timedelta(days=service.max_days_ahead + 5)),
    ):
        with pytest.raises(ValidationError):
            join_waitlist(
                service=service, practitioner=None, first_day=first, last_day=last, **client_details(1)
            )
    with pytest.raises(ValidationError):
        join(service, day, 2, sms_opt_in=True, phone="09 123 4567")
    service.bookable_online = False
    service.save()
    with pytest.raises(WaitlistError):
        join(service, day, 3)
    assert not WaitlistEntry.objects.exists()


def test_a_freed_time_is_offered_to_every_fitting_client_at_once_and_only_once(busy_day):
    service, _, day, bookings = busy_day
    for n in range(3):
        join(service, day, n)
    assert offer_free_times() == 0  # nothing free yet
    mail.outbox.clear()
    cancel_appointment(appointment=bookings[2], by_client=False)
    assert offer_free_times() == 3
    assert len(offer_links()) == 3
    assert set(WaitlistOffer.objects.values_list("start", flat=True)) == {bookings[2].start}
    assert offer_free_times() == 0  # not offered again


@pytest.mark.django_db(transaction=True)
def test_two_waiting_clients_click_at_once_one_gets_the_time_nobody_double_books(busy_day):
    service, _, day, bookings = busy_day
    for n in range(3):
        join(service, day, n)
    cancel_appointment(appointment=bookings[4], by_client=False)
    offer_free_times()
    tokens = [link.rstrip("/").rsplit("/", 1)[1] for link in offer_links()]
    results = at_once([lambda t=t: book_from_offer(token=t) for t in tokens[:2]])
    assert sorted(type(r).__name__ for r in results) == ["Booked", "SlotTaken"]
    at_that_time = Appointment.objects.active().filter(start=bookings[4].start)
    assert at_that_time.count() == 1
    assert WaitlistEntry.objects.count() == 2  # the quick one left the list, the other stayed


def test_booking_from_the_list_cancels_the_later_booking_when_asked(busy_day):
    service, vet, day, bookings = busy_day
    later = book_appointment(
        service=service, start=at(day + timedelta(days=1), 9), **client_details(50)
    ).appointment
    join(service, day, 50, replaces=later)
    cancel_appointment(appointment=bookings[0], by_client=False)
    offer_free_times()
    [link] = offer_links()
    booked = book_from_offer(token=link.rstrip("/").rsplit("/", 1)[1])
    later.refresh_from_db()
    assert booked.appointment.start == bookings[0].start and later.status == Appointment.Status.CANCELLED
    assert not WaitlistEntry.objects.exists()


def test_entries_end_with_their_days_and_the_leave_link_removes_them(busy_day):
    service, _, day, _ = busy_day
    joined = join(service, day, 7)
    assert leave_waitlist(token=joined.token) is True and not WaitlistEntry.objects.exists()
    assert leave_waitlist(token=joined.token) is False
    join(service, day, 8)
    offer_free_times(now=at(day + timedelta(days=1), 12))
    assert not WaitlistEntry.objects.exists()


def test_the_offer_page_books_only_on_the_button_and_says_when_someone_was_quicker(
    client, busy_day, settings
):
    settings.RATE_LIMITS_ENABLED = False
    service, _, day, bookings = busy_day
    join(service, day, 1)
    join(service, day, 2)
    cancel_appointment(appointment=bookings[3], by_client=False)
    offer_free_times()
    first, second = offer_links()
    assert client.get(first).status_code == 200  # opening the link (or a mail scanner) books nothing
    assert Appointment.objects.active().filter(start=bookings[3].start).count() == 0
    response = client.post(first)
    assert response.status_code == 302 and "/manage/" in response["Location"]
    taken = client.post(second)
    assert taken.status_code == 409 and WaitlistEntry.objects.count() == 1
    assert client.get(reverse("online:waitlist_offer", args=["no-such-offer"])).status_code == 404


def test_joining_from_the_page(client, busy_day, settings):
    settings.RATE_LIMITS_ENABLED = False
    service, _, day, _ = busy_day
    url = reverse("online:waitlist_join", args=[service.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"first_day": "2000-01-01", "last_day": "2000-01-02", **client_details(5)})
    assert bad.status_code == 400 and not WaitlistEntry.objects.exists()
    good = client.post(url, {"first_day": day.isoformat(), "last_day": day.isoformat(), **client_details(5)})
    assert good.status_code == 200 and WaitlistEntry.objects.count() == 1
    assert "/waitlist/leave/" in OutboxMessage.objects.get(kind="waitlist_joined").body_text


def test_staff_see_counts_per_day_and_only_roles_that_see_customers_see_names(
    client, busy_day, reception, practitioner_user
):
    from auditlog.models import LogEntry

    service, _, day, _ = busy_day
    join(service, day, 31, name="Wilma Waiting")
    url = reverse("admin:waitlist_waitlistentry_changelist")
    client.force_login(practitioner_user)
    page = client.get(url).content.decode()
    assert service.name in page and "Wilma" not in page  # counts, no names
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    client.force_login(reception)
    page = client.get(url).content.decode()
    assert "Wilma Waiting" in page
    entry = WaitlistEntry.objects.get()
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(entry.pk)).count() == 1


def test_a_client_cancelling_online_offers_the_time_at_once(client, busy_day, settings):
    from bookings.tokens import manage_token

    settings.RATE_LIMITS_ENABLED = False
    service, _, day, bookings = busy_day
    join(service, day, 41)
    mail.outbox.clear()
    booking = bookings[5]
    client.post(reverse("online:manage_cancel", args=[booking.reference, manage_token(booking.reference)]))
    assert WaitlistOffer.objects.get().start == booking.start  # no wait for the minutely command
