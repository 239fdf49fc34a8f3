"""The person's name, phone and email in forms, cleaned once for every form that asks for them:
the client's booking and correction forms, the staff booking form and the customer admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.contact import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_INPUT_LENGTH,
    normalise_email,
    normalise_name,
    normalise_phone,
)


class ContactCleaning:
    """Stores what was typed the way it is stored and searched; an optional field may stay empty."""

    def _clean_contact(self, field: str, normalise):
        value = self.cleaned_data[field]
        if not self.fields[field].required and not value.strip():
            return ""
        return normalise(value)

    def clean_name(self):
        return self._clean_contact("name", normalise_name)

    def clean_phone(self):
        return self._clean_contact("phone", normalise_phone)

    def clean_email(self):
        return self._clean_contact("email", normalise_email)


def name_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        **kwargs,
    )


def phone_field(**kwargs) -> forms.CharField:
    kwargs.setdefault("help_text", _("For example 040 123 4567."))
    return forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX_INPUT_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
        **kwargs,
    )


def email_field(**kwargs) -> forms.CharField:
    kwargs.setdefault("label", _("Email"))
    return forms.CharField(
        max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "email"}), **kwargs
    )


class ContactFields(ContactCleaning, forms.Form):
    """Name, phone and email, normalised the way they are stored."""

    name = name_field()
    phone = phone_field()
    email = email_field(help_text=_("The confirmation and your personal booking link are sent here."))
