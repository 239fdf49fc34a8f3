"""The week of free times, as the booking picker and the move picker show it."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bookings.calendar import find_first_free_slot, local_tz, monday_of
from bookings.models import Service
from bookings.templatetags.booking_format import day_and_time, day_text
from inuvet.links import is_id
from online.converters import SlotStartConverter

_PLACEHOLDER_START = datetime(2000, 1, 1, tzinfo=UTC)


WEEKS_AHEAD = timedelta(days=731)  # the last week the picker goes to


def week_asked_for(request, service: Service, practitioner_ids: list[int], exclude=None) -> date:
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
    return min(max(monday_of(day), this_week), monday_of(timezone.localdate() + WEEKS_AHEAD))


def is_canonical_query(query) -> bool:
    """Whether the picker's query is one of those its own links make: a week that is a Monday it
    shows (or "first"), a day of that week, "any" or a practitioner's number, a species number.
    Only those pages are shared (online/page_cache.py): "week=2026-12-08", "week=02026-12-07" or
    "day=junk" show a page too, but each would be one more copy of it."""
    this_week = monday_of(timezone.localdate())
    last_week = monday_of(timezone.localdate() + WEEKS_AHEAD)
    week, day = query.get("week") or None, query.get("day") or None  # empty: as if not given
    monday = _iso_date(week) if week not in (None, "first") else None
    if week not in (None, "first") and not (
        monday and monday.weekday() == 0 and this_week <= monday <= last_week
    ):
        return False
    if day is not None:  # our links write a day only with its week
        asked = _iso_date(day)
        if monday is None or asked is None or not monday <= asked <= monday + timedelta(days=6):
            return False
    practitioner = query.get("practitioner", "any")
    return (practitioner == "any" or is_id(practitioner)) and species_is_canonical(query)


def species_is_canonical(query) -> bool:
    """?species= as our links write it: not given, or a plain number."""
    species = query.get("species")
    return not species or is_id(species)


def _iso_date(value: str) -> date | None:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.isoformat() == value else None  # not "20261207" nor "2026-W50-1"


def url_per_slot(viewname: str, **kwargs):
    """A function from a slot to its link, reversing the URL once rather than once per slot."""
    converter = SlotStartConverter()
    pattern = reverse(viewname, kwargs={**kwargs, "start": _PLACEHOLDER_START})
    placeholder = converter.to_url(_PLACEHOLDER_START)
    return lambda slot: pattern.replace(placeholder, converter.to_url(slot.start))


def slot_rows(days, *, slot_url, service: Service, now: datetime | None = None) -> list:
    """(day, rows) per day, each row a slot's (link, time, spoken label, locked): locked times are
    past the online change deadline from the start, so the client is told before choosing them.
    Templates cannot call functions with arguments; each day and each clock time is formatted once."""
    tz = local_tz()
    now = now or timezone.now()
    locked_note = _("can't be changed online")
    clock_times: dict[tuple[int, int], str] = {}
    week_days = []
    for day, slots in days:
        said = day_text(day)
        rows = []
        for slot in slots:
            local = slot.start.astimezone(tz)
            time = clock_times.get((local.hour, local.minute))
            if time is None:
                time = clock_times[local.hour, local.minute] = formats.time_format(local, "TIME_FORMAT")
            label = day_and_time(said, time)
            locked = now >= service.change_deadline(slot.start)
            rows.append((slot_url(slot), time, f"{label}, {locked_note}" if locked else label, locked))
        week_days.append((day, rows))
    return week_days


def has_locked(week_days) -> bool:
    return any(locked for _day, rows in week_days for *_rest, locked in rows)


@dataclass(frozen=True)
class PickerDay:
    """One day of the picker: its free times split at noon, and the link that shows it alone."""

    day: date
    rows: list
    morning: list
    afternoon: list
    url: str
    selected: bool

    @property
    def count(self) -> int:
        return len(self.rows)


def picker_days(week, week_days, *, day_url, asked: str = "", today: date | None = None) -> list[PickerDay]:
    """The week's days from today on, weekends only when they have times. The day asked for
    (?day=YYYY-MM-DD) is selected when it has free times, else the first day that has some."""
    tz = local_tz()
    today = today or timezone.localdate()
    shown = []
    for (day, slots), (_day, rows) in zip(week.days, week_days, strict=True):
        if day < today or (not rows and day.weekday() >= 5):
            continue
        morning = [row for slot, row in zip(slots, rows, strict=True) if slot.start.astimezone(tz).hour < 12]
        afternoon = rows[len(morning) :]
        shown.append((day, rows, morning, afternoon))
    with_times = [day for day, rows, *_rest in shown if rows]
    chosen = (
        asked
        if asked in {d.isoformat() for d in with_times}
        else (with_times[0].isoformat() if with_times else "")
    )
    return [
        PickerDay(day, rows, morning, afternoon, day_url(day) if rows else "", day.isoformat() == chosen)
        for day, rows, morning, afternoon in shown
    ]


def week_context(week, *, slot_url, week_url, service: Service, day: str = "") -> dict:
    """The week grid (see slot_rows), its days as the phone's strip shows them, and the links
    between weeks. On a phone only the selected day's times show (CSS); wide screens show all."""
    tz = local_tz()
    week_days = slot_rows(week.days, slot_url=slot_url, service=service)
    this_week = week_url(week.monday)
    days = picker_days(
        week, week_days, day_url=lambda d: f"{this_week}&{urlencode({'day': d.isoformat()})}", asked=day
    )
    return {
        "week": week,
        "week_days": week_days,
        "picker_days": days,
        "selected_day": next((d for d in days if d.selected), None),
        "any_locked": has_locked(week_days),
        "previous_week_url": week_url(week.previous_monday) if week.previous_monday else "",
        "next_week_url": week_url(week.next_monday) if week.next_monday else "",
        "first_free_url": week_url("first"),
        "next_free_url": week_url(monday_of(week.next_free.start.astimezone(tz).date()))
        if week.next_free
        else "",
    }


def week_of(start: datetime) -> str:
    """The ?week= value of the week a time is in."""
    return monday_of(start.astimezone(local_tz()).date()).isoformat()
