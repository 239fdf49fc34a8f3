"""How a message leaves the building. Callers never know which sender a channel uses.

An SMS provider is one more class with `send(message)` and a line in SENDERS.
"""

import logging

from django.core.mail import EmailMultiAlternatives

from notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


# Every email is sent by the system, never by a person (RFC 3834): auto-responders stay quiet.
AUTOMATIC = {"Auto-Submitted": "auto-generated"}


class EmailSender:
    def send(self, message: OutboxMessage) -> None:
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body_text, to=[message.recipient], headers=AUTOMATIC
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.send(fail_silently=False)


class ConsoleSender:
    """Prints nothing personal: for channels without a provider yet (SMS)."""

    def send(self, message: OutboxMessage) -> None:
        logger.info("message %s (%s) would be sent on %s", message.pk, message.kind, message.channel)


SENDERS = {
    OutboxMessage.Channel.EMAIL: EmailSender(),
    OutboxMessage.Channel.SMS: ConsoleSender(),
}


def sender_for(channel: str):
    return SENDERS[channel]
