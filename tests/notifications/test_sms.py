"""Text messages: the GatewayAPI adapter against a local fake server, the outbox's retries and
exactly-once delivery, what a text may say, opt-in rules, and delivery reports."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from bookings.services import book_appointment, cancel_appointment
from notifications.models import OutboxMessage
from notifications.services import deliver_due, queue_message
from notifications.sms import provider
from tests.concurrency import at_once
from tests.factories import at, client_details
from tests.fake_sms_provider import FakeSmsProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings):
    settings.OUTBOX_DELIVERY = "cron"
    with FakeSmsProvider() as fake:
        settings.SMS_BACKEND = "gatewayapi"
        settings.SMS_API_URL = fake.url
        settings.SMS_API_TOKEN = "test-token"
        settings.SMS_SENDER = "Inuvet"
        settings.SMS_TIMEOUT = 1
        yield fake


@pytest.fixture
def memory_sms():
    sent = provider().sent
    sent.clear()
    return sent


def queue_sms_message(n: int = 0) -> OutboxMessage:
    return queue_message(
        kind="booking_reminder",
        recipient="+358401234567",
        subject="",
        text=f"Inuvet: reminder {n}",
        channel=OutboxMessage.Channel.SMS,
    )


def sent_sms_message() -> OutboxMessage:
    """One text queued and given its first delivery attempt."""
    message = queue_sms_message()
    deliver_due()
    message.refresh_from_db()
    return message


def test_the_gatewayapi_adapter_sends_and_the_outbox_keeps_only_the_status(gateway):
    message = sent_sms_message()
    assert message.status == OutboxMessage.Status.SENT and message.provider_ref == "1001"
    assert message.body_text == ""  # the text goes once it has left
    [request] = gateway.requests
    assert request["path"] == "/rest/mtsms"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"test-token:").decode()
    assert request["json"] == {
        "sender": "Inuvet",
        "message": "Inuvet: reminder 0",
        "recipients": [{"msisdn": 358401234567}],
        "userref": str(message.pk),
    }


def test_a_4xx_answer_is_final(gateway):
    gateway.answer = "4xx"
    message = sent_sms_message()
    assert message.status == OutboxMessage.Status.FAILED and message.attempts == 1
    assert message.last_error == "SmsRejected" and message.body_text == ""
    gateway.answer = "ok"
    assert deliver_due(now=timezone.now() + timedelta(days=1))["due"] == 0
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("answer", ["5xx", "slow"])
def test_a_5xx_answer_or_a_timeout_is_retried(gateway, answer):
    gateway.answer = answer
    message = sent_sms_message()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    assert message.last_error == "SmsUnavailable" and message.body_text  # kept for the retry
    gateway.answer = "ok"
    assert deliver_due(now=message.next_attempt_at)["sent"] == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_text_exactly_once(gateway, settings):
    settings.OUTBOX_DELIVERY = "cron"
    messages = [queue_sms_message(n) for n in range(30)]
    results = at_once([deliver_due, deliver_due])
    assert not [r for r in results if isinstance(r, Exception)]
    sent = sorted(request["json"]["message"] for request in gateway.requests)
    assert sent == sorted(f"Inuvet: reminder {n}" for n in range(30))
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == len(messages)


def test_the_provider_down_does_not_stop_a_booking(
    gateway, checkup, open_day, django_capture_on_commit_callbacks
):
    gateway.answer = "5xx"
    with django_capture_on_commit_callbacks(execute=True):
        booked = book_appointment(service=checkup, start=at(open_day, 9), sms_opt_in=True, **client_details())
    assert booked.appointment.pk
    text = OutboxMessage.objects.get(channel=OutboxMessage.Channel.SMS)
    assert text.status == OutboxMessage.Status.PENDING  # waits in the outbox for the next attempt


def test_texts_carry_time_reference_and_link_but_no_clinical_detail(
    checkup, open_day, memory_sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_appointment(
            service=checkup,
            start=at(open_day, 9),
            sms_opt_in=True,
            message="Koiran kilpirauhaslääkitys",
            **client_details(),
        ).appointment
    [sms] = memory_sms
    assert appointment.display_reference in sms.text and "/manage/" in sms.text
    assert "Terveystarkastus" in sms.text and "kilpirauhas" not in sms.text and "Client" not in sms.text
    assert sms.to == appointment.customer.phone and len(sms.text) < 320
    checkup.sms_hide_name = True
    checkup.save()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(appointment=appointment, by_client=False)
    assert (
        "Terveystarkastus" not in memory_sms[1].text and appointment.display_reference in memory_sms[1].text
    )


def test_no_text_without_opt_in(checkup, open_day, memory_sms):
    book_appointment(service=checkup, start=at(open_day, 9), **client_details())
    assert not memory_sms and not OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS).exists()


def test_a_landline_cannot_opt_in(checkup, open_day):
    with translation.override("en"), pytest.raises(ValidationError, match="mobile"):
        book_appointment(
            service=checkup,
            start=at(open_day, 9),
            sms_opt_in=True,
            **{**client_details(), "phone": "09 123 4567"},
        )


def _signed(payload: dict, secret: str) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    head_and_body = f"{part({'typ': 'JWT', 'alg': 'HS256'})}.{part(payload)}"
    signature = hmac.new(secret.encode(), head_and_body.encode(), hashlib.sha256).digest()
    return f"{head_and_body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_delivery_reports_are_kept_when_signed_with_our_secret(gateway, client, settings):
    settings.SMS_WEBHOOK_SECRET = "webhook-secret"
    message = sent_sms_message()
    report = {
        "id": int(message.provider_ref),
        "msisdn": 358401234567,
        "time": 1_800_000_000,
        "status": "DELIVERED",
    }
    url = reverse("notifications:sms_status")
    forged = client.post(
        url, report, content_type="application/json", headers={"X-Gwapi-Signature": _signed(report, "wrong")}
    )
    assert forged.status_code == 403
    message.refresh_from_db()
    assert message.delivery == ""
    ok = client.post(
        url,
        report,
        content_type="application/json",
        headers={"X-Gwapi-Signature": _signed(report, "webhook-secret")},
    )
    assert ok.status_code == 200
    message.refresh_from_db()
    assert message.delivery == OutboxMessage.Delivery.DELIVERED and message.delivery_reported_at
    junk = client.post(
        url,
        "not json",
        content_type="application/json",
        headers={"X-Gwapi-Signature": _signed(report, "webhook-secret")},
    )
    assert junk.status_code == 400


def test_without_a_webhook_secret_reports_are_not_taken(client, settings):
    settings.SMS_WEBHOOK_SECRET = ""
    assert client.post(reverse("notifications:sms_status"), {}).status_code == 404


def test_staff_tell_a_client_of_the_clinics_cancellation_by_text_and_see_what_was_sent(
    client, reception, checkup, vet, open_day, memory_sms, django_capture_on_commit_callbacks
):
    from tests.factories import make_appointment

    appointment = make_appointment(checkup, vet, at(open_day, 9))  # no texts asked for
    client.force_login(reception)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:bookings_appointment_cancel", args=[appointment.pk]),
            {"reason": "", "notify": "on", "sms": "on"},
        )
    assert response.status_code == 302
    [sms] = memory_sms
    assert sms.to == appointment.customer.phone and appointment.display_reference in sms.text
    page = client.get(reverse("admin:bookings_appointment_change", args=[appointment.pk])).content.decode()
    assert page.count("text message") + page.count("tekstiviesti") >= 1


def test_without_the_choice_a_client_who_asked_for_no_texts_gets_none(
    client, reception, checkup, vet, open_day, memory_sms, django_capture_on_commit_callbacks
):
    from tests.factories import make_appointment

    appointment = make_appointment(checkup, vet, at(open_day, 9))
    client.force_login(reception)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:bookings_appointment_cancel", args=[appointment.pk]), {"notify": "on"})
    assert memory_sms == []
