from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.contact import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, format_phone, phone_lookup


def search_condition(term: str, prefix: str = "") -> Q:
    """Customers (or rows whose `prefix` leads to one) matching a name, an email, or a phone
    typed in any format; nothing for a term under two characters."""
    term = term.strip()[:200]
    if len(term) < 2:
        return Q(pk__in=[])
    condition = Q(**{f"{prefix}name__icontains": term}) | Q(**{f"{prefix}email__icontains": term.lower()})
    phone = phone_lookup(term)
    if phone:
        condition |= Q(**{prefix + key: value for key, value in phone.items()})
    return condition


def reference_in(term: str) -> str:
    """A booking reference typed any way ("k7m 4qx", "K7M-4QX") as stored, or ""."""
    letters = "".join(ch for ch in term.upper() if ch.isalnum())
    return letters if len(letters) == 6 and len(term.strip()) <= 8 else ""


class CustomerQuerySet(models.QuerySet):
    def search(self, term: str):
        """By name, email, phone in any format, or the reference of one of their bookings."""
        condition = search_condition(term)
        reference = reference_in(term)
        if reference:
            condition |= Q(appointments__reference=reference)
        return self.filter(condition).distinct()


class Customer(models.Model):
    """A client: only the name, phone and email the privacy notice lists, plus timestamps."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    phone = models.CharField(_("phone"), max_length=20, db_index=True, help_text=_("E.164"))
    email = models.EmailField(_("email"), max_length=EMAIL_MAX_LENGTH, db_index=True, blank=True)
    # A changed address waits here until a link sent to it is used (then it becomes `email`).
    pending_email = models.EmailField(
        _("new email, waiting for confirmation"), max_length=EMAIL_MAX_LENGTH, blank=True
    )
    # When the person showed they hold the email address (a link sent to it was opened and its
    # button pressed). Only then does the address count for the per-person booking cap.
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True, editable=False)
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
