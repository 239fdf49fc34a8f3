"""The practice's rules at the front desk: staff book and move inside working hours, never into a
closure or onto a public holiday, unless they book anyway with a reason. Which appointments a
closure or a change of hours leaves outside the rules; what conflicts with a time, and the
nearest free times instead. Reading only: bookings/services.py writes."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bookings.availability import Slot, hours_on, practitioner_slots, within_hours
from bookings.calendar import (
    CalendarData,
    holiday_name,
    load_calendar,
    local_tz,
    occupied_span,
    staff_rules_for,
)
from bookings.errors import OutsideRules, StaffSlotTaken, TooEarly
from bookings.models import REASON_MAX_LENGTH, Appointment, Practitioner, Service
from customers.contact import has_control_characters

# Arrived may be marked this long before the start; completed and no-show only from the start.
ARRIVED_EARLY = timedelta(minutes=30)
NEAREST_COUNT = 6


@dataclass(frozen=True)
class RuleBreak:
    """Why a time is outside the practice's rules for one practitioner."""

    kind: str  # HOLIDAY, CLOSED (whole practice), ABSENT (the practitioner's closure), OUTSIDE_HOURS
    text: str

    HOLIDAY = "holiday"
    CLOSED = "closed"
    ABSENT = "absent"
    OUTSIDE_HOURS = "outside_hours"


def _clock(moment) -> str:
    return formats.time_format(moment, "TIME_FORMAT")


def _hours_text(intervals) -> str:
    return ", ".join(f"{_clock(start)}–{_clock(end)}" for start, end in intervals)


def rule_breaks(
    calendar: CalendarData,
    practitioner: Practitioner,
    *,
    start: datetime,
    end: datetime,
    occupied_start: datetime,
    occupied_end: datetime,
) -> list[RuleBreak]:
    """What is wrong with the visit [start, end) (occupying the wider time) for the practitioner."""
    tz = calendar.tz
    local = start.astimezone(tz)
    day = local.date()
    breaks = []
    if day in calendar.holidays:
        breaks.append(
            RuleBreak(
                RuleBreak.HOLIDAY,
                _("%(day)s is a public holiday (%(name)s): the practice is closed.")
                % {"day": formats.date_format(day, "SHORT_DATE_FORMAT"), "name": holiday_name(day)},
            )
        )
    for closure in calendar.closures:
        if closure.practitioner_id not in (None, practitioner.pk):
            continue
        if closure.start < occupied_end and occupied_start < closure.end:
            until = formats.date_format(timezone.localtime(closure.end, tz), "SHORT_DATETIME_FORMAT")
            reason = f" ({closure.reason})" if closure.reason else ""
            if closure.practitioner_id is None:
                text = _("The practice is closed until %(until)s%(reason)s.")
                kind = RuleBreak.CLOSED
            else:
                text = _("%(name)s is away until %(until)s%(reason)s.")
                kind = RuleBreak.ABSENT
            breaks.append(
                RuleBreak(kind, text % {"name": practitioner.name, "until": until, "reason": reason})
            )
    hours = calendar.hours.get(practitioner.pk, {})
    if not within_hours(hours, start, end, tz):
        intervals = hours_on(hours, day)
        if intervals:
            text = _("%(time)s is outside %(name)s's working hours that day (%(hours)s).") % {
                "time": _clock(local),
                "name": practitioner.name,
                "hours": _hours_text(intervals),
            }
        else:
            text = _("%(name)s does not work on %(weekday)s.") % {
                "name": practitioner.name,
                "weekday": formats.date_format(day, "l"),
            }
        breaks.append(RuleBreak(RuleBreak.OUTSIDE_HOURS, text))
    return breaks


def breaks_at(service: Service, practitioner_ids: list[int], start: datetime) -> dict[int, list[RuleBreak]]:
    """For each practitioner, what keeps the service at `start` outside the rules ([] : nothing)."""
    day = start.astimezone(local_tz()).date()
    calendar = load_calendar(
        day, day, practitioner_ids=practitioner_ids, appointments=Appointment.objects.none()
    )
    end, occupied_start, occupied_end = occupied_span(service, start)
    practitioners = Practitioner.objects.in_bulk(practitioner_ids)
    return {
        pid: rule_breaks(
            calendar,
            practitioners[pid],
            start=start,
            end=end,
            occupied_start=occupied_start,
            occupied_end=occupied_end,
        )
        for pid in practitioner_ids
    }


def conflicts_with(
    practitioner_ids: list[int], occupied_start: datetime, occupied_end: datetime, *, exclude=None
) -> list[Appointment]:
    """The active appointments that take these practitioners' time in [occupied_start, occupied_end)."""
    taken = Appointment.objects.active().overlapping(occupied_start, occupied_end)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return list(taken.filter(practitioner_id__in=practitioner_ids).select_related("practitioner", "service"))


def free_times(
    service: Service,
    practitioner_ids: list[int],
    day: date,
    *,
    now: datetime | None = None,
    exclude: Appointment | None = None,
) -> list[Slot]:
    """The service's free times on a local day by the practice's rules, from now on."""
    calendar = load_calendar(day, day, practitioner_ids=practitioner_ids, exclude_appointment=exclude)
    by_time: dict[tuple[datetime, datetime], list[int]] = defaultdict(list)
    for schedule in calendar.schedules(practitioner_ids):
        for pair in practitioner_slots(
            schedule,
            rules=staff_rules_for(service),
            first_day=day,
            last_day=day,
            now=now or timezone.now(),
            tz=calendar.tz,
            closed_days=calendar.holidays,
        ):
            by_time[pair].append(schedule.practitioner_id)
    return [Slot(start, end, tuple(ids)) for (start, end), ids in sorted(by_time.items())]


def nearest_free_times(
    service: Service,
    practitioner_ids: list[int],
    around: datetime,
    *,
    now: datetime | None = None,
    exclude: Appointment | None = None,
    count: int = NEAREST_COUNT,
) -> list[Slot]:
    """The free times of that day closest to `around`, in time order."""
    day = around.astimezone(local_tz()).date()
    slots = free_times(service, practitioner_ids, day, now=now, exclude=exclude)
    nearest = sorted(slots, key=lambda slot: abs((slot.start - around).total_seconds()))[:count]
    return sorted(nearest, key=lambda slot: slot.start)


def status_allowed_from(appointment: Appointment, status: str) -> datetime | None:
    """When staff may record the status: arrived a little before the start, the outcome from the
    start; going back to confirmed at any time (None)."""
    if status == Appointment.Status.ARRIVED:
        return appointment.start - ARRIVED_EARLY
    if status in {Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW}:
        return appointment.start
    return None


# Appointments that a closure or a change of hours leaves outside the rules -------------------------


@dataclass
class Affected:
    appointment: Appointment
    breaks: list[RuleBreak]


def affected_appointments(
    *,
    practitioner_ids: list[int] | None,
    first_day: date | None = None,
    last_day: date | None = None,
    now: datetime | None = None,
) -> list[Affected]:
    """Upcoming confirmed appointments of these practitioners (None: everyone) on the local days
    given (default: from today for two years) that are outside the hours, in a closure or on a
    holiday. One calendar load and one query whatever the range."""
    now = now or timezone.now()
    tz = local_tz()
    today = now.astimezone(tz).date()
    first_day = max(first_day or today, today)
    last_day = last_day or today + timedelta(days=2 * 365)
    if last_day < first_day:
        return []
    appointments = (
        Appointment.objects.confirmed().upcoming(now).select_related("service", "practitioner", "customer")
    )
    if practitioner_ids is not None:
        appointments = appointments.filter(practitioner_id__in=practitioner_ids)
    window_start = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    window_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    appointments = list(appointments.filter(start__gte=window_start, start__lt=window_end).order_by("start"))
    calendar = load_calendar(
        first_day, last_day, practitioner_ids=practitioner_ids, appointments=Appointment.objects.none()
    )
    affected = []
    for appointment in appointments:
        breaks = rule_breaks(
            calendar,
            appointment.practitioner,
            start=appointment.start,
            end=appointment.end,
            occupied_start=appointment.occupied_start,
            occupied_end=appointment.occupied_end,
        )
        if breaks:
            affected.append(Affected(appointment, breaks))
    return affected


def closure_days(start: datetime, end: datetime) -> tuple[date, date]:
    """The local days a closure touches."""
    tz = local_tz()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return start.astimezone(tz).date(), last


# Staff bookings, moves and statuses (bookings/services.py calls these under its lock) ----------


def clean_reason(reason: str) -> str:
    """A reason staff typed (booking anyway, cancelling): one short line."""
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("The reason is too long (at most %(max)d characters).") % {"max": REASON_MAX_LENGTH}
        )
    if has_control_characters(reason):
        raise ValidationError(_("The reason contains characters that are not allowed."))
    return reason


def free_by_staff_rules(
    service: Service,
    candidates: list[int],
    start: datetime,
    *,
    chosen: bool,
    override_reason: str,
    now: datetime,
    exclude=None,
) -> tuple[list[int], str]:
    """The candidates free at `start` by the practice's rules, and the override reason to record.

    Practitioners inside the rules come first; only with a reason does staff book outside them,
    and then "any" never picks a practitioner who is away (a closure of their own).

    Raises:
        StaffSlotTaken: everyone allowed is busy (with the conflicts and the nearest free times).
        OutsideRules: the time is outside the rules for everyone, and no reason was given.
    """
    end, occupied_start, occupied_end = occupied_span(service, start)
    breaks = breaks_at(service, candidates, start)
    busy = set(busy_practitioners(candidates, occupied_start, occupied_end, exclude=exclude))
    within = [pid for pid in candidates if not breaks[pid]]
    allowed, reason = within, ""
    if not within:
        if not override_reason:
            raise OutsideRules([b for pid in candidates for b in breaks[pid]])
        allowed = [
            pid for pid in candidates if chosen or all(b.kind != RuleBreak.ABSENT for b in breaks[pid])
        ]
        if not allowed:
            raise OutsideRules(
                [], _("Everyone who could take that time is away. Choose a practitioner to book anyway.")
            )
        reason = override_reason
    free = [pid for pid in allowed if pid not in busy]
    if not free:
        raise StaffSlotTaken(
            conflicts_with(allowed, occupied_start, occupied_end, exclude=exclude),
            nearest_free_times(service, allowed, start, now=now, exclude=exclude),
        )
    return free, reason


def busy_practitioners(candidates: list[int], occupied_start, occupied_end, *, exclude=None) -> list[int]:
    """Which candidates have another appointment in the occupied time."""
    taken = Appointment.objects.active().overlapping(occupied_start, occupied_end)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return list(taken.filter(practitioner_id__in=candidates).values_list("practitioner_id", flat=True))


def check_status_time(appointment: Appointment, status: str, now: datetime) -> None:
    """Raises TooEarly when the visit has not reached the time the status may be recorded."""
    allowed_from = status_allowed_from(appointment, status)
    if allowed_from is not None and now < allowed_from:
        raise TooEarly(
            _("“%(status)s” can be marked from %(time)s on.")
            % {
                "status": Appointment.Status(status).label,
                "time": formats.date_format(timezone.localtime(allowed_from), "SHORT_DATETIME_FORMAT"),
            }
        )
