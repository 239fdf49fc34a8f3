"""The public booking flow and the client's manage-my-booking pages."""

from datetime import UTC, date, datetime, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings.converters import SlotStartConverter
from bookings.emails import manage_url
from bookings.forms import MARKETING_CONSENT_TEXT, BookingDetailsForm, LookupForm
from bookings.ics import appointment_ics, ics_filename
from bookings.models import Appointment, Practitioner, Service
from bookings.schedules import (
    bookable_practitioners,
    find_first_free_slot,
    find_free_slots,
    local_tz,
    monday_of,
    week_of_slots,
)
from bookings.services import (
    BookingError,
    TooManyBookings,
    book_appointment,
    cancel_appointment,
    client_may_change,
    move_appointment,
    send_manage_link,
)
from bookings.templatetags.booking_format import day_and_time, day_text
from bookings.tokens import current_manage_token, new_request_key, token_matches
from inuvet import ratelimit
from privacy.models import ConsentRecord
from privacy.services import has_consent, record_consent

DRAFT_KEY = "booking_draft"  # typed details kept while the client picks another time


def home(request):
    services = Service.objects.filter(is_active=True, bookable_online=True)
    return render(request, "bookings/home.html", {"services": services})


def _week_from(request, service: Service, practitioner_ids: list[int], exclude=None) -> date:
    """The Monday the picker shows: ?week=YYYY-MM-DD, ?week=first, or this week."""
    this_week = monday_of(timezone.localdate())
    value = request.GET.get("week", "")
    if value == "first":
        slot = find_first_free_slot(
            service,
            practitioner_ids=practitioner_ids,
            after=timezone.localdate(),
            exclude_appointment=exclude,
        )
        return monday_of(slot.start.astimezone(local_tz()).date()) if slot else this_week
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return this_week
    return min(max(monday_of(day), this_week), monday_of(timezone.localdate() + timedelta(days=731)))


def slot_picker(request, service_id: int):
    service = get_object_or_404(Service, pk=service_id, is_active=True, bookable_online=True)
    practitioners = list(bookable_practitioners(service))
    choice = request.GET.get("practitioner", "any")
    chosen = next((p for p in practitioners if str(p.pk) == choice), None)
    if chosen is None and choice != "any":
        messages.warning(request, _("Choose a practitioner from the list."))
    ids = [chosen.pk] if chosen else [p.pk for p in practitioners]
    monday = _week_from(request, service, ids)
    week = week_of_slots(service, practitioner_ids=ids, monday=monday)
    who = chosen.pk if chosen else None
    picker = reverse("bookings:slots", kwargs={"service_id": service.pk})
    context = {
        "service": service,
        "practitioners": practitioners,
        "chosen": chosen,
        **_week_context(
            week,
            slot_url=_url_per_slot("bookings:details", service_id=service.pk, practitioner=who),
            week_url=lambda monday: f"{picker}?{urlencode({'practitioner': who or 'any', 'week': monday})}",
        ),
    }
    return render(request, "bookings/slots.html", context)


_PLACEHOLDER_START = datetime(2000, 1, 1, tzinfo=UTC)


def _url_per_slot(viewname: str, **kwargs):
    """A function from a slot to its link, reversing the URL once rather than once per slot."""
    converter = SlotStartConverter()
    pattern = reverse(viewname, kwargs={**kwargs, "start": _PLACEHOLDER_START})
    placeholder = converter.to_url(_PLACEHOLDER_START)
    return lambda slot: pattern.replace(placeholder, converter.to_url(slot.start))


def _week_context(week, *, slot_url, week_url) -> dict:
    """The week grid's rows, each slot with its link, time and spoken label ready (templates
    cannot call functions with arguments; each day and each clock time is formatted once)."""
    tz = local_tz()
    clock_times: dict[tuple[int, int], str] = {}
    week_days = []
    for day, slots in week.days:
        said = day_text(day)
        rows = []
        for slot in slots:
            local = slot.start.astimezone(tz)
            time = clock_times.get((local.hour, local.minute))
            if time is None:
                time = clock_times[local.hour, local.minute] = formats.time_format(local, "TIME_FORMAT")
            rows.append((slot_url(slot), time, day_and_time(said, time)))
        week_days.append((day, rows))
    return {
        "week": week,
        "week_days": week_days,
        "previous_week_url": week_url(week.previous_monday) if week.previous_monday else "",
        "next_week_url": week_url(week.next_monday) if week.next_monday else "",
        "first_free_url": week_url("first"),
        "next_free_url": week_url(monday_of(week.next_free.start.astimezone(local_tz()).date()))
        if week.next_free
        else "",
    }


def _picker_url(service: Service, practitioner: int | None, start=None) -> str:
    query = {"practitioner": practitioner or "any"}
    if start is not None:
        query["week"] = monday_of(start.astimezone(local_tz()).date()).isoformat()
    return reverse("bookings:slots", kwargs={"service_id": service.pk}) + "?" + urlencode(query)


def _is_offered(service: Service, practitioner_ids: list[int], start) -> bool:
    day = start.astimezone(local_tz()).date()
    slots = find_free_slots(service, practitioner_ids=practitioner_ids, first_day=day, last_day=day)
    return any(slot.start == start for slot in slots)


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("booking")
def details(request, service_id: int, practitioner: int | None, start):
    """The details form of one chosen time. Its URL alone says what is booked: no hidden state."""
    service = get_object_or_404(Service, pk=service_id, is_active=True, bookable_online=True)
    candidates = list(bookable_practitioners(service))
    chosen = next((p for p in candidates if p.pk == practitioner), None)
    if practitioner is not None and chosen is None:
        messages.error(
            request, _("That practitioner does not offer this service. Please choose a time below.")
        )
        return redirect(_picker_url(service, None, start))

    if request.method == "POST":
        form = BookingDetailsForm(request.POST)
        if form.is_valid():
            return _book(request, form, service, chosen, start)
    else:
        ids = [chosen.pk] if chosen else [p.pk for p in candidates]
        if not _is_offered(service, ids, start):
            messages.error(request, _("That time is not available. Please choose another time."))
            return redirect(_picker_url(service, practitioner, start))
        form = BookingDetailsForm(
            initial={**request.session.get(DRAFT_KEY, {}), "request_key": new_request_key()}
        )
    return _render_details(request, form, service, chosen, start)


def _render_details(
    request, form, service: Service, practitioner: Practitioner | None, start, status: int = 200
):
    context = {
        "service": service,
        "practitioner": practitioner,
        "start": start,
        "form": form,
        "picker_url": _picker_url(service, practitioner and practitioner.pk, start),
    }
    return render(request, "bookings/details.html", context, status=status)


def _book(request, form: BookingDetailsForm, service: Service, practitioner: Practitioner | None, start):
    data = form.cleaned_data
    try:
        appointment = book_appointment(
            service=service,
            start=start,
            practitioner=practitioner,
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            message=data["message"],
            language=get_language(),
            request_key=data["request_key"],
        )
    except TooManyBookings as error:
        form.add_error(None, error.message)
        return _render_details(request, form, service, practitioner, start, status=409)
    except BookingError as error:
        # Keep what was typed (not the one-time key) while the client picks another time.
        request.session[DRAFT_KEY] = {k: v for k, v in data.items() if k != "request_key"}
        messages.error(request, error.message)
        return redirect(_picker_url(service, practitioner and practitioner.pk, start))
    except ValidationError as error:
        form.add_error(None, error)
        return _render_details(request, form, service, practitioner, start, status=400)

    if data["marketing_consent"] and not appointment.replayed:
        record_consent(
            customer=appointment.customer,
            purpose=ConsentRecord.Purpose.MARKETING,
            given=True,
            text=str(MARKETING_CONSENT_TEXT),
            language=get_language(),
            source="booking form",
        )
    if DRAFT_KEY in request.session:
        del request.session[DRAFT_KEY]
    messages.success(request, _("Thank you! Your booking is confirmed. We sent the details to your email."))
    return redirect(appointment_manage_url(appointment))


def appointment_manage_url(appointment: Appointment) -> str:
    token = current_manage_token(appointment)
    return reverse("bookings:manage", kwargs={"reference": appointment.reference, "token": token})


# Manage my booking ------------------------------------------------------------------------------


def with_manage_link(view):
    """Open the booking of the link, or 404. Wrong links are counted per client and limited.

    A right and a wrong token take the same path: one lookup by reference, one constant-time
    comparison of hashes.
    """

    @wraps(view)
    @never_cache
    def wrapped(request, reference: str, token: str, *args, **kwargs):
        if ratelimit.over_limit(request, "manage"):
            return ratelimit.too_many_requests(request)
        appointment = (
            Appointment.objects.select_related("service", "practitioner", "customer")
            .filter(reference=reference)
            .first()
        )
        if not token_matches(token, appointment.manage_token_hash if appointment else None):
            ratelimit.count(request, "manage")
            raise Http404
        return view(request, appointment, token, *args, **kwargs)

    return wrapped


def _manage_context(appointment: Appointment, token: str) -> dict:
    now = timezone.now()
    customer = appointment.customer
    return {
        "appointment": appointment,
        "token": token,
        "marketing_consent": bool(customer) and has_consent(customer, ConsentRecord.Purpose.MARKETING),
        "can_change": client_may_change(appointment, now),
        "cutoff": appointment.start - timedelta(hours=appointment.service.cancel_cutoff),
        "is_past": appointment.start <= now,
    }


@require_http_methods(["GET"])
@with_manage_link
def manage(request, appointment: Appointment, token: str):
    return render(request, "bookings/manage.html", _manage_context(appointment, token))


@require_http_methods(["GET"])
@with_manage_link
def manage_ics(request, appointment: Appointment, token: str):
    response = HttpResponse(
        appointment_ics(appointment, manage_url=manage_url(appointment)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(appointment)}"'
    return response


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_cancel(request, appointment: Appointment, token: str):
    manage_page = reverse("bookings:manage", kwargs={"reference": appointment.reference, "token": token})
    if request.method == "POST":
        try:
            cancel_appointment(appointment=appointment, by_client=True)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your booking is cancelled. We sent a confirmation to your email."))
        return redirect(manage_page)
    return render(request, "bookings/manage_cancel.html", _manage_context(appointment, token))


@require_http_methods(["GET"])
@with_manage_link
def manage_move(request, appointment: Appointment, token: str):
    context = _manage_context(appointment, token)
    if not context["can_change"]:
        messages.error(request, _("This booking can no longer be changed online. Please call the clinic."))
        return redirect(
            reverse("bookings:manage", kwargs={"reference": appointment.reference, "token": token})
        )
    service = appointment.service
    ids = list(bookable_practitioners(service).values_list("pk", flat=True))
    monday = _week_from(request, service, ids, exclude=appointment)
    week = week_of_slots(service, practitioner_ids=ids, monday=monday, exclude_appointment=appointment)
    move_page = reverse("bookings:manage_move", kwargs={"reference": appointment.reference, "token": token})
    context.update(
        service=service,
        **_week_context(
            week,
            slot_url=_url_per_slot(
                "bookings:manage_move_confirm", reference=appointment.reference, token=token
            ),
            week_url=lambda monday: f"{move_page}?{urlencode({'week': monday})}",
        ),
    )
    return render(request, "bookings/manage_move.html", context)


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_move_confirm(request, appointment: Appointment, token: str, start):
    move_page = reverse("bookings:manage_move", kwargs={"reference": appointment.reference, "token": token})
    if request.method == "POST":
        try:
            move_appointment(appointment=appointment, start=start, by_client=True)
        except BookingError as error:
            messages.error(request, error.message)
            return redirect(
                f"{move_page}?{urlencode({'week': monday_of(start.astimezone(local_tz()).date()).isoformat()})}"
            )
        messages.success(request, _("Your booking has been moved. We sent the new time to your email."))
        return redirect(
            reverse("bookings:manage", kwargs={"reference": appointment.reference, "token": token})
        )
    return render(
        request,
        "bookings/manage_move_confirm.html",
        {**_manage_context(appointment, token), "new_start": start},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("lookup")
def lookup(request):
    """Booking reference + email → the link is emailed to the address on the booking.

    The answer is the same whether or not such a booking exists.
    """
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        send_manage_link(reference=form.cleaned_data["reference"], email=form.cleaned_data["email"])
        return render(request, "bookings/lookup_sent.html")
    return render(request, "bookings/lookup.html", {"form": form})
