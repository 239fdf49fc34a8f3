"""The front desk's pages in the staff site: the calendar and the actions on an appointment (status,
move, cancel), all through the booking services. The booking form is frontdesk/booking.py, the
appointments a schedule change affects frontdesk/schedule.py."""

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
from bookings.errors import BookingError, OutsideRules, StaffSlotTaken
from bookings.models import Appointment, Practitioner, Service
from bookings.services import cancel_appointment, move_appointment, set_appointment_status
from customers.contact import can_receive_sms
from frontdesk.forms import CANCEL_REASONS, OVERRIDE_REASONS, CancelForm, MoveForm
from frontdesk.grid import build_grid
from inuvet.audit import require_permission

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

    services = list(Service.objects.filter(is_active=True))
    service = next((s for s in services if str(s.pk) == request.GET.get("service")), None)
    step = timedelta(days=7 if week_view else 1)
    base = {"view": "week", "practitioner": chosen.pk} if week_view else {}
    if service is not None:
        base["service"] = service.pk
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
            "day_view_url": "?" + urlencode({"date": day, **({"service": service.pk} if service else {})}),
            "week_urls": [
                (p, "?" + urlencode({**base, "view": "week", "practitioner": p.pk, "date": day}))
                for p in practitioners
            ],
            "book_url": reverse("admin:calendar_book"),
            # The service a click on a free cell books (and walk-in now rounds to its slot step).
            "services": services,
            "service": service,
            "cell_query": f"&service={service.pk}" if service else "",
        },
    )


# Actions on one appointment (buttons on its admin page) ---------------------------------------------


def _appointment_page(appointment: Appointment):
    return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))


def _told(appointment: Appointment, notify: bool = True, sms: bool = False) -> str:
    customer = appointment.customer
    texted = (
        notify
        and customer is not None
        and (sms or appointment.sms_opt_in)
        and can_receive_sms(customer.phone)
    )
    if not notify and customer is not None and customer.email:
        return _("The client was not told: tell them yourself if they need to know.")
    if notify and customer and customer.email:
        return (
            _("The client gets an email and a text message about it.")
            if texted
            else _("The client gets an email about it.")
        )
    if texted:
        return _("The client gets a text message about it.")
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


def cancel(request, pk: int):
    """A confirm step: what will be cancelled, an optional reason, and whether the client is told."""
    require_permission(request, "bookings.reschedule_appointment")
    appointment = get_object_or_404(
        Appointment.objects.select_related("customer", "service", "practitioner"), pk=pk
    )
    has_email = bool(appointment.customer and appointment.customer.email)
    form = CancelForm(request.POST if request.method == "POST" else None, initial={"notify": has_email})
    if request.method == "POST" and form.is_valid():
        try:
            cancel_appointment(
                appointment=appointment,
                by_client=False,
                reason=form.cleaned_data["reason"],
                notify=form.cleaned_data["notify"],
                sms=form.cleaned_data["sms"],
            )
        except BookingError as error:
            messages.error(request, error.message)
            return _appointment_page(appointment)
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            told = _told(appointment, form.cleaned_data["notify"], form.cleaned_data["sms"])
            messages.success(request, _("The appointment is cancelled.") + " " + told)
            return _appointment_page(appointment)
    context = {
        **admin.site.each_context(request),
        "title": _("Cancel appointment %(reference)s?") % {"reference": appointment.display_reference},
        "appointment": appointment,
        "has_email": has_email,
        "form": form,
        "reasons": CANCEL_REASONS,
        "opts": Appointment._meta,
    }
    return TemplateResponse(request, "admin/bookings/appointment/cancel.html", context)


def move(request, pk: int):
    require_permission(request, "bookings.reschedule_appointment")
    appointment = get_object_or_404(
        Appointment.objects.select_related("service", "customer", "practitioner"), pk=pk
    )
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and data.get("slot"):
        try:
            when = datetime.fromisoformat(data["slot"])
            data["date"], data["time"] = when.date().isoformat(), when.strftime("%H:%M")
        except ValueError:
            pass
    local = timezone.localtime(appointment.start)
    form = MoveForm(
        data,
        service=appointment.service,
        initial={
            "date": local.date(),
            "time": local.time(),
            "practitioner": appointment.practitioner,
            "notify": True,
        },
    )
    refusal = None
    if data is not None and form.is_valid():
        try:
            move_appointment(
                appointment=appointment,
                start=form.start(),
                practitioner=form.cleaned_data["practitioner"],
                by_client=False,
                override_reason=form.cleaned_data["override_reason"],
                notify=form.cleaned_data["notify"],
                sms=form.cleaned_data["sms"],
            )
        except (BookingError, ValidationError) as error:
            form.add_error(None, error.message if isinstance(error, BookingError) else error)
            refusal = error
        else:
            told = _told(appointment, form.cleaned_data["notify"], form.cleaned_data["sms"])
            messages.success(request, _("The appointment is moved.") + " " + told)
            return _appointment_page(appointment)
    context = {
        **admin.site.each_context(request),
        "title": _("Move appointment %(reference)s") % {"reference": appointment.display_reference},
        "appointment": appointment,
        "form": form,
        "opts": Appointment._meta,
        "nearest": refusal.nearest if isinstance(refusal, StaffSlotTaken) else [],
        "conflicts": refusal.conflicts if isinstance(refusal, StaffSlotTaken) else [],
        "needs_override": isinstance(refusal, OutsideRules) or bool(form["override_reason"].value()),
        "override_reasons": OVERRIDE_REASONS,
    }
    return TemplateResponse(request, "admin/bookings/appointment/move.html", context)
