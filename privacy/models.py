import calendar
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31.1 → 28.2)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ConsentRecord(models.Model):
    """One giving or withdrawal of consent, with the exact text the person saw."""

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("marketing by email")

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("consent given"), help_text=_("Unticked: consent withdrawn."))
    text = models.TextField(_("text shown"))
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    source = models.CharField(_("where"), max_length=40)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Consent record #%(pk)s") % {"pk": self.pk}


class DataSubjectRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[DataSubjectRequest.Status.OPEN, DataSubjectRequest.Status.IN_PROGRESS])

    def due_within(self, days: int, today: date):
        return self.open().filter(due_on__lte=today + timedelta(days=days))


class DataSubjectRequest(models.Model):
    """A request under GDPR Articles 15–21, from receipt to answer, with its deadline."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("access (Art. 15)")
        RECTIFICATION = "rectification", _("rectification (Art. 16)")
        ERASURE = "erasure", _("erasure (Art. 17)")
        RESTRICTION = "restriction", _("restriction (Art. 18)")
        PORTABILITY = "portability", _("portability (Art. 20)")
        OBJECTION = "objection", _("objection (Art. 21)")

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")
        WEB = "web", _("web (self-service)")
        IN_PERSON = "in_person", _("in person")

    class Verification(models.TextChoices):
        NOT_YET = "not_yet", _("not yet checked")
        BOOKING_LINK = "booking_link", _("used their personal booking link")
        EMAIL_LINK = "email_link", _("opened a verification link sent to the email on record")
        ID_DOCUMENT = "id_document", _("identity document seen in person")
        CALL_BACK = "call_back", _("called back at the phone number on record")
        OTHER = "other", _("other (see notes)")

    class VerificationResult(models.TextChoices):
        PENDING = "pending", _("pending")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("could not be verified")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("data-subject request", "open")
        IN_PROGRESS = "in_progress", pgettext_lazy("data-subject request", "in progress")
        COMPLETED = "completed", pgettext_lazy("data-subject request", "completed")
        REJECTED = "rejected", pgettext_lazy("data-subject request", "rejected (reason in the outcome)")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="privacy_requests",
        help_text=_("The person in the register, once found. Emptied when their data is erased."),
    )
    subject = models.CharField(
        _("who the subject is"),
        max_length=200,
        blank=True,
        help_text=_("How the person identified themselves. Emptied when their data is erased."),
    )
    verification_method = models.CharField(
        _("identity check"), max_length=20, choices=Verification.choices, default=Verification.NOT_YET
    )
    verification_result = models.CharField(
        _("identity check result"),
        max_length=20,
        choices=VerificationResult.choices,
        default=VerificationResult.PENDING,
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Emptied when the person's data is erased."))
    outcome = models.TextField(_("outcome"), blank=True)
    extension_months = models.PositiveSmallIntegerField(
        _("extension (months)"),
        default=0,
        validators=[MaxValueValidator(2)],
        help_text=_("Up to two more months for complex or numerous requests (GDPR Art. 12(3))."),
    )
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    subject_told_on = models.DateField(_("subject told of the extension on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), editable=False)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    deadline_notice_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    objects = DataSubjectRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_on", "pk"]
        permissions = [
            ("find_person", _("Can search for a person's data")),
            ("export_person", _("Can export a person's data")),
            ("erase_person", _("Can erase a person's data")),
            ("export_marketing_list", _("Can export the list of clients who consented to marketing")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(extension_months__lte=2), name="request_extension_max_two"
            )
        ]

    def __str__(self):
        return _("Request #%(pk)s") % {"pk": self.pk}

    def save(self, *args, **kwargs):
        self.due_on = self.compute_due_on()
        if self.status in {self.Status.COMPLETED, self.Status.REJECTED} and not self.completed_on:
            self.completed_on = timezone.localdate()
        super().save(*args, **kwargs)

    def compute_due_on(self) -> date:
        """One month from receipt, plus the recorded extension (GDPR Art. 12(3))."""
        return add_months(self.received_on, 1 + self.extension_months)

    def clean(self):
        if self.extension_months and not (self.extension_reason.strip() and self.subject_told_on):
            raise ValidationError(
                _("An extension needs its reason and the date the subject was told of it (GDPR Art. 12(3)).")
            )
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("The date of receipt cannot be in the future.")})

    def deadline_state(self, today: date | None = None) -> str:
        """ "overdue", "due soon" (within 7 days), "ok" or "closed"."""
        if self.status not in {self.Status.OPEN, self.Status.IN_PROGRESS}:
            return "closed"
        today = today or timezone.localdate()
        if self.due_on < today:
            return "overdue"
        return "due soon" if (self.due_on - today).days <= 7 else "ok"


class ExportRecord(models.Model):
    """That an export of personal data happened (its contents are never kept)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("a person's data")
        MARKETING = "marketing", _("marketing list")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    by_subject = models.BooleanField(_("by the person themselves"), default=False)
    request = models.ForeignKey(DataSubjectRequest, on_delete=models.SET_NULL, null=True, blank=True)
    customers = models.PositiveIntegerField(_("customer records"), default=0)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return _("Export #%(pk)s") % {"pk": self.pk}


class ErasureReceipt(models.Model):
    """Proof that a person's data was erased: what, when, by whom, why. No personal data."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("data-subject request")
        SELF_SERVICE = "self_service", _("the person erased their data themselves")
        RETENTION = "retention", _("retention period passed")
        REAPPLIED = "reapplied", _("erased again after a backup was restored")

    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    request = models.ForeignKey(
        DataSubjectRequest, verbose_name=_("request"), on_delete=models.SET_NULL, null=True, blank=True
    )
    counts = models.JSONField(_("rows changed per table"), default=dict)

    class Meta:
        verbose_name = _("erasure receipt")
        verbose_name_plural = _("erasure receipts")
        ordering = ["-erased_at"]

    def __str__(self):
        return _("Erasure receipt #%(pk)s") % {"pk": self.pk}


class ErasureLedgerEntry(models.Model):
    """Keyed hashes of an erased person's email and phone, to erase them again after a restore.

    The hashes (HMAC-SHA256 with ERASURE_KEY) cannot be turned back into the email or phone.
    """

    email_digest = models.CharField(max_length=64, blank=True, db_index=True)
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    receipt = models.ForeignKey(ErasureReceipt, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("erasure ledger entry")
        verbose_name_plural = _("erasure ledger")

    def __str__(self):
        return _("Erasure ledger entry #%(pk)s") % {"pk": self.pk}


class VerificationLink(models.Model):
    """A one-time link emailed to someone who asked for their data without a booking link."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return _("Verification link #%(pk)s") % {"pk": self.pk}
