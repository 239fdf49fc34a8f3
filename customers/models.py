from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.contact import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, format_phone


class CustomerQuerySet(models.QuerySet):
    def matching(self, *, email: str = "", phones: set[str] | frozenset[str] = frozenset()):
        """Customers with this normalised email or any of these normalised phones."""
        condition = Q(pk__in=[])
        if email:
            condition |= Q(email=email)
        if phones:
            condition |= Q(phone__in=phones)
        return self.filter(condition)


class Customer(models.Model):
    """A client: only the name, phone and email the privacy notice lists, plus timestamps."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    phone = models.CharField(_("phone"), max_length=20, db_index=True, help_text=_("E.164"))
    email = models.EmailField(_("email"), max_length=EMAIL_MAX_LENGTH, db_index=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]

    def __str__(self):
        # Copied into the admin's history and the audit log: never the person's data.
        return _("Customer #%(pk)s") % {"pk": self.pk}

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)
