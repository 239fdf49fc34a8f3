"""The front desk's forms: a time (date, time, practitioner), a phone or walk-in booking, a move, a
cancellation, the appointments a schedule change affects, and a customer's details. Validation and
layout only."""

from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.calendar import local_tz
from bookings.models import (
    ANIMAL_NAME_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Appointment,
    Practitioner,
    Service,
    Species,
)
from customers.forms import ContactCleaning, email_field, name_field, phone_field
from customers.models import Customer

# Staff book from yesterday (a walk-in typed in just after midnight) to three years ahead.
DAYS_BACK, DAYS_AHEAD = 1, 3 * 365

REASON_HELP = gettext_lazy(
    "Say why, not who: for example “clinic closed”, “vet ill”, “client asked”. No names or health details."
)
# Suggestions for the reason fields (a datalist: staff may type anything else).
CANCEL_REASONS = [
    gettext_lazy("client asked"),
    gettext_lazy("clinic closed"),
    gettext_lazy("practitioner away"),
    gettext_lazy("booked by mistake"),
]
OVERRIDE_REASONS = [
    gettext_lazy("emergency"),
    gettext_lazy("agreed with the practitioner"),
    gettext_lazy("extra opening hours"),
]


def reason_field(label, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=REASON_HELP,
        **kwargs,
    )


class TimeFields(forms.Form):
    """A local date and time, and a practitioner ("any" when left empty)."""

    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
    )
    practitioner = forms.ModelChoiceField(
        label=gettext_lazy("Practitioner"),
        queryset=Practitioner.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("Any free practitioner"),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
        if not first <= day <= last:
            raise ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {
                    "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
                    "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
                }
            )
        return day

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=local_tz())


class OverrideField(forms.Form):
    override_reason = reason_field(
        gettext_lazy("Book anyway, because"),
        widget=forms.TextInput(attrs={"list": "override-reasons", "autocomplete": "off"}),
    )


def sms_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=gettext_lazy("Also by text message"),
        required=False,
        help_text=gettext_lazy("To a mobile number. Clients who asked for text messages get one anyway."),
    )


class MoveForm(OverrideField, TimeFields):
    notify = forms.BooleanField(label=gettext_lazy("Tell the client by email"), required=False, initial=True)
    sms = sms_field()

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = service.practitioners.filter(is_active=True)

    @classmethod
    def for_appointment(cls, appointment: Appointment, data=None) -> "MoveForm":
        """Starting from where the appointment is now (the appointment page and the move page)."""
        local = timezone.localtime(appointment.start)
        initial = {"date": local.date(), "time": local.time(), "practitioner": appointment.practitioner}
        return cls(data, service=appointment.service, initial={**initial, "notify": True})


class StaffBookingForm(ContactCleaning, OverrideField, TimeFields):
    """A phone or walk-in booking: an existing customer (chosen from the search) or a new one."""

    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.filter(is_active=True)
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Booked by"),
        choices=[
            (Appointment.Source.PHONE, gettext_lazy("phone")),
            (Appointment.Source.WALK_IN, gettext_lazy("walk-in")),
        ],
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput
    )
    name = name_field(required=False)
    phone = phone_field(required=False)
    email = email_field(
        label=gettext_lazy("Email (optional)"),
        required=False,
        help_text=gettext_lazy(
            "With an email address the client gets the confirmation and their personal link."
        ),
    )
    notify = forms.BooleanField(
        label=gettext_lazy("Send the confirmation by email"),
        required=False,
        help_text=gettext_lazy("A walk-in at the desk usually needs none."),
    )
    species = forms.ModelChoiceField(
        label=gettext_lazy("Species"),
        queryset=Species.objects.filter(is_active=True),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose the species from the list.")},
    )
    animal_name = forms.CharField(
        label=gettext_lazy("Animal's name"), max_length=ANIMAL_NAME_MAX_LENGTH, required=False
    )
    message = forms.CharField(
        label=gettext_lazy("Reason for the visit"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of emails"), choices=settings.LANGUAGES)
    # A one-time key of this form: submitting it twice finds the first booking.
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    field_order = ["service", "practitioner", "date", "time"]

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("name") and data.get("phone")):
            raise ValidationError(
                _("Choose a customer from the search, or give the new customer's name and phone.")
            )
        return data

    def contact(self) -> dict:
        customer = self.cleaned_data.get("customer")
        if customer:
            return {"name": customer.name, "phone": customer.phone, "email": customer.email}
        return {k: self.cleaned_data[k] for k in ("name", "phone", "email")}


class CancelForm(forms.Form):
    reason = reason_field(
        gettext_lazy("Reason (optional)"),
        widget=forms.TextInput(attrs={"list": "cancel-reasons", "autocomplete": "off"}),
    )
    notify = forms.BooleanField(label=gettext_lazy("Tell the client by email"), required=False, initial=True)
    sms = sms_field()


class CustomerForm(ContactCleaning, forms.ModelForm):
    """Staff type names, phones and emails any way; they are stored normalised."""

    class Meta:
        model = Customer
        fields = ["name", "phone", "email"]


def floor_to_step(moment: datetime, step_minutes: int) -> datetime:
    """The local time rounded down to the slot step within its hour ("walk-in now")."""
    local = moment.astimezone(local_tz()).replace(second=0, microsecond=0)
    minutes = local.hour * 60 + local.minute
    return local.replace(hour=0, minute=0) + timedelta(minutes=minutes - minutes % max(step_minutes, 1))
