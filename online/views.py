"""The client's booking flow: start page, slot picker, details form. The manage link's pages are
in online/manage.py."""

import json
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods

from bookings.calendar import bookable_practitioners, find_free_slots, local_tz, week_of_slots
from bookings.calendar_versions import practice_version, service_versions
from bookings.models import Appointment, Practitioner, Service, Species, WorkingHours
from bookings.opening_hours import opening_hours
from bookings.services import BookingError, TooManyBookings
from bookings.tokens import new_request_key
from inuvet import ratelimit
from inuvet.links import is_id
from online import page_cache, proof_of_work
from online.forms import BookingDetailsForm
from online.manage import DRAFT_KEY, appointment_manage_url  # typed details kept in the session
from online.picker import (
    has_locked,
    is_canonical_query,
    slot_rows,
    species_is_canonical,
    url_per_slot,
    week_asked_for,
    week_context,
    week_of,
)
from online.services import book_online
from online.steps import progress

# Details pages this browser booked from (path → reference), so that Back after booking shows
# the client's own booking instead of "that time is not available". References only.
# A signed cookie, not the session: a booking then writes no session row.
JUST_BOOKED_COOKIE = "__Host-booked" if settings.SESSION_COOKIE_SECURE else "booked"
JUST_BOOKED_SALT = "online.just-booked"
JUST_BOOKED_KEEP = 5
ALTERNATIVES = 8  # free times offered on the form when the chosen one was just taken


def _species_asked(request) -> tuple[Species | None, bool]:
    """The species in ?species=, and whether an unknown one was asked for."""
    value = request.GET.get("species", "")
    if not value:
        return None, False
    species = Species.objects.filter(is_active=True, pk=value).first() if is_id(value) else None
    return species, species is None


def _with_species(url: str, species: Species | None) -> str:
    if species is None:
        return url
    return url + ("&" if "?" in url else "?") + urlencode({"species": species.pk})


# Compressed HTML (BREACH): only pages that echo no secret, neither a CSRF token nor a link's
# token, are gzipped: the start page and the picker. The details form and the booking's own
# pages carry secrets next to text a visitor can put in the URL, so they stay uncompressed.
@gzip_page
def home(request):
    return page_cache.serve(
        request,
        versions=practice_version(),
        render=lambda: _home(request),
        params=("species",),
        canonical=species_is_canonical,
    )


def _home(request):
    species, unknown = _species_asked(request)
    if unknown:
        messages.error(request, _("Choose the species from the list."))
    services = Service.objects.bookable_online().prefetch_related("species_prices")
    if species is not None:
        services = services.for_species(species)
    context = {
        "services": services,
        "species_list": Species.objects.filter(is_active=True),
        "species": species,
        "species_query": f"?{urlencode({'species': species.pk})}" if species else "",
        "opening_hours": [
            {"name": WorkingHours.Weekday(day.weekday).label, "intervals": day.intervals}
            for day in opening_hours(timezone.localdate())
        ],
    }
    return render(request, "online/home.html", {**context, "steps": progress("service")})


def price_list(request):
    """Every service's price, per species where it differs, and the practice fee: the public price list."""
    services = Service.objects.filter(is_active=True, price__isnull=False).prefetch_related(
        "species_prices__species", "species"
    )
    return render(
        request, "online/price_list.html", {"services": services, "practice_fee": settings.PRACTICE_FEE}
    )


def _species_for_service(request, service: Service) -> Species | None:
    """The species asked for, when the service takes it; otherwise None, with a message saying why."""
    species, unknown = _species_asked(request)
    if unknown:
        messages.error(request, _("Choose the species from the list."))
    elif species is not None and not service.takes(species):
        messages.error(
            request,
            _("%(service)s is not offered for this species (%(species)s). Please choose another service.")
            % {"service": service.localized_name, "species": species.localized_name},
        )
        return None
    return species


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


@lru_cache(maxsize=1)
def _favicon_bytes() -> bytes:
    return (Path(settings.BASE_DIR) / "static" / "favicon.ico").read_bytes()


@gzip_page
def slot_picker(request, service_id: int):
    return page_cache.serve(
        request,
        versions=service_versions(service_id),
        render=lambda: _slot_picker(request, service_id),
        params=("week", "practitioner", "day", "species"),
        canonical=is_canonical_query,
    )


def _slot_picker(request, service_id: int):
    service = get_object_or_404(Service.objects.bookable_online(), pk=service_id)
    species = _species_for_service(request, service)
    practitioners = list(bookable_practitioners(service))
    choice = request.GET.get("practitioner", "any")
    chosen = next((p for p in practitioners if str(p.pk) == choice), None)
    if chosen is None and choice != "any":
        messages.warning(request, _("Choose a practitioner from the list."))
    ids = [chosen.pk] if chosen else [p.pk for p in practitioners]
    monday = week_asked_for(request, service, ids)
    week = week_of_slots(service, practitioner_ids=ids, monday=monday)
    who = chosen.pk if chosen else None
    picker = reverse("online:slots", kwargs={"service_id": service.pk})
    slot_url = url_per_slot("online:details", service_id=service.pk, practitioner=who)
    context = {
        "service": service,
        "species": species,
        "practitioners": practitioners,
        "chosen": chosen,
        "waitlist_url": reverse("online:waitlist_join", kwargs={"service_id": service.pk}),
        "steps": progress("time", {"service": _with_species(reverse("online:home"), species)}),
        **week_context(
            week,
            slot_url=(lambda slot: _with_species(slot_url(slot), species)) if species else slot_url,
            week_url=lambda monday: _with_species(
                f"{picker}?{urlencode({'practitioner': who or 'any', 'week': monday})}", species
            ),
            service=service,
            day=request.GET.get("day", ""),
        ),
    }
    return render(request, "online/slots.html", context)


def _picker_url(service: Service, practitioner: int | None, start=None) -> str:
    query = {"practitioner": practitioner or "any"}
    if start is not None:
        query["week"] = week_of(start)
        query["day"] = start.astimezone(local_tz()).date().isoformat()
    return reverse("online:slots", kwargs={"service_id": service.pk}) + "?" + urlencode(query)


def _is_offered(service: Service, practitioner_ids: list[int], start) -> bool:
    """Whether the picker offers this time: worked out once per calendar version (page_cache)."""

    def work_out() -> bool:
        day = start.astimezone(local_tz()).date()
        slots = find_free_slots(service, practitioner_ids=practitioner_ids, first_day=day, last_day=day)
        return any(slot.start == start for slot in slots)

    question = f"offered:{service.pk}:{practitioner_ids}:{start.isoformat()}"
    return page_cache.remember(question, versions=service_versions(service.pk), work_out=work_out)


def _booked_here(request, start) -> Appointment | None:
    """The booking this browser made from this very details page, if it still holds this time
    (not cancelled, not moved) and still has its link (not erased)."""
    reference = _just_booked(request).get(request.path)
    if reference is None:
        return None
    return (
        Appointment.objects.active()
        .filter(reference=reference, start=start, manage_token_hash__isnull=False)
        .first()
    )


def _just_booked(request) -> dict:
    try:
        booked = json.loads(
            request.get_signed_cookie(JUST_BOOKED_COOKIE, default="{}", salt=JUST_BOOKED_SALT)
        )
    except ValueError:
        return {}
    return booked if isinstance(booked, dict) else {}


def _remember_booked(request, response, appointment: Appointment) -> None:
    booked = _just_booked(request)
    booked[request.path] = appointment.reference
    response.set_signed_cookie(
        JUST_BOOKED_COOKIE,
        json.dumps(dict(list(booked.items())[-JUST_BOOKED_KEEP:])),
        salt=JUST_BOOKED_SALT,
        max_age=24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
        path="/",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("booking")
def details(request, service_id: int, practitioner: int | None, start):
    """The details form of one chosen time. Its URL alone says what is booked: no hidden state."""
    if request.method == "POST":
        return _details_sent(request, service_id, practitioner, start)
    booked = _booked_here(request, start)
    if booked is not None:
        # Back after booking: the time is not free any more because this client took it.
        messages.info(request, _("You have booked this time. Here is your booking."))
        return redirect(appointment_manage_url(booked))
    needs_proof = proof_of_work.required(request)
    # Everyone opening this time sees the same empty form: shared, with their own token and key
    # (but a visitor who must solve a challenge gets a page with their own).
    return page_cache.serve_form(
        request,
        versions=service_versions(service_id),
        render=lambda values: _details_form(request, service_id, practitioner, start, values, needs_proof),
        fresh={"csrf_token": lambda: get_token(request), "request_key": new_request_key},
        params=("species",),
        canonical=species_is_canonical,
        share=not needs_proof,
    )


def _chosen(request, service_id: int, practitioner: int | None, start):
    """(service, species, practitioner or None), or the redirect for a practitioner who does not
    offer the service."""
    service = get_object_or_404(Service.objects.bookable_online(), pk=service_id)
    species = _species_for_service(request, service)
    chosen = bookable_practitioners(service).filter(pk=practitioner).first() if practitioner else None
    if practitioner is not None and chosen is None:
        messages.error(
            request, _("That practitioner does not offer this service. Please choose a time below.")
        )
        return redirect(_with_species(_picker_url(service, None, start), species))
    return service, species, chosen


def _details_form(
    request, service_id: int, practitioner: int | None, start, values: dict[str, str], needs_proof: bool
):
    """The empty form (or the details kept from a time just lost), with `values`' CSRF token and
    form key."""
    chosen = _chosen(request, service_id, practitioner, start)
    if isinstance(chosen, HttpResponse):
        return chosen
    service, species, chosen = chosen
    ids = [chosen.pk] if chosen else list(bookable_practitioners(service).values_list("pk", flat=True))
    if not _is_offered(service, ids, start):
        messages.error(request, _("That time is not available. Please choose another time."))
        return redirect(_with_species(_picker_url(service, practitioner, start), species))
    form = BookingDetailsForm(
        initial={**request.session.get(DRAFT_KEY, {}), "request_key": values["request_key"]},
        service=service,
        species=species,
    )
    return _render_details(
        request, form, service, chosen, start, csrf_token=values["csrf_token"], needs_proof=needs_proof
    )


def _details_sent(request, service_id: int, practitioner: int | None, start):
    chosen = _chosen(request, service_id, practitioner, start)
    if isinstance(chosen, HttpResponse):
        return chosen
    service, species, chosen = chosen
    form = BookingDetailsForm(request.POST, service=service, species=species)
    needs_proof = proof_of_work.required(request)
    proof_of_work.count_attempt(request)
    if not form.is_valid():
        return _render_details(request, form, service, chosen, start)
    if needs_proof and not proof_of_work.solved(form.cleaned_data["proof_of_work"]):
        form.add_error(
            None,
            _(
                "Your browser did not finish the quick check this form needs right now. With "
                "JavaScript on, send the form again; without it, please call us."
            ),
        )
        return _render_details(request, form, service, chosen, start, status=400)
    if ratelimit.over_limit(request, "new_booking"):
        form.add_error(None, _("Too many bookings have been made from your connection in the last hour."))
        return _render_details(request, form, service, chosen, start, status=429)
    return _book(request, form, service, chosen, start)


def _render_details(
    request,
    form,
    service: Service,
    practitioner: Practitioner | None,
    start,
    status: int = 200,
    alternatives=None,
    at_cap: bool = False,
    csrf_token: str | None = None,
    needs_proof: bool | None = None,
):
    change_deadline = service.change_deadline(start)
    species = _form_species(form)
    picker_url = _with_species(_picker_url(service, practitioner and practitioner.pk, start), species)
    context = {
        "steps": progress(
            "details", {"service": _with_species(reverse("online:home"), species), "time": picker_url}
        ),
        "service": service,
        "species": species,
        "practitioner": practitioner,
        "start": start,
        "form": form,
        "picker_url": picker_url,
        "change_species_url": reverse("online:home")
        + (f"?{urlencode({'species': species.pk})}" if species else ""),
        "change_deadline": change_deadline,
        "can_change_online": timezone.now() < change_deadline,
        "alternatives": alternatives,
        "alternatives_offered": alternatives is not None,
        "at_cap": at_cap,
        "alternatives_locked": has_locked(alternatives or []),
        "proof_of_work": proof_of_work.new_challenge()
        if (proof_of_work.required(request) if needs_proof is None else needs_proof)
        else None,
    }
    if csrf_token is not None:  # else the context processor's, as on every page
        context["csrf_token"] = csrf_token
    return render(request, "online/details.html", context, status=status)


def _form_species(form: BookingDetailsForm) -> Species | None:
    """The species the form books for: the one sent, else the one chosen on the start page."""
    sent = (getattr(form, "cleaned_data", None) or {}).get("species")
    if sent is not None:
        return sent
    field = form.fields["species"]
    return field.queryset.filter(pk=field.initial).first() if field.initial else None


def _alternatives(service: Service, practitioner: Practitioner | None, start, species=None) -> list:
    """Free times from the taken one's day on (a week at most), as rows of submit buttons."""
    ids = (
        [practitioner.pk]
        if practitioner
        else list(bookable_practitioners(service).values_list("pk", flat=True))
    )
    day = start.astimezone(local_tz()).date()
    slots = find_free_slots(service, practitioner_ids=ids, first_day=day, last_day=day + timedelta(days=6))
    by_day: dict = {}
    for slot in [s for s in slots if s.start != start][:ALTERNATIVES]:
        by_day.setdefault(slot.start.astimezone(local_tz()).date(), []).append(slot)
    slot_url = url_per_slot(
        "online:details", service_id=service.pk, practitioner=practitioner and practitioner.pk
    )
    return slot_rows(
        by_day.items(), slot_url=lambda slot: _with_species(slot_url(slot), species), service=service
    )


def _book(request, form: BookingDetailsForm, service: Service, practitioner: Practitioner | None, start):
    data = form.cleaned_data
    try:
        booked = book_online(
            service=service,
            start=start,
            practitioner=practitioner,
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            message=data["message"],
            species=data["species"],
            animal_name=data["animal_name"],
            marketing_consent=data["marketing_consent"],
            sms_opt_in=data["sms_opt_in"],
            language=get_language(),
            request_key=data["request_key"],
        )
    except TooManyBookings as error:
        # The same status as any other form error; the page offers to email the client their links.
        form.add_error(None, error.message)
        return _render_details(request, form, service, practitioner, start, status=400, at_cap=True)
    except BookingError as error:
        # The form comes back with what was typed and other free times to book with one click;
        # the details also wait in the session for a time chosen from the picker instead.
        # The species stays in the URL; a model object does not go into the session.
        request.session[DRAFT_KEY] = {k: v for k, v in data.items() if k not in {"request_key", "species"}}
        form.add_error(None, error.message)
        alternatives = _alternatives(service, practitioner, start, data["species"])
        return _render_details(
            request, form, service, practitioner, start, status=409, alternatives=alternatives
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_details(request, form, service, practitioner, start, status=400)

    if settings.SESSION_COOKIE_NAME in request.COOKIES and DRAFT_KEY in request.session:
        del request.session[DRAFT_KEY]
    if not booked.replayed:
        ratelimit.count(request, "new_booking")
    # The page it opens says so (the flow's last step), so no message here.
    response = redirect(appointment_manage_url(booked.appointment) + "?booked")
    _remember_booked(request, response, booked.appointment)
    return response
