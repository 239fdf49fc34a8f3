"""The waiting list's pages: join ("tell me if a time frees up"), an offer's page (book it), leave."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.calendar import bookable_practitioners
from bookings.models import Service
from bookings.services import BookingError
from customers.forms import ContactCleaning, email_field, name_field, phone_field
from inuvet import ratelimit
from online.forms import DateInput
from online.manage import appointment_manage_url, with_manage_link
from waitlist.services import WaitlistError, book_from_offer, find_offer, join_waitlist, leave_waitlist


class EarlierForm(forms.Form):
    """Which earlier times the client waits for (their details come from the booking)."""

    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"), queryset=None, required=False, empty_label=_("Any practitioner")
    )
    first_day = forms.DateField(label=_("First day"), widget=DateInput)
    last_day = forms.DateField(label=_("Last day"), widget=DateInput)
    sms_opt_in = forms.BooleanField(label=_("Send them to me by text message too"), required=False)

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = bookable_practitioners(service)


class WaitlistForm(ContactCleaning, EarlierForm):
    name = name_field()
    phone = phone_field()
    email = email_field(help_text=_("Free times are sent here."))

    field_order = ["practitioner", "first_day", "last_day", "name", "phone", "email", "sms_opt_in"]


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("booking")
def waitlist_join(request, service_id: int):
    service = get_object_or_404(Service, pk=service_id, is_active=True, bookable_online=True)
    today = timezone.localdate()
    form = WaitlistForm(
        request.POST or None,
        service=service,
        initial={"first_day": today + timedelta(days=1), "last_day": today + timedelta(days=14)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            joined = join_waitlist(
                service=service,
                practitioner=data["practitioner"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                sms_opt_in=data["sms_opt_in"],
                language=get_language(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except WaitlistError as error:
            form.add_error(None, error.message)
        else:
            return render(request, "online/waitlist_joined.html", {"entry": joined.entry})
    status = 400 if form.errors else 200
    return render(request, "online/waitlist_join.html", {"form": form, "service": service}, status=status)


@require_http_methods(["GET", "POST"])
@with_manage_link
def waitlist_earlier(request, appointment, token: str):
    """From a booking's page: wait for an earlier time; booking one cancels this booking."""
    service, customer = appointment.service, appointment.customer
    day = timezone.localtime(appointment.start).date()
    tomorrow = timezone.localdate() + timedelta(days=1)
    if customer is None or appointment.status != appointment.Status.CONFIRMED or day <= tomorrow:
        context = {"service": service, "too_soon": True, "replaces": appointment, "token": token}
        return render(request, "online/waitlist_join.html", context, status=409)
    form = EarlierForm(
        request.POST or None,
        service=service,
        initial={
            "practitioner": appointment.practitioner,
            "first_day": tomorrow,
            "last_day": day - timedelta(days=1),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            joined = join_waitlist(
                service=service,
                practitioner=data["practitioner"],
                first_day=data["first_day"],
                last_day=min(data["last_day"], day),
                name=customer.name,
                phone=customer.phone,
                email=customer.email,
                sms_opt_in=data["sms_opt_in"],
                language=get_language(),
                replaces=appointment,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except WaitlistError as error:
            form.add_error(None, error.message)
        else:
            return render(request, "online/waitlist_joined.html", {"entry": joined.entry})
    context = {"form": form, "service": service, "replaces": appointment, "token": token}
    return render(request, "online/waitlist_join.html", context, status=400 if form.errors else 200)


def _offer_or_404(request, token: str):
    """The offer of the link; only wrong links count against the address (429 past its allowance)."""
    offer = find_offer(token)
    if offer is None:
        wait = ratelimit.try_use(request, "manage")
        if wait:
            return None, ratelimit.too_many_requests(request, wait)
        raise Http404
    return offer, None


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_offer(request, token: str):
    """The offered time, and a button that books it (a GET must book nothing: mail scanners open links)."""
    offer, refusal = _offer_or_404(request, token)
    if refusal:
        return refusal
    if request.method == "POST":
        try:
            booked = book_from_offer(token=token)
        except (BookingError, WaitlistError) as error:
            return render(
                request, "online/waitlist_taken.html", {"offer": offer, "message": error.message}, status=409
            )
        return redirect(appointment_manage_url(booked.appointment))
    return render(request, "online/waitlist_offer.html", {"offer": offer})


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_leave(request, token: str):
    if request.method == "POST":
        left = leave_waitlist(token=token)
        if not left and (wait := ratelimit.try_use(request, "manage")):
            return ratelimit.too_many_requests(request, wait)
        return render(request, "online/waitlist_left.html", {"left": left})
    return render(request, "online/waitlist_leave.html")
