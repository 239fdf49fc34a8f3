"""The booking desk: a phone or walk-in booking in one form. Searching the customer, showing the
day's free times, picking one and "walk-in now" are buttons of the same form (POST), so nothing
typed is lost and no search of a person sits in a URL or runs from a link."""

import secrets
from datetime import date, datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.calendar import bookable_practitioners
from bookings.errors import BookingError, OutsideRules, StaffSlotTaken
from bookings.models import Appointment, Practitioner, Service
from bookings.services import book_appointment
from bookings.staff_rules import free_times
from customers.contact import normalise_email, phone_lookup
from customers.models import Customer
from frontdesk.forms import OVERRIDE_REASONS, StaffBookingForm, floor_to_step
from frontdesk.search import find_people
from inuvet.audit import log_access, log_accesses, require_permission
from inuvet.links import is_id

ACTIONS = {"book", "search", "times", "now", "unchoose"}


def _initial(request) -> dict:
    """What the entry point implies: a calendar cell's practitioner and time, a service, a source."""
    walk_in = request.GET.get("source") == Appointment.Source.WALK_IN
    initial = {
        "source": Appointment.Source.WALK_IN if walk_in else Appointment.Source.PHONE,
        "notify": not walk_in,
        "language": "fi",
        "request_key": secrets.token_urlsafe(24),
    }
    for key in ("service", "practitioner"):
        if is_id(request.GET.get(key, "")):
            initial[key] = request.GET[key]
    try:
        when = datetime.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        when = None
    if when is not None:
        initial["date"], initial["time"] = when.date(), when.time()
    if walk_in and request.GET.get("now"):
        _now_into(initial)
    return initial


def _step_of(service_id) -> int:
    service = Service.objects.filter(pk=service_id).first() if is_id(str(service_id or "")) else None
    return service.slot_step if service else 5


def _now_into(data) -> None:
    """Walk-in now: today, the current time rounded down to the service's slot step, no email."""
    start = floor_to_step(timezone.now(), _step_of(data.get("service")))
    data["date"], data["time"] = start.date().isoformat(), start.strftime("%H:%M")
    data["source"] = Appointment.Source.WALK_IN
    data.pop("notify", None)


def _carry_search(data: QueryDict, term: str) -> None:
    """The searched phone, email or name goes into the new customer's empty field."""
    term = term.strip()
    if not term:
        return
    if phone_lookup(term).get("phone"):
        field = "phone"
    else:
        try:
            normalise_email(term)
            field = "email"
        except ValidationError:
            field = "name" if not any(ch.isdigit() for ch in term) else ""
    if field and not data.get(field, "").strip():
        data[field] = term


def _apply(data: QueryDict) -> str:
    """Change the posted data as the pressed button says; returns the action."""
    if data.get("slot"):
        try:
            when = datetime.fromisoformat(data["slot"])
        except ValueError:
            return "times"
        data["date"], data["time"] = when.date().isoformat(), when.strftime("%H:%M")
        return "slot"
    if is_id(data.get("choose", "")):
        data["customer"] = data["choose"]
        return "choose"
    action = data.get("action", "")
    action = action if action in ACTIONS else "times"
    if action == "unchoose":
        data["customer"] = ""
    elif action == "now":
        _now_into(data)
    elif action == "search":
        _carry_search(data, data.get("q", ""))
    return action


def _day_of(form) -> date | None:
    try:
        return date.fromisoformat(str(form["date"].value() or ""))
    except ValueError:
        return None


def _free_times_shown(form) -> tuple[Service | None, list]:
    """The free times of the chosen service (and practitioner) on the chosen day, each with who is
    free then when no practitioner was chosen."""
    service_id, practitioner_id = form["service"].value(), form["practitioner"].value()
    service = (
        Service.objects.filter(pk=service_id, is_active=True).first() if is_id(str(service_id)) else None
    )
    day = _day_of(form)
    if service is None or day is None or abs((day - timezone.localdate()).days) > 3 * 365:
        return service, []
    chosen = Practitioner.objects.filter(pk=practitioner_id).first() if is_id(str(practitioner_id)) else None
    practitioners = {p.pk: p for p in bookable_practitioners(service, chosen)}
    slots = free_times(service, list(practitioners), day)
    return service, [
        (slot, [] if chosen else [practitioners[pid] for pid in slot.practitioner_ids]) for slot in slots
    ]


def _book(request, form):
    """Book from a valid form: the appointment page, or None with the refusal added to the form."""
    try:
        booked = book_appointment(
            service=form.cleaned_data["service"],
            practitioner=form.cleaned_data["practitioner"],
            start=form.start(),
            source=form.cleaned_data["source"],
            language=form.cleaned_data["language"],
            message=form.cleaned_data["message"],
            species=form.cleaned_data["species"],
            animal_name=form.cleaned_data["animal_name"],
            request_key=form.cleaned_data["request_key"],
            override_reason=form.cleaned_data["override_reason"],
            notify=form.cleaned_data["notify"],
            **form.contact(),
        )
    except (BookingError, ValidationError) as error:
        form.add_error(None, error.message if isinstance(error, BookingError) else error)
        return None, error
    appointment = booked.appointment
    if booked.replayed and (appointment.start, appointment.service_id) != (
        form.start(),
        form.cleaned_data["service"].pk,
    ):
        form.add_error(None, _("This form was already used for another booking. Start a new booking."))
        return None, None
    if booked.replayed:
        messages.info(request, _("This booking was already made: here it is."))
    else:
        messages.success(request, _("Booked %(reference)s.") % {"reference": appointment.display_reference})
    return redirect(reverse("admin:bookings_appointment_change", args=[appointment.pk])), None


def book(request):
    """Book for a phone or walk-in client: time, customer (search or new), details, confirm."""
    require_permission(request, "bookings.add_appointment")
    action, refusal, people = "", None, []
    query = ""
    if request.method == "POST":
        data = request.POST.copy()
        action = _apply(data)
        query = data.get("q", "")
        # Only "book" validates: the other buttons carry what was typed without complaining yet.
        form = StaffBookingForm(data) if action == "book" else StaffBookingForm(initial=data.dict())
        if action == "book" and form.is_valid():
            done, refusal = _book(request, form)
            if done is not None:
                return done
        if action == "search" and len(query.strip()) >= 2:
            people, records = find_people(query)
            log_accesses(records, "search", term=query)
    else:
        form = StaffBookingForm(initial=_initial(request))

    chosen = None
    customer_id = form["customer"].value()
    if customer_id and is_id(str(customer_id)):
        chosen = Customer.objects.filter(pk=customer_id).first()
        if chosen is not None:
            log_access(chosen)
    service, slots = _free_times_shown(form)
    return TemplateResponse(
        request,
        "frontdesk/book.html",
        {
            **admin.site.each_context(request),
            "title": _("New booking"),
            "form": form,
            "query": query,
            "people": people,
            "searched": action == "search" and len(query.strip()) >= 2,
            "chosen": chosen,
            "service": service,
            "day": _day_of(form),
            "slots": slots,
            "nearest": refusal.nearest if isinstance(refusal, StaffSlotTaken) else [],
            "conflicts": refusal.conflicts if isinstance(refusal, StaffSlotTaken) else [],
            "needs_override": isinstance(refusal, OutsideRules) or bool(form["override_reason"].value()),
            "override_reasons": OVERRIDE_REASONS,
        },
    )
