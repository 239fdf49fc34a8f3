"""The outbox: written with the change, sent after commit, retried, sent exactly once."""

import smtplib
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bookings.services import book_appointment
from bookings.tokens import manage_token
from notifications.models import OutboxMessage
from notifications.services import MAX_ATTEMPTS, deliver_due, purge_delivered, queue_message
from tests.concurrency import at_once
from tests.factories import at, client_details
from tests.servers import free_port

pytestmark = pytest.mark.django_db


class FailingBackend:
    """An email backend whose server is down."""

    error = ConnectionRefusedError

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise self.error("mail server down")


class RefusingBackend(FailingBackend):
    error = staticmethod(lambda _: smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}))


def queue(n=1, **fields):
    return [
        queue_message(
            kind="test", recipient=f"r{i}@example.com", subject=f"Message {i}", text="Hello", **fields
        )
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_message_goes_out_after_commit():
    with transaction.atomic():
        queue()
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_a_booking_never_fails_because_email_is_down(
    checkup, open_day, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_appointment(service=checkup, start=at(open_day, 9), **client_details()).appointment
    assert appointment.pk
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    assert message.last_error == "ConnectionRefusedError"
    assert message.next_attempt_at > timezone.now()


def test_failed_delivery_is_retried_with_back_off_then_sent(settings):
    settings.OUTBOX_DELIVERY = "cron"
    (message,) = queue()
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    now = timezone.now()
    assert deliver_due(now=now) == {"due": 1, "sent": 0, "not_sent": 1}
    assert deliver_due(now=now) == {"due": 0, "sent": 0, "not_sent": 0}  # waits for its next attempt
    message.refresh_from_db()
    first_wait = message.next_attempt_at - now
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.next_attempt_at - (now + first_wait) > first_wait  # the wait grows
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_due(now=message.next_attempt_at)["sent"] == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 3
    assert len(mail.outbox) == 1


def test_refused_address_is_given_up_at_once_and_others_after_many_attempts(settings):
    settings.OUTBOX_DELIVERY = "cron"
    (refused,) = queue()
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.RefusingBackend"
    deliver_due()
    refused.refresh_from_db()
    assert refused.status == OutboxMessage.Status.FAILED and refused.attempts == 1
    (flaky,) = queue()
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    now = timezone.now()
    for _ in range(MAX_ATTEMPTS + 2):
        now += timedelta(days=1)
        deliver_due(now=now)
    flaky.refresh_from_db()
    assert flaky.status == OutboxMessage.Status.FAILED and flaky.attempts == MAX_ATTEMPTS


def test_delivered_messages_lose_their_address_and_text_after_the_keep_period(settings):
    settings.OUTBOX_DELIVERY = "cron"
    old, new = queue(2)
    deliver_due()
    OutboxMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert purge_delivered() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.recipient, old.body_text, old.subject) == ("", "", "") and old.purged_at
    assert new.recipient


class CountingBackend:
    """Counts every message handed to it, slowly, as a real server would take its time."""

    sent: list[str] = []
    lock = threading.Lock()

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.01)
        with self.lock:
            self.sent.extend(m.subject for m in messages)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_message_exactly_once(settings):
    settings.OUTBOX_DELIVERY = "cron"
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.CountingBackend"
    CountingBackend.sent = []
    queue(60)
    results = at_once([deliver_due, deliver_due])
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(CountingBackend.sent) == sorted(f"Message {i}" for i in range(60))
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 60


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.subjects = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        for line in envelope.content.decode(errors="replace").splitlines():
            if line.startswith("Subject: "):
                self.subjects.append(line[len("Subject: ") :])
        return "250 OK"


def test_killing_the_mail_server_mid_run_loses_nothing_and_duplicates_nothing(settings):
    settings.OUTBOX_DELIVERY = "cron"
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        False,
        2,
    )
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    queue(20)
    first = deliver_due(limit=8)
    server.stop()  # the mail server dies
    during = deliver_due()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()  # and comes back
    after = deliver_due(now=timezone.now() + timedelta(hours=1))
    server.stop()
    assert (first["sent"], during["sent"], during["not_sent"], after["sent"]) == (8, 0, 12, 12)
    assert sorted(inbox.subjects) == sorted(f"Message {i}" for i in range(20))


@pytest.mark.django_db(transaction=True)
def test_by_default_the_page_does_not_wait_for_the_mail_server(settings):
    settings.OUTBOX_DELIVERY = "thread"
    with transaction.atomic():
        queue()
    for _ in range(100):  # the message leaves from a thread of its own, soon after the commit
        if mail.outbox:
            break
        time.sleep(0.05)
    assert len(mail.outbox) == 1
    for _ in range(100):
        if OutboxMessage.objects.get().status == OutboxMessage.Status.SENT:
            break
        time.sleep(0.05)
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


def test_a_sent_message_keeps_no_link_at_rest(checkup, open_day, django_capture_on_commit_callbacks):
    """The manage link's token lives only in the email: once sent, the outbox row has no text."""
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_appointment(service=checkup, start=at(open_day, 9), **client_details()).appointment
    token = manage_token(appointment.reference)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT and token in mail.outbox[0].body
    assert (message.body_text, message.body_html, message.attachments) == ("", "", [])
    assert token not in str(list(OutboxMessage.objects.values()))


def test_a_message_waiting_for_a_retry_keeps_its_text_until_it_is_sent(
    checkup, open_day, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        book_appointment(service=checkup, start=at(open_day, 9), **client_details())
    waiting = OutboxMessage.objects.get()
    assert waiting.status == OutboxMessage.Status.PENDING and waiting.body_text and waiting.attachments
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_due(now=waiting.next_attempt_at)
    waiting.refresh_from_db()
    assert waiting.status == OutboxMessage.Status.SENT and waiting.body_text == "" and len(mail.outbox) == 1
