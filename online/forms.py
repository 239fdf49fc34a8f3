"""The client's forms: booking details and finding one's booking."""

from crispy_forms.helper import FormHelper
from django import forms
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings.models import MESSAGE_MAX_LENGTH
from bookings.references import parse_reference
from customers.contact import has_control_characters
from customers.forms import ContactCleaning, ContactFields, email_field

MARKETING_CONSENT_TEXT = _(
    "Yes, Inuvet may send me news and offers by email. I can withdraw this at any time from my booking link."
)


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


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


class LookupForm(ContactCleaning, forms.Form):
    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=12,
        help_text=_("Six characters, for example K7M-4QX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    email = email_field()

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
