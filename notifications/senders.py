"""How a message leaves the building, per channel. `send` returns the provider's id of the message
(or ""); callers never know which provider a channel uses."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from notifications.models import OutboxMessage
from notifications.sms import Sms, provider

# Every email is sent by the system, never by a person (RFC 3834): auto-responders stay quiet.
AUTOMATIC = {"Auto-Submitted": "auto-generated"}


class EmailSender:
    def send(self, message: OutboxMessage) -> str:
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body_text, to=[message.recipient], headers=AUTOMATIC
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        for attachment in message.attachments:
            email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.send(fail_silently=False)
        return ""


class SmsSender:
    def send(self, message: OutboxMessage) -> str:
        return provider().send(
            Sms(
                to=message.recipient,
                text=message.body_text,
                sender=settings.SMS_SENDER,
                reference=str(message.pk),
            )
        )


SENDERS = {
    OutboxMessage.Channel.EMAIL: EmailSender(),
    OutboxMessage.Channel.SMS: SmsSender(),
}


def sender_for(channel: str):
    return SENDERS[channel]
