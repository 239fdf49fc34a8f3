"""The client's forms: booking details and finding one's booking.

Templates draw their fields with templates/_form_fields.html, which never writes a <form> tag of its
own: a form nested in the page's form is dropped by browsers, and its submit button then sends
nothing.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import ANIMAL_NAME_MAX_LENGTH, MESSAGE_MAX_LENGTH, Species
from bookings.references import parse_reference
from customers.contact import can_receive_sms, has_control_characters, normalise_email, normalise_phone
from customers.forms import ContactCleaning, ContactFields, email_field

MARKETING_CONSENT_TEXT = _(
    "Yes, Inuvet may send me news and offers by email. I can withdraw this at any time from my booking link."
)


class MessageField(forms.CharField):
    """Free text whose length is counted as the client sees it: a line break is one character
    (browsers send CRLF). No `maxlength` attribute, which would cut a paste silently: the page
    counts down (static/js/forms.js) and the server refuses overlong text with a clear error."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(
            max_length=max_length,
            error_messages={
                "max_length": _(
                    "The message is too long: at most %(limit_value)d characters, now %(show_value)d."
                )
            },
            **kwargs,
        )

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs["data-max-length"] = str(self.max_length)
        # The count-down's words, in the page's language (%(count)s is filled in by the script).
        attrs["data-count-left"] = _("Characters left: %(count)s")
        attrs["data-count-over"] = _("Characters too many: %(count)s")
        return attrs


class SpeciesField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.localized_name.capitalize()


class BookingDetailsForm(ContactFields):
    """The client's details for one chosen time. `species` is the one chosen on the start page
    (kept as a hidden field) or, when none was, a choice among the species the service takes."""

    field_order = ["species", "animal_name", "name", "phone", "email"]

    species = SpeciesField(
        queryset=Species.objects.none(),
        label=_("Species"),
        required=False,
        empty_label=_("Choose…"),
        error_messages={
            "invalid_choice": _("Choose the species from the list: this service is not for that one.")
        },
    )
    animal_name = forms.CharField(
        label=_("Animal's name (optional)"),
        required=False,
        max_length=ANIMAL_NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    message = MessageField(
        label=_("Message for the clinic (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=lazy(
            lambda: (
                gettext("For example the animal and the reason for the visit. At most %(max)d characters.")
                % {"max": MESSAGE_MAX_LENGTH}
            ),
            str,
        )(),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sms_opt_in = forms.BooleanField(
        label=_("Send me text messages: the confirmation, a reminder the day before, and changes"),
        required=False,
        help_text=_("To a mobile number. They say the time and give your link, nothing about the visit."),
    )
    marketing_consent = forms.BooleanField(
        label=MARKETING_CONSENT_TEXT,
        required=False,
        help_text=_("We email you a link to confirm it."),
    )
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # A solved challenge, when the form asks for one (online/proof_of_work.py).
    proof_of_work = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, service=None, species=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["species"]
        field.queryset = species_for(service) if service is not None else Species.objects.none()
        if species is not None:
            # Chosen on the start page: kept, shown in the booking's summary, not asked again.
            field.initial = species.pk
            field.widget = forms.HiddenInput()

    def clean_animal_name(self):
        animal_name = " ".join(self.cleaned_data["animal_name"].split())
        if has_control_characters(animal_name):
            raise forms.ValidationError(_("The animal's name contains characters that are not allowed."))
        return animal_name

    def clean(self):
        data = super().clean()
        phone = data.get("phone")
        if data.get("sms_opt_in") and phone and not can_receive_sms(phone):
            self.add_error(
                "sms_opt_in", _("Text messages need a mobile number. This number looks like a landline.")
            )
        return data

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if has_control_characters(message):
            raise forms.ValidationError(_("The message contains characters that are not allowed."))
        return message

    @staticmethod
    def privacy_notice_html():
        return mark_safe(  # noqa: S308 - our own translated text and URL
            _(
                'We keep your name, phone and email, and your animal\'s species and name, to handle your booking. Read our <a href="%(url)s">privacy notice</a>.'
            )
            % {"url": reverse("privacy:notice")}
        )


def species_for(service):
    """The active species a service takes (a service naming none takes every one)."""
    named = service.species.all()
    # One lazy queryset: nothing is asked of the database until the field needs its choices.
    return Species.objects.filter(is_active=True).filter(Q(pk__in=named.values("pk")) | ~Exists(named))


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Booking reference"),
        max_length=12,
        help_text=_("Six characters, for example K7M-4QX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    contact = forms.CharField(
        label=_("Email or phone number"),
        max_length=254,
        help_text=_("The email address or phone number you gave when booking."),
    )

    def clean_reference(self):
        reference = parse_reference(self.cleaned_data["reference"])
        if reference is None:
            raise forms.ValidationError(
                _("Check the booking reference: six characters, for example K7M-4QX.")
            )
        return reference

    def clean_contact(self) -> dict:
        """{"email": …} or {"phone": …}, normalised the way they are stored."""
        value = self.cleaned_data["contact"]
        try:
            return {"email": normalise_email(value)} if "@" in value else {"phone": normalise_phone(value)}
        except ValidationError:
            raise forms.ValidationError(
                _("Enter the email address or the phone number you gave when booking.")
            ) from None


class EmailForm(ContactCleaning, forms.Form):
    email = email_field()


class DateInput(forms.DateInput):
    """A date picker (`type=date`) that never echoes a value that is no date: the page stays valid
    HTML and the browser's picker starts empty; the field's error says what was wrong."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                return None
        return super().format_value(value)
