"""The calendar as the code reads it: one loader of working hours, closures and appointments for a
range of local days, used by the slot picker, the booking services, the staff calendar and the
reports; and the free-slot queries built on it. Three queries whatever the size of the calendar."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from bookings.availability import Hours, Rules, Schedule, Slot, bookable_window, free_slots
from bookings.models import Appointment, Closure, Practitioner, Service, WorkingHours

# What the free-slot computation needs of an appointment: whose time it takes, and when.
BUSY_FIELDS = ("practitioner_id", "occupied_start", "occupied_end")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def rules_for(service: Service) -> Rules:
    """The service's rules for clients booking online."""
    return Rules(
        duration=timedelta(minutes=service.duration),
        step=timedelta(minutes=service.slot_step),
        buffer_before=timedelta(minutes=service.buffer_before),
        buffer_after=timedelta(minutes=service.buffer_after),
        min_notice=timedelta(minutes=service.min_notice),
        max_days_ahead=service.max_days_ahead,
    )


def staff_rules_for(service: Service) -> Rules:
    """The service's rules at the front desk: the same hours and grid, but today and any day ahead."""
    return replace(rules_for(service), min_notice=timedelta(0), max_days_ahead=3 * 365, from_tomorrow=False)


def occupied_span(service: Service, start: datetime) -> tuple[datetime, datetime, datetime]:
    """The visit's end, and the time it holds its practitioner (buffers included)."""
    end = start + timedelta(minutes=service.duration)
    return (
        end,
        start - timedelta(minutes=service.buffer_before),
        end + timedelta(minutes=service.buffer_after),
    )


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FI", years=year))


def closed_days(first_day: date, last_day: date) -> frozenset[date]:
    """Finnish public holidays in the range, when the practice closes on them (the default)."""
    if not settings.BOOKING_CLOSED_ON_PUBLIC_HOLIDAYS:
        return frozenset()
    days = frozenset().union(*(_finnish_holidays(y) for y in range(first_day.year, last_day.year + 1)))
    return frozenset(d for d in days if first_day <= d <= last_day)


@lru_cache(maxsize=16)
def _holiday_names(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("FI", years=year, language=language))


def holiday_name(day: date) -> str:
    """The public holiday's name in the active language ("Itsenäisyyspäivä"), or ""."""
    language = {"sv": "sv_FI", "en": "en_US"}.get((get_language() or "fi")[:2], "fi")
    return _holiday_names(day.year, language).get(day, "")


def bookable_practitioners(service: Service, practitioner: Practitioner | None = None):
    """Active practitioners who do this service (just the one, if given), in display order."""
    queryset = service.practitioners.filter(is_active=True).order_by("order", "name", "pk")
    if practitioner is not None:
        queryset = queryset.filter(pk=practitioner.pk)
    return queryset


class ClosureRow(NamedTuple):
    practitioner_id: int | None  # None: the whole practice
    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class CalendarData:
    """Hours, closures and appointments of some practitioners around a range of local days."""

    first_day: date
    last_day: date
    tz: ZoneInfo
    hours: dict[int, dict[int, list[Hours]]]  # practitioner → weekday → intervals with validity
    closures: list[ClosureRow]
    appointments: list  # rows (named tuples) with the fields asked for
    holidays: frozenset[date]

    def closed_for(self, practitioner_id: int) -> list[tuple[datetime, datetime]]:
        """Closures of the practitioner and of the whole practice."""
        return [(c.start, c.end) for c in self.closures if c.practitioner_id in (None, practitioner_id)]

    def schedules(self, practitioner_ids: list[int]) -> list[Schedule]:
        """What the pure availability functions need (appointments loaded with BUSY_FIELDS)."""
        busy: dict[int, list] = defaultdict(list)
        for row in self.appointments:
            busy[row.practitioner_id].append((row.occupied_start, row.occupied_end))
        return [
            Schedule(
                practitioner_id=pid,
                hours=self.hours.get(pid, {}),
                busy=busy[pid],
                closed=self.closed_for(pid),
            )
            for pid in practitioner_ids
        ]


def load_calendar(
    first_day: date,
    last_day: date,
    *,
    practitioner_ids: list[int] | None = None,
    appointment_fields: tuple[str, ...] = BUSY_FIELDS,
    appointments=None,
    exclude_appointment: Appointment | None = None,
    margin_days: int = 1,
    related: tuple[str, ...] | None = None,
    busy_between: tuple[datetime, datetime] | None = None,
) -> CalendarData:
    """The calendar of these practitioners (None: all) for the local days given, in three queries.

    Appointments are those whose occupied time meets the days (plus `margin_days` on each side,
    which covers buffers and intervals crossing midnight), from `appointments` (default: the
    active ones), as named rows of `appointment_fields`, or, given `related`, as model instances
    with those relations joined (the staff calendar's blocks). The windows are indexed range scans.
    Given `busy_between`, only the appointments meeting that span are loaded: enough to ask
    whether one time is free, which no appointment outside its occupied span can change.
    """
    tz = local_tz()
    window_start = datetime.combine(first_day - timedelta(days=margin_days), time(0), tzinfo=tz)
    window_end = datetime.combine(last_day + timedelta(days=1 + margin_days), time(0), tzinfo=tz)
    if practitioner_ids is None:
        mine = theirs_or_everyones = Q()
    else:
        mine = Q(practitioner_id__in=practitioner_ids)
        theirs_or_everyones = mine | Q(practitioner__isnull=True)

    # Hours in force on some day of the range: a change of hours never rewrites the past.
    in_force = (Q(valid_from__isnull=True) | Q(valid_from__lte=last_day)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=first_day)
    )
    hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for pid, weekday, *interval in (
        WorkingHours.objects.filter(mine)
        .filter(in_force)
        .order_by()
        .values_list("practitioner_id", "weekday", "start", "end", "valid_from", "valid_until")
    ):
        hours[pid][weekday].append(Hours(*interval))

    closures = [
        ClosureRow(*row)
        for row in Closure.objects.filter(theirs_or_everyones)
        .filter(start__lt=window_end, end__gt=window_start)
        .order_by("start", "pk")
        .values_list("practitioner_id", "start", "end", "reason")
    ]

    queryset = (appointments if appointments is not None else Appointment.objects.active()).filter(mine)
    if exclude_appointment is not None:
        queryset = queryset.exclude(pk=exclude_appointment.pk)
    queryset = queryset.overlapping(*(busy_between or (window_start, window_end))).order_by("start", "pk")
    rows = list(
        queryset.select_related(*related)
        if related is not None
        else queryset.values_list(*appointment_fields, named=True)
    )
    return CalendarData(
        first_day=first_day,
        last_day=last_day,
        tz=tz,
        hours=hours,
        closures=closures,
        appointments=rows,
        holidays=closed_days(first_day, last_day),
    )


def find_free_slots(
    service: Service,
    *,
    practitioner_ids: list[int],
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    exclude_appointment: Appointment | None = None,
) -> list[Slot]:
    """Free times of the service for any of these practitioners on the local days given."""
    calendar = load_calendar(
        first_day, last_day, practitioner_ids=practitioner_ids, exclude_appointment=exclude_appointment
    )
    return free_slots(
        calendar.schedules(practitioner_ids),
        rules=rules_for(service),
        first_day=first_day,
        last_day=last_day,
        now=now or timezone.now(),
        tz=calendar.tz,
        closed_days=calendar.holidays,
    )


def find_first_free_slot(
    service: Service,
    *,
    practitioner_ids: list[int],
    after: date,
    now: datetime | None = None,
    exclude_appointment: Appointment | None = None,
) -> Slot | None:
    """The earliest free time of the service on or after the local day `after`, within the horizon."""
    now = now or timezone.now()
    _, last_day = bookable_window(now=now, rules=rules_for(service), tz=local_tz())
    if after > last_day:
        return None
    slots = find_free_slots(
        service,
        practitioner_ids=practitioner_ids,
        first_day=after,
        last_day=last_day,
        now=now,
        exclude_appointment=exclude_appointment,
    )
    return slots[0] if slots else None


@dataclass(frozen=True)
class Week:
    """One week of a slot picker: seven days with their free slots, and where to go next."""

    monday: date
    days: list[tuple[date, list[Slot]]]
    previous_monday: date | None
    next_monday: date | None
    next_free: Slot | None

    @property
    def is_empty(self) -> bool:
        return not any(slots for _, slots in self.days)


def week_of_slots(
    service: Service,
    *,
    practitioner_ids: list[int],
    monday: date,
    now: datetime | None = None,
    exclude_appointment: Appointment | None = None,
) -> Week:
    """Free slots Monday to Sunday; when the week has none, the next free slot after it.

    Five queries for a week with free times, eight for an empty one, whatever the calendar's size.
    """
    now = now or timezone.now()
    tz = local_tz()
    today = now.astimezone(tz).date()
    _, last_day = bookable_window(now=now, rules=rules_for(service), tz=tz)
    sunday = monday + timedelta(days=6)
    slots = find_free_slots(
        service,
        practitioner_ids=practitioner_ids,
        first_day=monday,
        last_day=sunday,
        now=now,
        exclude_appointment=exclude_appointment,
    )
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.start.astimezone(tz).date()].append(slot)
    next_free = None
    if not slots:
        next_free = find_first_free_slot(
            service,
            practitioner_ids=practitioner_ids,
            after=max(sunday + timedelta(days=1), today),
            now=now,
            exclude_appointment=exclude_appointment,
        )
    return Week(
        monday=monday,
        days=[(monday + timedelta(days=n), by_day[monday + timedelta(days=n)]) for n in range(7)],
        previous_monday=monday - timedelta(days=7) if monday > monday_of(today) else None,
        next_monday=sunday + timedelta(days=1) if sunday < last_day else None,
        next_free=next_free,
    )
