from crispy_forms.helper import FormHelper
from django import forms
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings.models import MESSAGE_MAX_LENGTH
from bookings.references import parse_reference
from customers.contact import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PHONE_MAX_INPUT_LENGTH,
    has_control_characters,
    normalise_email,
    normalise_name,
    normalise_phone,
)

MARKETING_CONSENT_TEXT = _(
    "Yes, Inuvet may send me news and offers by email. I can withdraw this at any time from my booking link."
)


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class ContactFields(forms.Form):
    """Name, phone and email, normalised the way they are stored."""

    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX_INPUT_LENGTH,
        help_text=_("For example 040 123 4567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("The confirmation and your personal booking link are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_name(self):
        return normalise_name(self.cleaned_data["name"])

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class BookingDetailsForm(ContactFields):
    message = forms.CharField(
        label=_("Message for the clinic (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=_("For example the animal and the reason for the visit."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    marketing_consent = forms.BooleanField(label=MARKETING_CONSENT_TEXT, required=False)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if has_control_characters(message):
            raise forms.ValidationError(_("The message contains characters that are not allowed."))
        return message

    @staticmethod
    def privacy_notice_html():
        return mark_safe(  # noqa: S308 - our own translated text and URL
            _(
                'We keep your name, phone and email to handle your booking. Read our <a href="%(url)s">privacy notice</a>.'
            )
            % {"url": reverse("privacy:notice")}
        )


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=12,
        help_text=_("Six characters, for example K7M-4QX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_reference(self):
        reference = parse_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _("Check the booking reference: six characters, for example K7M-4QX.")
            )
        return reference

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])
