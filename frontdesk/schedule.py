"""After a closure or a change of working hours: the upcoming appointments it leaves outside the
practice's rules, each to keep, move (to a free time of another day or practitioner) or cancel with
a message to the client; chosen in one form, confirmed once, done through the booking services."""

from collections import defaultdict
from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.availability import free_slots
from bookings.calendar import load_calendar, local_tz, staff_rules_for
from bookings.errors import BookingError
from bookings.models import Closure, Practitioner
from bookings.services import cancel_appointment, move_appointment
from bookings.staff_rules import Affected, affected_appointments, closure_days
from frontdesk.forms import REASON_HELP
from inuvet.audit import log_accesses, require_permission
from inuvet.links import is_id

OPTIONS_PER_APPOINTMENT = 12
SEARCH_DAYS = 21


class ResolveForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for cancelling (kept on the appointments)"),
        max_length=200,
        required=False,
        help_text=REASON_HELP,
    )


def affected_url(*, closure: Closure | None = None, practitioner: Practitioner | None = None) -> str:
    query = f"closure={closure.pk}" if closure is not None else f"practitioner={practitioner.pk}"
    return f"{reverse('admin:calendar_affected')}?{query}"


def _scope(request) -> tuple[str, list[int] | None, tuple | None]:
    """(title, practitioner ids or None for all, (first day, last day) or None) of the page."""
    closure_id, practitioner_id = request.GET.get("closure", ""), request.GET.get("practitioner", "")
    if is_id(closure_id):
        closure = get_object_or_404(Closure.objects.select_related("practitioner"), pk=closure_id)
        who = [closure.practitioner_id] if closure.practitioner_id else None
        title = _("Appointments affected by the closure")
        return title, who, closure_days(closure.start, closure.end)
    if is_id(practitioner_id):
        practitioner = get_object_or_404(Practitioner, pk=practitioner_id)
        return (
            _("Appointments outside %(name)s's hours") % {"name": practitioner.name},
            [practitioner.pk],
            None,
        )
    return _("Appointments outside the practice's hours"), None, None


def _options(affected: list[Affected], now: datetime) -> dict[int, list[tuple[str, str]]]:
    """For each appointment, free times to move it to ("iso|practitioner id", label): its own day
    and the weeks after, its own practitioner first. One calendar load per service."""
    by_service = defaultdict(list)
    for item in affected:
        by_service[item.appointment.service].append(item.appointment)
    tz = local_tz()
    names = dict(Practitioner.objects.values_list("pk", "name"))
    options: dict[int, list[tuple[str, str]]] = {}
    for service, appointments in by_service.items():
        first = min(a.start.astimezone(tz).date() for a in appointments)
        last = max(a.start.astimezone(tz).date() for a in appointments) + timedelta(days=SEARCH_DAYS)
        pids = list(service.practitioners.filter(is_active=True).values_list("pk", flat=True))
        calendar = load_calendar(first, last, practitioner_ids=pids)
        slots = free_slots(
            calendar.schedules(pids),
            rules=staff_rules_for(service),
            first_day=first,
            last_day=last,
            now=now,
            tz=tz,
            closed_days=calendar.holidays,
        )
        for appointment in appointments:
            day_start = datetime.combine(
                appointment.start.astimezone(tz).date(), datetime.min.time(), tzinfo=tz
            )
            choices = []
            for slot in slots:
                if slot.start < day_start:
                    continue
                for pid in sorted(slot.practitioner_ids, key=lambda p: p != appointment.practitioner_id):
                    when = formats.date_format(slot.start.astimezone(tz), "SHORT_DATETIME_FORMAT")
                    label = f"{when} · {names[pid]}"
                    choices.append((f"{slot.start.astimezone(tz).isoformat()}|{pid}", label))
                if len(choices) >= OPTIONS_PER_APPOINTMENT:
                    break
            options[appointment.pk] = choices[:OPTIONS_PER_APPOINTMENT]
    return options


def _chosen(request, affected: list[Affected], options) -> list[tuple[Affected, str, str]]:
    """(affected, "move" | "cancel", option value) for every row not kept, from the posted form."""
    chosen = []
    for item in affected:
        value = request.POST.get(f"a{item.appointment.pk}", "keep")
        if value == "cancel":
            chosen.append((item, "cancel", ""))
        elif value in {option for option, _label in options.get(item.appointment.pk, [])}:
            chosen.append((item, "move", value))
    return chosen


def _carry_out(request, chosen, reason: str) -> None:
    """Each move or cancellation through the booking services, each in its own transaction: one
    that fails (the time was taken meanwhile) is reported and the others still happen."""
    done, failed = 0, []
    for item, action, value in chosen:
        appointment = item.appointment
        try:
            if action == "cancel":
                cancel_appointment(appointment=appointment, by_client=False, reason=reason, notify=True)
            else:
                start, pid = value.split("|")
                move_appointment(
                    appointment=appointment,
                    start=datetime.fromisoformat(start),
                    practitioner=Practitioner.objects.get(pk=pid),
                    by_client=False,
                    notify=True,
                )
        except (BookingError, ValidationError) as error:
            message = error.message if isinstance(error, BookingError) else " ".join(error.messages)
            failed.append(f"{appointment.display_reference}: {message}")
        else:
            done += 1
    if done:
        messages.success(
            request,
            _("%(count)d appointments moved or cancelled; clients with an email address were told.")
            % {"count": done},
        )
    for line in failed:
        messages.error(request, line)


def affected(request):
    """The list (GET), what will happen (POST), and doing it (POST with confirm)."""
    require_permission(request, "bookings.reschedule_appointment")
    title, practitioner_ids, days = _scope(request)
    now = timezone.now()
    first_day, last_day = days or (None, None)
    found = affected_appointments(
        practitioner_ids=practitioner_ids, first_day=first_day, last_day=last_day, now=now
    )
    options = _options(found, now)
    form = ResolveForm(request.POST if request.method == "POST" else None)
    chosen = []
    if request.method == "POST" and form.is_valid():
        chosen = _chosen(request, found, options)
        if chosen and request.POST.get("confirm") == "yes":
            _carry_out(request, chosen, form.cleaned_data["reason"])
            return redirect(request.get_full_path())
        if not chosen:
            messages.info(request, _("Nothing was chosen: every appointment is kept as it is."))
    may_see_client = request.user.has_perm("customers.view_customer")
    if may_see_client:
        log_accesses([item.appointment.customer for item in found], "list")
    labels = {pk: dict(choices) for pk, choices in options.items()}
    return TemplateResponse(
        request,
        "admin/bookings/affected.html",
        {
            **admin.site.each_context(request),
            "title": title,
            "rows": [(item, options.get(item.appointment.pk, [])) for item in found],
            "form": form,
            "confirming": bool(chosen),
            "chosen": [
                (item, action, value, labels.get(item.appointment.pk, {}).get(value, ""))
                for item, action, value in chosen
            ],
            "may_see_client": may_see_client,
            "can_view_appointments": request.user.has_perm("bookings.view_appointment"),
        },
    )
