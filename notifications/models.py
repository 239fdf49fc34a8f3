from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What a message is, in words (staff pages, the person's export); other kinds show their code.
KINDS = {
    "booking_confirmed": _("booking confirmation"),
    "booking_moved": _("booking moved"),
    "booking_cancelled": _("booking cancelled"),
    "booking_reminder": _("reminder"),
    "manage_link": _("your booking link"),
    "my_bookings": _("links of upcoming bookings"),
    "privacy_verification": _("link to your data"),
    "marketing_confirm": _("confirming marketing consent"),
    "email_change_confirm": _("confirming a new email address"),
    "waitlist_joined": _("joined the waiting list"),
    "waitlist_offer": _("a freed time offered"),
}


class OutboxQuerySet(models.QuerySet):
    def due(self, now):
        """Pending messages whose next attempt has come and that no sender holds right now."""
        return self.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now).filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now)
        )


class OutboxMessage(models.Model):
    """A message written in the same transaction as the change that causes it, sent after commit."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, given up")

    class Delivery(models.TextChoices):
        UNKNOWN = "", _("no report")
        DELIVERED = "delivered", _("delivered")
        UNDELIVERED = "undelivered", _("not delivered")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(_("kind"), max_length=40)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Whose data the message carries, so that erasure can purge it; empty for staff notices.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("booking reference"), max_length=6, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The provider's id of a text message, and what its delivery report said (no text kept).
    provider_ref = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    delivery = models.CharField(
        _("delivery"), max_length=12, choices=Delivery.choices, blank=True, default=""
    )
    delivery_reported_at = models.DateTimeField(_("delivery reported"), null=True, blank=True)
    purged_at = models.DateTimeField(_("content removed"), null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))
