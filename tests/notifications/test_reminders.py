"""Reminders go once, the day before, only for confirmed visits; staff notices carry no client data."""

from datetime import date, datetime, time, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings.emails import send_due_reminders
from bookings.models import Appointment
from bookings.services import book_appointment, cancel_appointment, move_appointment
from notifications.models import OutboxMessage
from tests.factories import at, client_details, make_appointment, make_customer

pytestmark = pytest.mark.django_db
HELSINKI = ZoneInfo("Europe/Helsinki")


def reminders():
    return OutboxMessage.objects.filter(kind="booking_reminder")


def booked_long_ago(service, practitioner, start, **fields):
    return make_appointment(service, practitioner, start, created_at=start - timedelta(days=10), **fields)


def test_reminder_goes_once_within_the_day_before_with_the_manage_link(checkup, vet, open_day, settings):
    settings.PUBLIC_URL = "https://www.inuvet.fi/ajanvaraus/"
    appointment = booked_long_ago(checkup, vet, at(open_day, 9), language="sv")
    assert send_due_reminders(now=at(open_day, 9) - timedelta(hours=25)) == 0  # not yet
    assert send_due_reminders(now=at(open_day, 9) - timedelta(hours=23)) == 1
    assert send_due_reminders(now=at(open_day, 9) - timedelta(hours=22)) == 0  # once
    message = reminders().get()
    assert message.recipient == appointment.customer.email
    assert f"/manage/{appointment.reference}/" in message.body_text
    assert message.subject.startswith("Påminnelse")


def test_a_reminder_past_the_change_deadline_says_to_call_not_to_use_the_link(checkup, vet, open_day):
    booked_long_ago(checkup, vet, at(open_day, 9))  # cut-off 24 hours: the reminder comes after it
    send_due_reminders(now=at(open_day, 9) - timedelta(hours=23))
    message = reminders().get()
    assert "soita meille numeroon 040 085 4343" in message.body_text
    assert "peru tai siirrä varaus henkilökohtaisella linkilläsi" not in message.body_text.lower()
    assert 'href="tel:+358400854343"' in message.body_html


def test_a_reminder_before_the_change_deadline_says_until_when(checkup, vet, open_day):
    checkup.cancel_cutoff = 2
    checkup.save()
    booked_long_ago(checkup, vet, at(open_day, 9))
    send_due_reminders(now=at(open_day, 9) - timedelta(hours=23))
    assert "viimeistään" in reminders().get().body_text


def test_no_reminder_for_cancelled_erased_or_just_booked_visits(checkup, vet, open_day):
    cancelled = booked_long_ago(checkup, vet, at(open_day, 9), status="cancelled")
    erased = booked_long_ago(checkup, vet, at(open_day, 10), customer=None)
    just_booked = make_appointment(
        checkup, vet, at(open_day, 11), created_at=at(open_day, 11) - timedelta(hours=3)
    )
    assert send_due_reminders(now=at(open_day, 8)) == 0
    assert not reminders().exists()
    assert cancelled.pk and erased.pk and just_booked.pk


def test_a_moved_visit_gets_a_reminder_for_its_new_time_not_the_old(checkup, vet, open_day):
    appointment = booked_long_ago(checkup, vet, at(open_day, 9))
    send_due_reminders(now=at(open_day, 9) - timedelta(hours=20))
    move_appointment(
        appointment=appointment,
        start=at(open_day, 15),
        by_client=False,
        now=at(open_day, 9) - timedelta(hours=19),
    )
    assert send_due_reminders(now=at(open_day, 9) - timedelta(hours=18)) == 1
    assert reminders().count() == 2


def test_reminders_across_the_dst_change_go_once_at_the_right_local_time(checkup, vet, settings):
    # Sunday 2027-03-28: the clocks go 03:00 → 04:00. A visit at 09:00 that Sunday, hourly runs.
    sunday = date(2027, 3, 28)
    start = datetime.combine(sunday, time(9), tzinfo=HELSINKI)
    appointment = booked_long_ago(checkup, vet, start)
    sent_at = []
    now = datetime.combine(sunday - timedelta(days=2), time(0), tzinfo=HELSINKI).astimezone(ZoneInfo("UTC"))
    while now < start:
        if send_due_reminders(now=now):
            sent_at.append(now.astimezone(HELSINKI))
        now += timedelta(hours=1)
    assert len(sent_at) == 1
    utc = ZoneInfo("UTC")  # real elapsed time: aware datetimes in one zone subtract by the wall clock
    assert start.astimezone(utc) - sent_at[0].astimezone(utc) == timedelta(
        hours=settings.REMINDER_HOURS_BEFORE
    )
    assert sent_at[0].hour == 8 and sent_at[0].date() == sunday - timedelta(
        days=1
    )  # 24 real hours: 08:00 EET
    appointment.refresh_from_db()
    assert appointment.reminded_for == start


def test_send_reminders_command_says_what_it_did(checkup, vet):
    booked_long_ago(checkup, vet, timezone.now() + timedelta(hours=5))
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 queued" in out.getvalue()


class _ThreadThatNeverRuns:
    """A background sender whose process ends before it gets to send (what cron saw)."""

    started = []

    def __init__(self, *args, target, **kwargs):
        self.target = target

    def start(self):
        self.started.append(self.target)


@pytest.mark.django_db(transaction=True)
def test_send_reminders_sends_every_reminder_before_it_returns(checkup, vet, settings, monkeypatch):
    settings.OUTBOX_DELIVERY = "thread"  # production's default: a page never waits for the mail server
    monkeypatch.setattr("notifications.services.threading.Thread", _ThreadThatNeverRuns)
    _ThreadThatNeverRuns.started.clear()
    for n in range(10):
        booked_long_ago(checkup, vet, timezone.now() + timedelta(hours=2, minutes=30 * n))
    call_command("send_reminders", stdout=StringIO())
    assert len(mail.outbox) == 10 and not _ThreadThatNeverRuns.started
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()


def test_reception_is_told_of_an_online_cancellation_within_24_hours_without_client_data(
    checkup, vet, settings, django_capture_on_commit_callbacks
):
    settings.RECEPTION_EMAIL = "reception@inuvet.fi"
    checkup.cancel_cutoff = 2
    checkup.save()
    customer = make_customer(name="Private Person", email="private@example.com")
    soon = make_appointment(checkup, vet, timezone.now() + timedelta(hours=10), customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(appointment=soon, by_client=True)
    notice = [m for m in mail.outbox if m.to == ["reception@inuvet.fi"]]
    assert len(notice) == 1 and soon.display_reference in notice[0].subject
    assert "Private" not in notice[0].body and "private@" not in notice[0].body


def test_no_reception_notice_for_later_cancellations(checkup, vet, open_day):
    appointment = book_appointment(service=checkup, start=at(open_day, 9), **client_details()).appointment
    cancel_appointment(appointment=appointment, by_client=True)
    assert not OutboxMessage.objects.filter(kind="reception_cancellation").exists()
    assert Appointment.objects.get().status == "cancelled"
