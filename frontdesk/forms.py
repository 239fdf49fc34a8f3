"""The front desk's forms: a time (date, time, practitioner), a phone or walk-in booking, a move,
and a customer's details. Validation and layout only."""

from datetime import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.calendar import local_tz
from bookings.models import MESSAGE_MAX_LENGTH, Appointment, Practitioner, Service
from customers.forms import ContactCleaning, email_field, name_field, phone_field
from customers.models import Customer


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

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=local_tz())


class MoveForm(TimeFields):
    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = service.practitioners.filter(is_active=True)


class StaffBookingForm(ContactCleaning, TimeFields):
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
    message = forms.CharField(
        label=gettext_lazy("Reason for the visit"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of emails"), choices=settings.LANGUAGES)

    field_order = ["service", "practitioner", "date", "time", "source"]

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


class CustomerForm(ContactCleaning, forms.ModelForm):
    """Staff type names, phones and emails any way; they are stored normalised."""

    class Meta:
        model = Customer
        fields = ["name", "phone", "email"]
