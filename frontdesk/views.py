"""The front desk's pages in the staff site: the calendar, the phone / walk-in booking form, and the
actions on an appointment (status, move, cancel), all through the booking services."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.calendar import load_calendar, monday_of
from bookings.models import Appointment, Practitioner
from bookings.services import (
    BookingError,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_appointment_status,
)
from customers.models import Customer
from frontdesk.forms import MoveForm, StaffBookingForm
from frontdesk.grid import build_grid
from inuvet.audit import log_access, require_permission

# What a block of the calendar shows of an appointment.
GRID_FIELDS = ("pk", "reference", "practitioner_id", "start", "end", "status", "service__name")


def _parse_day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if 2000 <= day.year <= 2100 else timezone.localdate()


def calendar(request):
    """A day of every practitioner side by side, or a week of one practitioner."""
    require_permission(request, "bookings.view_calendar")
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
    cal = load_calendar(
        days[0],
        days[-1],
        practitioner_ids=[p.pk for p in shown],
        appointment_fields=GRID_FIELDS,
        margin_days=0,
    )
    grid = build_grid(
        columns=columns,
        hours=cal.hours,
        closures=cal.closures,
        appointments=cal.appointments,
        holidays=cal.holidays,
        tz=cal.tz,
    )

    step = timedelta(days=7 if week_view else 1)
    base = {"view": "week", "practitioner": chosen.pk} if week_view else {}
    return TemplateResponse(
        request,
        "frontdesk/calendar.html",
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
            ).appointment
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
        "frontdesk/book.html",
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


# Actions on one appointment (buttons on its admin page) ---------------------------------------------


def _appointment_page(appointment: Appointment):
    return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))


def _told(appointment: Appointment) -> str:
    if appointment.customer and appointment.customer.email:
        return _("The client gets an email about it.")
    return _("The client has no email address: please tell them by phone.")


@require_POST
def set_status(request, pk: int):
    require_permission(request, "bookings.change_appointment")
    appointment = get_object_or_404(Appointment, pk=pk)
    try:
        set_appointment_status(appointment=appointment, status=request.POST.get("status", ""))
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Status updated."))
    return _appointment_page(appointment)


@require_POST
def cancel(request, pk: int):
    require_permission(request, "bookings.reschedule_appointment")
    appointment = get_object_or_404(Appointment.objects.select_related("customer"), pk=pk)
    try:
        cancel_appointment(appointment=appointment, by_client=False)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The appointment is cancelled.") + " " + _told(appointment))
    return _appointment_page(appointment)


def move(request, pk: int):
    require_permission(request, "bookings.reschedule_appointment")
    appointment = get_object_or_404(Appointment.objects.select_related("service", "customer"), pk=pk)
    form = MoveForm(request.POST or None, service=appointment.service)
    if request.method == "POST" and form.is_valid():
        try:
            move_appointment(
                appointment=appointment,
                start=form.start(),
                practitioner=form.cleaned_data["practitioner"],
                by_client=False,
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The appointment is moved.") + " " + _told(appointment))
            return _appointment_page(appointment)
    context = {
        **admin.site.each_context(request),
        "title": _("Move appointment %(reference)s") % {"reference": appointment.display_reference},
        "appointment": appointment,
        "form": form,
        "opts": Appointment._meta,
    }
    return TemplateResponse(request, "admin/bookings/appointment/move.html", context)
