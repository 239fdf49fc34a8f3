"""The practice's opening hours as clients read them, derived from the working hours in force:
per weekday, the times at least one active practitioner works (overlaps joined)."""

from dataclasses import dataclass
from datetime import date, time

from django.db.models import Q

from bookings.models import WorkingHours


@dataclass(frozen=True)
class DayHours:
    weekday: int  # 0 = Monday
    intervals: tuple[tuple[time, time], ...]  # empty: closed


def join_times(intervals) -> tuple[tuple[time, time], ...]:
    """Sorted, overlapping or touching intervals of one day joined (pure)."""
    joined: list[tuple[time, time]] = []
    for start, end in sorted(intervals):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return tuple(joined)


def opening_hours(day: date) -> list[DayHours]:
    """Monday to Sunday, from the hours valid on `day` of active practitioners (one query)."""
    rows = WorkingHours.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        practitioner__is_active=True,
    ).values_list("weekday", "start", "end")
    by_day: dict[int, list] = {weekday: [] for weekday in range(7)}
    for weekday, start, end in rows:
        by_day[weekday].append((start, end))
    return [DayHours(weekday, join_times(by_day[weekday])) for weekday in range(7)]
