"""The front desk's own records: the calendar subscriptions of the practitioners' phones."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Practitioner

FEED_TOKEN_BYTES = 32  # 256 bits, URL-safe base64: 43 characters


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeedQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A practitioner's personal iCalendar subscription. Only the SHA-256 of its token is kept: the
    link is shown once, when it is made; revoking it (or making a new one) ends it for good."""

    practitioner = models.ForeignKey(
        Practitioner, verbose_name=_("practitioner"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"], condition=models.Q(revoked_at__isnull=True), name="one_active_feed"
            )
        ]

    def __str__(self):
        return f"Calendar feed #{self.pk}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(FEED_TOKEN_BYTES)
