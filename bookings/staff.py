"""Staff pages in the admin: the calendar and the phone / walk-in booking form."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.calendar_grid import build_grid
from bookings.models import MESSAGE_MAX_LENGTH, Appointment, Closure, Practitioner, Service, WorkingHours
from bookings.schedules import closed_days, local_tz, monday_of
from bookings.services import BookingError, book_appointment
from customers.contact import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PHONE_MAX_INPUT_LENGTH
from customers.models import Customer
from inuvet.audit import log_access, require_permission


def _parse_day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if 2000 <= day.year <= 2100 else timezone.localdate()


def calendar(request):
    """A day of every practitioner side by side, or a week of one practitioner."""
    require_permission(request, "bookings.view_calendar")
    tz = local_tz()
    day = _parse_day(request.GET.get("date"))
    practitioners = list(Practitioner.objects.filter(is_active=True))
    week_view = request.GET.get("view") == "week" and practitioners
    if week_view:
        chosen = next(
            (p for p in practitioners if str(p.pk) == request.GET.get("practitioner")), practitioners[0]
        )
        days = [monday_of(day) + timedelta(days=n) for n in range(7)]
        columns = [(d, chosen) for d in days]
        shown = [chosen]
    else:
        chosen = None
        days = [day]
        columns = [(day, p) for p in practitioners]
        shown = practitioners
    ids = [p.pk for p in shown]
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=tz)
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=tz)

    hours: dict = defaultdict(lambda: defaultdict(list))
    for pid, weekday, open_at, close_at in WorkingHours.objects.filter(practitioner_id__in=ids).values_list(
        "practitioner_id", "weekday", "start", "end"
    ):
        hours[pid][weekday].append((open_at, close_at))
    closures = list(
        Closure.objects.filter(
            Q(practitioner_id__in=ids) | Q(practitioner__isnull=True), start__lt=end, end__gt=start
        ).values_list("practitioner_id", "start", "end", "reason")
    )
    appointments = list(
        Appointment.objects.active()
        .filter(practitioner_id__in=ids, start__lt=end, end__gt=start)
        .select_related("service")
        .only("pk", "reference", "practitioner_id", "start", "end", "status", "service__name")
    )
    grid = build_grid(
        columns=columns,
        hours=hours,
        closures=closures,
        appointments=appointments,
        holidays=set(closed_days(days[0], days[-1])),
        tz=tz,
    )

    step = timedelta(days=7 if week_view else 1)
    base = {"view": "week", "practitioner": chosen.pk} if week_view else {}
    return TemplateResponse(
        request,
        "admin/calendar.html",
        {
            **admin.site.each_context(request),
            "title": _("Calendar"),
            "grid": grid,
            "week_view": bool(week_view),
            "day": day,
            "days": days,
            "practitioners": practitioners,
            "chosen": chosen,
            "can_book": request.user.has_perm("bookings.add_appointment"),
            "previous_url": "?" + urlencode({**base, "date": day - step}),
            "next_url": "?" + urlencode({**base, "date": day + step}),
            "today_url": "?" + urlencode(base),
            "day_view_url": "?" + urlencode({"date": day}),
            "week_urls": [
                (p, "?" + urlencode({"view": "week", "practitioner": p.pk, "date": day}))
                for p in practitioners
            ],
            "book_url": reverse("admin:calendar_book"),
        },
    )


class StaffBookingForm(forms.Form):
    """A phone or walk-in booking: an existing customer (chosen from the search) or a new one."""

    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.filter(is_active=True)
    )
    practitioner = forms.ModelChoiceField(
        label=gettext_lazy("Practitioner"),
        queryset=Practitioner.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("Any free practitioner"),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
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
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=PHONE_MAX_INPUT_LENGTH, required=False)
    email = forms.CharField(
        label=gettext_lazy("Email (optional)"),
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        widget=forms.EmailInput,
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

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not (data.get("name") and data.get("phone")):
            raise ValidationError(
                _("Choose a customer from the search, or give the new customer's name and phone.")
            )
        return data

    def start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=local_tz())

    def contact(self) -> dict:
        customer = self.cleaned_data.get("customer")
        if customer:
            return {"name": customer.name, "phone": customer.phone, "email": customer.email}
        return {k: self.cleaned_data[k] for k in ("name", "phone", "email")}


def _initial(request) -> dict:
    initial = {"source": Appointment.Source.PHONE, "language": "fi"}
    for key in ("service", "practitioner", "customer"):
        if request.GET.get(key, "").isdigit():
            initial[key] = request.GET[key]
    start = request.GET.get("start", "")
    try:
        when = datetime.fromisoformat(start)
    except ValueError:
        when = None
    if when is not None:
        initial["date"], initial["time"] = when.date(), when.time()
    return initial


def _search_customers(term: str):
    found = list(Customer.objects.search(term).order_by("name", "pk")[:20])
    for customer in found:
        log_access(customer, "search")
    return found


def book(request):
    """Book for a phone or walk-in client: search the customer, pick or type, confirm."""
    require_permission(request, "bookings.add_appointment")
    form = StaffBookingForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            appointment = book_appointment(
                service=form.cleaned_data["service"],
                practitioner=form.cleaned_data["practitioner"],
                start=form.start(),
                source=form.cleaned_data["source"],
                language=form.cleaned_data["language"],
                message=form.cleaned_data["message"],
                **form.contact(),
            )
        except BookingError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Booked %(reference)s.") % {"reference": appointment.display_reference},
            )
            return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))

    query = request.GET.get("q", "")
    chosen = None
    customer_id = form["customer"].value()
    if customer_id and str(customer_id).isdigit():
        chosen = Customer.objects.filter(pk=customer_id).first()
        if chosen is not None and request.method == "GET":
            log_access(chosen)
    keep = {k: v for k, v in request.GET.items() if k in {"service", "practitioner", "start"}}
    results = _search_customers(query)
    return TemplateResponse(
        request,
        "admin/calendar_book.html",
        {
            **admin.site.each_context(request),
            "title": _("New booking"),
            "form": form,
            "query": query,
            "results": [(c, "?" + urlencode({**keep, "q": query, "customer": c.pk})) for c in results],
            "searched": len(query.strip()) >= 2,
            "chosen": chosen,
            "keep": keep,
        },
    )
