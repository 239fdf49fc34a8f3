from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WaitlistEntry(models.Model):
    """A client waiting for a time of a service (with a practitioner, or any) within a range of days.

    Holds the contact details the booking will need; deleted when the client books from an offer,
    leaves the list, or the range has passed.
    """

    service = models.ForeignKey("bookings.Service", verbose_name=_("service"), on_delete=models.CASCADE)
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        verbose_name=_("practitioner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: any practitioner."),
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164"))
    email = models.EmailField(_("email"), max_length=254)
    sms_opt_in = models.BooleanField(_("text messages"), default=False)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="fi")
    # The client's later booking, cancelled in the same transaction when they book an earlier time.
    replaces = models.ForeignKey(
        "bookings.Appointment",
        verbose_name=_("booking to replace"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("joined"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["service", "last_day"], name="waitlist_service_day")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="waitlist_range"),
        ]

    def __str__(self):
        return _("Waiting-list entry #%(pk)s") % {"pk": self.pk}


class WaitlistOffer(models.Model):
    """A free time offered to an entry; the link in the message carries the token (stored hashed)."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField(_("start"))
    practitioner = models.ForeignKey("bookings.Practitioner", on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("offered at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            # A time is offered to an entry once, whatever frees it again later.
            models.UniqueConstraint(fields=["entry", "start", "practitioner"], name="waitlist_offer_once"),
        ]

    def __str__(self):
        return _("Offer #%(pk)s") % {"pk": self.pk}
