"""The outbox: every message is written in the transaction that causes it and sent after commit.

A failed delivery stays in the outbox and `send_outbox` retries it with back-off. A sender claims
a message with one conditional UPDATE before sending, so two senders never send the same one.
A message's text, HTML and attachments (which carry personal links) are dropped once it is sent or
given up; its address and subject go after OUTBOX_KEEP_DAYS.
"""

import logging
import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import OutboxMessage
from notifications.senders import sender_for
from notifications.sms import SmsRejected

logger = logging.getLogger(__name__)

# What a message carries only until it has left: the personal links are in these.
CONTENT_GONE = {"body_text": "", "body_html": "", "attachments": []}
RETRY_DELAYS = [timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 720)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_FOR = timedelta(minutes=5)
# Errors that another attempt cannot fix: the message is given up at once.
PERMANENT_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    SmsRejected,
    ValueError,
    UnicodeError,
)
_inline = ContextVar("outbox_inline", default=False)


@contextmanager
def sending_inline() -> Iterator[None]:
    """Within this block, messages go out in the committing thread, not a background one.

    For management commands: a command's process ends when `handle` returns, and with it any
    sending thread, so a command sends inline and returns when done. Cron delivery stays cron.
    """
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def queue_message(
    *,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: list[dict] | tuple = (),
    customer=None,
    reference: str = "",
    channel: str = OutboxMessage.Channel.EMAIL,
) -> OutboxMessage:
    """Put a message in the outbox; it is sent when the surrounding transaction commits."""
    message = OutboxMessage.objects.create(
        channel=channel,
        kind=kind,
        recipient=recipient,
        subject=subject[:200],
        body_text=text,
        body_html=html,
        attachments=list(attachments),
        customer=customer,
        reference=reference,
    )
    if settings.OUTBOX_DELIVERY != "cron":
        transaction.on_commit(lambda: _deliver_after_commit(message.pk))
    return message


def _deliver_after_commit(message_id: int) -> None:
    if settings.OUTBOX_DELIVERY == "inline" or _inline.get():
        deliver_message(message_id)
        return

    def deliver():
        try:
            deliver_message(message_id)  # a failure leaves the message for send_outbox
        finally:
            connections.close_all()

    threading.Thread(target=deliver, name=f"outbox-{message_id}", daemon=True).start()


def queue_email(
    *,
    kind: str,
    to: str,
    language: str,
    context: dict,
    attachments: list[dict] | tuple = (),
    customer=None,
    reference: str = "",
) -> OutboxMessage:
    """Render `notifications/<kind>{_subject.txt,.txt,.html}` in the language and queue it."""
    with translation.override(language):
        # No request here, so no context processors: the HTML says its language itself.
        context = {"practice": settings.PRACTICE, "LANGUAGE_CODE": language, **context}
        subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", context).split())
        text = render_to_string(f"notifications/{kind}.txt", context)
        html = render_to_string(f"notifications/{kind}.html", context)
    return queue_message(
        kind=kind,
        recipient=to,
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        customer=customer,
        reference=reference,
    )


def queue_sms(
    *, kind: str, to: str, language: str, context: dict, customer=None, reference: str = ""
) -> OutboxMessage:
    """Render `notifications/sms/<kind>.txt` in the language and queue it as a text message."""
    with translation.override(language):
        text = " ".join(
            render_to_string(
                f"notifications/sms/{kind}.txt", {"practice": settings.PRACTICE, **context}
            ).split()
        )
    return queue_message(
        kind=kind,
        recipient=to,
        subject="",
        text=text,
        customer=customer,
        reference=reference,
        channel=OutboxMessage.Channel.SMS,
    )


def record_delivery(*, provider_ref: str, delivered: bool, at: datetime) -> int:
    """A provider's delivery report of a text message; how many messages it concerned (0 or 1)."""
    if not provider_ref:
        return 0
    delivery = OutboxMessage.Delivery.DELIVERED if delivered else OutboxMessage.Delivery.UNDELIVERED
    return OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS, provider_ref=provider_ref).update(
        delivery=delivery, delivery_reported_at=at
    )


def deliver_message(message_id: int, *, now: datetime | None = None) -> bool:
    """Send one due message if no other sender holds it. True when it went out now."""
    now = now or timezone.now()
    # The claim is a single conditional UPDATE: of two senders racing, only one matches the row.
    claimed = OutboxMessage.objects.due(now).filter(pk=message_id).update(claimed_until=now + CLAIM_FOR)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        provider_ref = sender_for(message.channel).send(message) or ""
    except Exception as error:  # noqa: BLE001 - whatever the backend raises, the message waits
        _record_failure(message, error, now)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        status=OutboxMessage.Status.SENT,
        sent_at=now,
        attempts=F("attempts") + 1,
        claimed_until=None,
        provider_ref=provider_ref[:64],
        **CONTENT_GONE,
    )
    logger.info("message sent id=%s kind=%s", message.pk, message.kind)
    return True


def _record_failure(message: OutboxMessage, error: Exception, now: datetime) -> None:
    attempts = message.attempts + 1
    permanent = isinstance(error, PERMANENT_ERRORS) or attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        status=OutboxMessage.Status.FAILED if permanent else OutboxMessage.Status.PENDING,
        next_attempt_at=now if permanent else now + RETRY_DELAYS[attempts - 1],
        claimed_until=None,
        last_error=type(error).__name__,  # the class only: messages can quote the address
        **(CONTENT_GONE if permanent else {}),
    )
    logger.warning(
        "message failed id=%s kind=%s attempt=%s error=%s given_up=%s",
        message.pk,
        message.kind,
        attempts,
        type(error).__name__,
        permanent,
    )


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send every due message (oldest first); counts of sent and not sent."""
    now = now or timezone.now()
    ids = list(
        OutboxMessage.objects.due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    sent = sum(deliver_message(pk, now=now) for pk in ids)
    return {"due": len(ids), "sent": sent, "not_sent": len(ids) - sent}


def purge_delivered(*, now: datetime | None = None) -> int:
    """Blank the address and subject of messages finished more than OUTBOX_KEEP_DAYS ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    return (
        OutboxMessage.objects.filter(purged_at__isnull=True, created_at__lt=cutoff)
        .filter(Q(status=OutboxMessage.Status.SENT) | Q(status=OutboxMessage.Status.FAILED))
        .update(
            recipient="", subject="", body_text="", body_html="", attachments=[], customer=None, purged_at=now
        )
    )
