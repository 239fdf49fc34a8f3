"""The actions on an appointment in the staff site (status, move, cancel), all through the booking
services. The calendar is frontdesk/calendar_pages.py, the booking form frontdesk/booking.py, the
appointments a schedule change affects frontdesk/schedule.py."""

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.errors import BookingError, OutsideRules, StaffSlotTaken
from bookings.models import Appointment
from bookings.services import cancel_appointment, move_appointment, set_appointment_status
from customers.contact import can_receive_sms
from frontdesk.forms import CANCEL_REASONS, OVERRIDE_REASONS, CancelForm, MoveForm
from inuvet.audit import require_permission

# Actions on one appointment (buttons on its admin page) ---------------------------------------------


def _appointment_page(appointment: Appointment, request=None):
    """Back to the appointment's page, or to the calendar page the action came from (`next`)."""
    back = (request.POST.get("next") or request.GET.get("next") or "") if request is not None else ""
    if back.startswith(reverse("admin:calendar")) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk]))


def back_to(request) -> str:
    """The calendar page an action came from, for the forms of its confirm steps ("" if none)."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    return back if back.startswith(reverse("admin:calendar")) else ""


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
    return _appointment_page(appointment, request)


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
            return _appointment_page(appointment, request)
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            told = _told(appointment, form.cleaned_data["notify"], form.cleaned_data["sms"])
            messages.success(request, _("The appointment is cancelled.") + " " + told)
            return _appointment_page(appointment, request)
    context = {
        **admin.site.each_context(request),
        "title": _("Cancel appointment %(reference)s?") % {"reference": appointment.display_reference},
        "appointment": appointment,
        "has_email": has_email,
        "form": form,
        "reasons": CANCEL_REASONS,
        "opts": Appointment._meta,
        "next": back_to(request),
    }
    return TemplateResponse(request, "admin/bookings/appointment/cancel.html", context)


def _moved_json(appointment: Appointment, message: str, status: int = 200) -> JsonResponse:
    """Where the appointment is now, as the server has it, and what happened."""
    return JsonResponse(
        {
            "ok": status == 200,
            "message": message,
            "id": appointment.pk,
            "start": appointment.start.isoformat(),
            "end": appointment.end.isoformat(),
            "practitioner": appointment.practitioner_id,
            # The practice's wall clock, as the calendar's drag shows times.
            "local_start": timezone.localtime(appointment.start).strftime("%Y-%m-%dT%H:%M:%S"),
            "local_end": timezone.localtime(appointment.end).strftime("%Y-%m-%dT%H:%M:%S"),
        },
        status=status,
    )


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
    form = MoveForm.for_appointment(appointment, data)
    refusal = None
    wants_json = request.headers.get("Accept") == "application/json"  # the calendar's drag
    if data is not None and form.is_valid():
        try:
            moved = move_appointment(
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
            if wants_json:
                return _moved_json(moved, _("The appointment is moved.") + " " + told)
            messages.success(request, _("The appointment is moved.") + " " + told)
            return _appointment_page(appointment, request)
    if wants_json and data is not None:
        # Refused: the calendar puts the block back where the server has it, and says why.
        errors = [str(e) for e in form.non_field_errors()] + [
            str(e) for name, field_errors in form.errors.items() if name != "__all__" for e in field_errors
        ]
        appointment.refresh_from_db()
        return _moved_json(
            appointment, " ".join(errors) or _("The appointment could not be moved."), status=409
        )
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
        "next": back_to(request),
    }
    return TemplateResponse(request, "admin/bookings/appointment/move.html", context)
