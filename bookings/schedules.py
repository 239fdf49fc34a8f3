"""Loading what the pure availability functions need from the database, in a fixed few queries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bookings.availability import Rules, Schedule, Slot, bookable_window, free_slots
from bookings.models import Appointment, Closure, Practitioner, Service, WorkingHours


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def rules_for(service: Service) -> Rules:
    return Rules(
        duration=timedelta(minutes=service.duration),
        step=timedelta(minutes=service.slot_step),
        buffer_before=timedelta(minutes=service.buffer_before),
        buffer_after=timedelta(minutes=service.buffer_after),
        min_notice=timedelta(minutes=service.min_notice),
        max_days_ahead=service.max_days_ahead,
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


def bookable_practitioners(service: Service, practitioner: Practitioner | None = None):
    """Active practitioners who do this service (just the one, if given), in display order."""
    queryset = service.practitioners.filter(is_active=True).order_by("order", "name", "pk")
    if practitioner is not None:
        queryset = queryset.filter(pk=practitioner.pk)
    return queryset


def load_schedules(
    practitioner_ids: list[int],
    *,
    first_day: date,
    last_day: date,
    exclude_appointment: Appointment | None = None,
) -> list[Schedule]:
    """Hours, closures and occupied times of these practitioners around the local days given.

    Three queries whatever the size of the calendar: the windows are indexed range scans.
    """
    tz = local_tz()
    # One day of margin on each side covers buffers and intervals crossing midnight.
    window_start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=tz)
    window_end = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=tz)

    hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for pid, weekday, start, end in WorkingHours.objects.filter(
        practitioner_id__in=practitioner_ids
    ).values_list("practitioner_id", "weekday", "start", "end"):
        hours[pid][weekday].append((start, end))

    closed: dict[int | None, list] = defaultdict(list)
    for pid, start, end in Closure.objects.filter(
        Q(practitioner_id__in=practitioner_ids) | Q(practitioner__isnull=True),
        start__lt=window_end,
        end__gt=window_start,
    ).values_list("practitioner_id", "start", "end"):
        closed[pid].append((start, end))

    appointments = (
        Appointment.objects.active()
        .filter(practitioner_id__in=practitioner_ids)
        .overlapping(window_start, window_end)
    )
    if exclude_appointment is not None:
        appointments = appointments.exclude(pk=exclude_appointment.pk)
    busy: dict[int, list] = defaultdict(list)
    for pid, start, end in appointments.values_list("practitioner_id", "occupied_start", "occupied_end"):
        busy[pid].append((start, end))

    return [
        Schedule(
            practitioner_id=pid,
            hours=hours[pid],
            busy=busy[pid],
            closed=closed[pid] + closed[None],
        )
        for pid in practitioner_ids
    ]


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
    schedules = load_schedules(
        practitioner_ids,
        first_day=first_day,
        last_day=last_day,
        exclude_appointment=exclude_appointment,
    )
    return free_slots(
        schedules,
        rules=rules_for(service),
        first_day=first_day,
        last_day=last_day,
        now=now or timezone.now(),
        tz=local_tz(),
        closed_days=closed_days(first_day, last_day),
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
    rules = rules_for(service)
    _, last_day = bookable_window(now=now, rules=rules, tz=local_tz())
    if after > last_day:
        return None
    schedules = load_schedules(
        practitioner_ids, first_day=after, last_day=last_day, exclude_appointment=exclude_appointment
    )
    slots = free_slots(
        schedules,
        rules=rules,
        first_day=after,
        last_day=last_day,
        now=now,
        tz=local_tz(),
        closed_days=closed_days(after, last_day),
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


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


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
    today = now.astimezone(local_tz()).date()
    _, last_day = bookable_window(now=now, rules=rules_for(service), tz=local_tz())
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
        by_day[slot.start.astimezone(local_tz()).date()].append(slot)
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
