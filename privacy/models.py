from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentRecordQuerySet(models.QuerySet):
    def latest_per_customer(self, purpose: str):
        """Each customer's most recent record for the purpose (consent given or withdrawn)."""
        latest = (
            ConsentRecord.objects.filter(customer=models.OuterRef("customer"), purpose=purpose)
            .order_by("-created_at", "-pk")
            .values("pk")[:1]
        )
        return self.filter(purpose=purpose, pk=models.Subquery(latest))


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

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Consent record #%(pk)s") % {"pk": self.pk}
