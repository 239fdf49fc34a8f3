"""Free appointment times, as pure functions.

No ORM, no request, no clock: the caller passes in working hours, busy intervals, the rules and
"now". Times are computed in UTC so that durations stay true across daylight-saving changes, while
the slot grid follows the local wall clock (a 09:00 opening is 09:00 on both sides of a change).
"""

import bisect
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


class Hours(NamedTuple):
    """One working interval of a weekday, in force from `valid_from` to `valid_until` (None: open)."""

    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def hours_on(hours: Mapping[int, Sequence[tuple]], day: date) -> list[tuple[time, time]]:
    """The local working intervals of one day: its weekday's hours that are in force on that date.

    `hours` maps weekday (0 = Monday) to (start, end) pairs or Hours with validity dates.
    """
    return sorted(
        (interval.start, interval.end)
        for interval in (Hours(*item) for item in hours.get(day.weekday(), ()))
        if interval.applies_on(day)
    )


@dataclass(frozen=True)
class Rules:
    duration: timedelta
    step: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    max_days_ahead: int = 90
    # Online clients never get a time today; staff book for today (and walk-ins for now).
    from_tomorrow: bool = True


@dataclass(frozen=True)
class Schedule:
    """One practitioner: weekly hours (weekday 0 = Monday → local intervals or Hours with validity
    dates) and what blocks them.

    `closed` (closures, absences) and `busy` (other appointments' occupied times, buffers
    included) are aware intervals that no occupied time may meet; they are kept apart only so
    that callers can tell "closed" from "taken".
    """

    practitioner_id: int
    hours: Mapping[int, Sequence[tuple]]
    busy: Sequence[Interval] = ()
    closed: Sequence[Interval] = ()


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    practitioner_ids: tuple[int, ...] = field(default=())


def bookable_window(*, now: datetime, rules: Rules, tz: ZoneInfo) -> tuple[datetime, date]:
    """The earliest bookable instant and the last bookable local date.

    Online clients never get a time today: the earliest is tomorrow or later by the notice.
    """
    today = now.astimezone(tz).date()
    earliest = now.astimezone(UTC) + rules.min_notice
    if rules.from_tomorrow:
        tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        earliest = max(earliest, tomorrow)
    return earliest, today + timedelta(days=rules.max_days_ahead)


def _local_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The instant of a local wall-clock time, or None when that time does not exist (DST gap)."""
    local = datetime.combine(day, wall, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def _end_to_utc(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant a working interval ends; 00:00 means the following midnight."""
    if wall == time(0):
        return datetime.combine(day + timedelta(days=1), wall, tzinfo=tz).astimezone(UTC)
    local = datetime.combine(day, wall, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        # An end inside the DST gap: take the earlier reading so no slot runs past it.
        instant = datetime.combine(day, wall, tzinfo=tz).replace(fold=1).astimezone(UTC)
    return instant


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping UTC intervals covering the same time; empty ones are dropped.

    In UTC: Python subtracts two times of one zone as wall-clock times, which would make the
    night the clocks go forward an hour longer than it is.
    """
    merged: list[Interval] = []
    for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class _BusyIndex:
    """Merged busy intervals with an O(log n) overlap test."""

    def __init__(self, intervals: Iterable[Interval]):
        self.intervals = merge_intervals(intervals)
        self.starts = [start for start, _ in self.intervals]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect.bisect_left(self.starts, end)  # intervals starting before `end`
        return i > 0 and self.intervals[i - 1][1] > start


def _candidate_starts(
    schedule: Schedule, day: date, rules: Rules, tz: ZoneInfo
) -> Iterable[tuple[datetime, datetime]]:
    """Every (start, end) on the local wall-clock grid of the day's working intervals."""
    step_minutes = int(rules.step.total_seconds() // 60)
    for open_at, close_at in hours_on(schedule.hours, day):
        interval_end = _end_to_utc(day, close_at, tz)
        minute = open_at.hour * 60 + open_at.minute
        while minute < 24 * 60:
            start = _local_to_utc(day, time(minute // 60, minute % 60), tz)
            minute += step_minutes
            if start is None:
                continue
            end = start + rules.duration
            if end > interval_end:
                break
            yield start, end


def within_hours(hours: Mapping[int, Sequence[tuple]], start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    """Whether [start, end) lies inside the working hours of its local day (touching intervals join)."""
    day = start.astimezone(tz).date()
    intervals = []
    for open_at, close_at in hours_on(hours, day):
        opens = _local_to_utc(day, open_at, tz)
        if opens is not None:
            intervals.append((opens, _end_to_utc(day, close_at, tz)))
    return any(opens <= start and end <= closes for opens, closes in merge_intervals(intervals))


def practitioner_slots(
    schedule: Schedule,
    *,
    rules: Rules,
    first_day: date,
    last_day: date,
    now: datetime,
    tz: ZoneInfo,
    closed_days: Container[date] = frozenset(),
) -> list[tuple[datetime, datetime]]:
    """Free (start, end) pairs in UTC for one practitioner, local days first_day..last_day."""
    earliest, last_bookable_day = bookable_window(now=now, rules=rules, tz=tz)
    busy = _BusyIndex([*schedule.busy, *schedule.closed])
    free = []
    day = max(first_day, earliest.astimezone(tz).date())
    last = min(last_day, last_bookable_day)
    while day <= last:
        if day not in closed_days:
            for start, end in _candidate_starts(schedule, day, rules, tz):
                if start < earliest:
                    continue
                if not busy.overlaps(start - rules.buffer_before, end + rules.buffer_after):
                    free.append((start, end))
        day += timedelta(days=1)
    return free


def free_slots(
    schedules: Sequence[Schedule],
    *,
    rules: Rules,
    first_day: date,
    last_day: date,
    now: datetime,
    tz: ZoneInfo,
    closed_days: Container[date] = frozenset(),
) -> list[Slot]:
    """Free slots for any of the given practitioners, each with who is free, in time order."""
    by_time: dict[tuple[datetime, datetime], list[int]] = {}
    for schedule in schedules:
        for pair in practitioner_slots(
            schedule,
            rules=rules,
            first_day=first_day,
            last_day=last_day,
            now=now,
            tz=tz,
            closed_days=closed_days,
        ):
            by_time.setdefault(pair, []).append(schedule.practitioner_id)
    return [Slot(start, end, tuple(ids)) for (start, end), ids in sorted(by_time.items())]
