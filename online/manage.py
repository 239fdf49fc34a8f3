"""The pages of a booking's personal link: the booking, its calendar file, cancel, move, and the
client's own data (correct, download, withdraw consent, delete); and finding one's link again."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.calendar import bookable_practitioners, find_free_slots, local_tz, week_of_slots
from bookings.emails import manage_url, send_links_of_address, send_manage_link
from bookings.ics import appointment_ics, calendar_mimetype, ics_filename
from bookings.models import Appointment, Practitioner
from bookings.services import (
    BookingError,
    cancel_appointment,
    client_may_change,
    move_appointment,
    set_sms_opt_in,
)
from bookings.tokens import current_manage_token, token_matches
from customers.forms import ContactFields
from inuvet import ratelimit
from inuvet.background import after_response
from inuvet.links import is_id
from online.calendar_links import google_calendar_url, map_url, outlook_calendar_url
from online.forms import EmailForm, LookupForm
from online.picker import url_per_slot, week_asked_for, week_context, week_of
from online.steps import progress
from privacy.exports import zip_download
from privacy.models import ConsentRecord, DataSubjectRequest
from privacy.services import (
    correct_by_client,
    erase_by_subject,
    export_by_subject,
    has_consent,
    record_consent,
)
from waitlist.services import offer_free_times

DRAFT_KEY = "booking_draft"  # typed details kept in the session for the next details form
WITHDRAWAL_TEXT = gettext_lazy("I withdraw my consent to marketing by email.")


def appointment_manage_url(appointment: Appointment) -> str:
    token = current_manage_token(appointment)
    return reverse("online:manage", kwargs={"reference": appointment.reference, "token": token})


def with_manage_link(view):
    """Open the booking of the link, or 404.

    A valid link is always served: only wrong ones count against the client's address, and
    past its allowance they answer 429 instead of 404 (so a neighbour's guessing never locks
    an owner out of their booking). Changes through a valid link (POSTs) have their own
    allowance per link, whoever sends them. A right and a wrong token take the same path: one
    lookup by reference, one constant-time comparison of hashes.
    """

    @wraps(view)
    @never_cache
    def wrapped(request, reference: str, token: str, *args, **kwargs):
        appointment = (
            Appointment.objects.select_related("service", "practitioner", "customer")
            .filter(reference=reference)
            .first()
        )
        if not token_matches(token, appointment.manage_token_hash if appointment else None):
            wait = ratelimit.try_use(request, "manage")
            if wait:
                return ratelimit.too_many_requests(request, wait)
            raise Http404
        if request.method == "POST":
            wait = ratelimit.try_use(request, "manage_action", who=f"link:{appointment.reference}")
            if wait:
                return ratelimit.too_many_requests(request, wait)
        return view(request, appointment, token, *args, **kwargs)

    return wrapped


def _page(appointment: Appointment, token: str, name: str = "online:manage") -> str:
    return reverse(name, kwargs={"reference": appointment.reference, "token": token})


def _book_again_url(appointment: Appointment) -> str:
    service = appointment.service
    if not (service.is_active and service.bookable_online):
        return reverse("online:home")
    who = appointment.practitioner_id if appointment.practitioner_chosen else "any"
    return reverse("online:slots", kwargs={"service_id": service.pk}) + "?" + urlencode({"practitioner": who})


def _manage_context(appointment: Appointment, token: str) -> dict:
    now = timezone.now()
    customer = appointment.customer
    return {
        "appointment": appointment,
        "token": token,
        "marketing_consent": bool(customer) and has_consent(customer, ConsentRecord.Purpose.MARKETING),
        "can_change": client_may_change(appointment, now),
        "cutoff": appointment.change_deadline,
        "is_past": appointment.start <= now,
        "book_again_url": _book_again_url(appointment),
    }


@require_http_methods(["GET"])
@with_manage_link
def manage(request, appointment: Appointment, token: str):
    context = _manage_context(appointment, token)
    # ?booked: the booking form's redirect, so the page opens as the flow's last step.
    just_booked = "booked" in request.GET and appointment.status == Appointment.Status.CONFIRMED
    context.update(
        just_booked=just_booked,
        steps=progress("done") if just_booked else None,
        map_url=map_url(),
        google_calendar_url=google_calendar_url(appointment),
        outlook_calendar_url=outlook_calendar_url(appointment),
    )
    return render(request, "online/manage.html", context)


@require_http_methods(["GET"])
@with_manage_link
def manage_ics(request, appointment: Appointment, token: str):
    response = HttpResponse(
        appointment_ics(appointment, manage_url=manage_url(appointment)),
        content_type=f"{calendar_mimetype(appointment)}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{ics_filename(appointment)}"'
    return response


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_cancel(request, appointment: Appointment, token: str):
    if request.method == "POST":
        try:
            cancel_appointment(appointment=appointment, by_client=True)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your booking is cancelled. We sent a confirmation to your email."))
            after_response(offer_free_times)  # the time is free: those waiting hear of it now
        return redirect(_page(appointment, token))
    return render(request, "online/manage_cancel.html", _manage_context(appointment, token))


def _move_candidates(appointment: Appointment) -> list[int]:
    """Whose times a move may take: the booked practitioner's only, unless booked with "any"."""
    chosen = appointment.practitioner if appointment.practitioner_chosen else None
    return list(bookable_practitioners(appointment.service, chosen).values_list("pk", flat=True))


@require_http_methods(["GET"])
@with_manage_link
def manage_move(request, appointment: Appointment, token: str):
    context = _manage_context(appointment, token)
    if not context["can_change"]:
        messages.error(request, _("This booking can no longer be changed online. Please call the clinic."))
        return redirect(_page(appointment, token))
    service = appointment.service
    ids = _move_candidates(appointment)
    monday = week_asked_for(request, service, ids, exclude=appointment)
    week = week_of_slots(service, practitioner_ids=ids, monday=monday, exclude_appointment=appointment)
    move_page = _page(appointment, token, "online:manage_move")
    context.update(
        service=service,
        **week_context(
            week,
            slot_url=url_per_slot("online:manage_move_confirm", reference=appointment.reference, token=token),
            week_url=lambda monday: f"{move_page}?{urlencode({'week': monday})}",
            service=service,
            day=request.GET.get("day", ""),
        ),
    )
    return render(request, "online/manage_move.html", context)


def _who_takes(appointment: Appointment, start) -> Practitioner | None:
    """The practitioner a move to `start` goes to: the booked one when free (always, if chosen),
    else the first free one in display order; None when nobody is free then."""
    ids = _move_candidates(appointment)
    day = start.astimezone(local_tz()).date()
    slots = find_free_slots(
        appointment.service,
        practitioner_ids=ids,
        first_day=day,
        last_day=day,
        exclude_appointment=appointment,
    )
    free = next((slot.practitioner_ids for slot in slots if slot.start == start), ())
    if not free:
        return None
    pk = appointment.practitioner_id if appointment.practitioner_id in free else free[0]
    return Practitioner.objects.get(pk=pk)


def _back_to_move_picker(appointment: Appointment, token: str, start):
    return redirect(
        f"{_page(appointment, token, 'online:manage_move')}?{urlencode({'week': week_of(start)})}"
    )


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_move_confirm(request, appointment: Appointment, token: str, start):
    if request.method == "POST":
        # The practitioner the confirm step named, and nobody else (the service enforces it);
        # without one, the booked practitioner.
        choice = request.POST.get("practitioner", "")
        valid = is_id(choice)
        practitioner = (
            bookable_practitioners(appointment.service).filter(pk=int(choice)).first() if valid else None
        )
        if practitioner is None and choice:
            messages.error(request, _("That time is not available. Please choose another time."))
            return _back_to_move_picker(appointment, token, start)
        try:
            move_appointment(appointment=appointment, start=start, practitioner=practitioner, by_client=True)
        except BookingError as error:
            messages.error(request, error.message)
            return _back_to_move_picker(appointment, token, start)
        messages.success(request, _("Your booking has been moved. We sent the new time to your email."))
        after_response(offer_free_times)  # the old time is free: those waiting hear of it now
        return redirect(_page(appointment, token))
    context = _manage_context(appointment, token)
    if not context["can_change"]:
        messages.error(request, _("This booking can no longer be changed online. Please call the clinic."))
        return redirect(_page(appointment, token))
    practitioner = _who_takes(appointment, start)
    if practitioner is None:
        messages.error(request, _("That time is not available. Please choose another time."))
        return _back_to_move_picker(appointment, token, start)
    new_deadline = appointment.service.change_deadline(start)
    return render(
        request,
        "online/manage_move_confirm.html",
        {
            **context,
            "new_start": start,
            "new_practitioner": practitioner,
            "practitioner_changes": practitioner.pk != appointment.practitioner_id,
            "new_deadline": new_deadline,
            "new_time_locked": timezone.now() >= new_deadline,
        },
    )


# The client's own data --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_correct(request, appointment: Appointment, token: str):
    customer = appointment.customer
    if customer is None:
        return redirect(_page(appointment, token))
    form = ContactFields(
        request.POST or None,
        initial={"name": customer.name, "phone": customer.phone_display, "email": customer.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            email_waits = correct_by_client(
                appointment=appointment, language=get_language(), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your details are corrected."))
            if email_waits:
                messages.info(
                    request,
                    _("We sent a link to your new email address: the change takes effect when you open it."),
                )
            return redirect(_page(appointment, token))
    return render(
        request, "online/manage_correct.html", {"form": form, "appointment": appointment, "token": token}
    )


@require_POST
@with_manage_link
def manage_export(request, appointment: Appointment, token: str):
    if appointment.customer is None:
        return redirect(_page(appointment, token))
    # A booking's link reaches that booking's record only.
    content = export_by_subject(
        customers=[appointment.customer],
        verification=DataSubjectRequest.Verification.BOOKING_LINK,
        language=get_language(),
    )
    return zip_download(content, f"inuvet-my-data-{appointment.display_reference}")


@require_POST
@with_manage_link
def manage_sms(request, appointment: Appointment, token: str):
    """Text messages about this booking on or off."""
    try:
        set_sms_opt_in(appointment=appointment, wanted=request.POST.get("sms") == "on")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("We will send you text messages about this booking.")
            if appointment.sms_opt_in
            else _("We will not send you text messages about this booking."),
        )
    return redirect(_page(appointment, token))


@require_POST
@with_manage_link
def manage_book_another(request, appointment: Appointment, token: str):
    """Book another animal: the next details form starts with this booking's contact details (in
    the session, never in a URL); the animal's species and name are chosen afresh."""
    customer = appointment.customer
    if customer is not None:
        request.session[DRAFT_KEY] = {"name": customer.name, "phone": customer.phone, "email": customer.email}
    return redirect(reverse("online:home"))


@require_POST
@with_manage_link
def manage_withdraw_consent(request, appointment: Appointment, token: str):
    customer = appointment.customer
    if customer is not None and has_consent(customer, ConsentRecord.Purpose.MARKETING):
        record_consent(
            customer=customer,
            purpose=ConsentRecord.Purpose.MARKETING,
            given=False,
            text=str(WITHDRAWAL_TEXT),
            language=get_language(),
            source="manage link",
        )
        messages.success(request, _("Your marketing consent is withdrawn. We will not send you marketing."))
    return redirect(_page(appointment, token))


@require_http_methods(["GET", "POST"])
@with_manage_link
def manage_erase(request, appointment: Appointment, token: str):
    if appointment.customer is None:
        return redirect(_page(appointment, token))
    customers = [appointment.customer]  # a booking's link reaches that booking's record only
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        receipt = erase_by_subject(
            customers=customers, verification=DataSubjectRequest.Verification.BOOKING_LINK
        )
        return render(request, "privacy/erased.html", {"receipt": receipt})
    return render(
        request,
        "privacy/erase_confirm.html",
        {
            "upcoming": Appointment.objects.confirmed()
            .upcoming()
            .filter(customer__in=customers)
            .select_related("service"),
            "action": _page(appointment, token, "online:manage_erase"),
            "back": _page(appointment, token),
        },
    )


# Without the link -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("lookup")
def lookup(request):
    """Booking reference + the email or phone on it → the link is emailed to the booking's address.

    The answer is the same whether or not such a booking exists.
    """
    form = LookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Whether such a booking exists is found out after the response: same time either way.
        after_response(
            send_manage_link, reference=form.cleaned_data["reference"], **form.cleaned_data["contact"]
        )
        return render(request, "online/lookup_sent.html")
    return render(request, "online/lookup.html", {"form": form})


@never_cache
@require_POST
@ratelimit.limit_posts("lookup")
def send_my_links(request):
    """The booking cap stopped the client: the links of their upcoming bookings go to the address
    typed (only its holder gets them). The answer is the same whether or not any exist."""
    form = EmailForm(request.POST)
    if form.is_valid():
        after_response(send_links_of_address, email=form.cleaned_data["email"], language=get_language())
    return render(request, "online/my_links_sent.html")
