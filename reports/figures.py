"""Report figures: the date range, the calendar loaded for it, and the six tables.

Built only from the calendar's non-personal columns (service, practitioner, times, status, source,
booking time), never from the customer or the client's message, so every figure survives erasure.
Six queries whatever the size of the calendar (bookings.calendar loads it). Weeks are counted in Python from local dates, so a
week starts on Monday at local midnight on both sides of a daylight-saving change.
"""

import bisect
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.availability import Hours, hours_on, merge_intervals
from bookings.calendar import load_calendar, monday_of
from bookings.models import Appointment, Practitioner, Service, Species

DEFAULT_WEEKS = 12  # Monday eleven weeks ago to Sunday of the current week
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
NO_VALUE = "—"  # how a figure of None is written
VISIT_FIELDS = (
    "service_id",
    "practitioner_id",
    "start",
    "end",
    "status",
    "source",
    "created_at",
    "cancelled_by",
    "species_id",
)
CANCELLED = Appointment.Status.CANCELLED
BY_ERASURE = Appointment.CancelledBy.ERASURE
NO_SHOW = Appointment.Status.NO_SHOW

LEAD_BUCKETS = [  # (most days before the visit, label)
    (0, gettext_lazy("same day")),
    (2, gettext_lazy("1–2 days")),
    (7, gettext_lazy("3–7 days")),
    (14, gettext_lazy("8–14 days")),
    (30, gettext_lazy("15–30 days")),
    (None, gettext_lazy("over 30 days")),
]


# The chosen range --------------------------------------------------------------------------------


def default_range(today: date) -> tuple[date, date]:
    monday = monday_of(today)
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), monday + timedelta(days=6)


def _two_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


class ReportRangeForm(forms.Form):
    """The local dates reported on, both included: ?from=YYYY-MM-DD&to=YYYY-MM-DD."""

    def __init__(self, query, *, default: tuple[date, date]):
        # A missing date means the default one, so the inputs always show the range in use.
        super().__init__(
            {
                "from": query.get("from") or default[0].isoformat(),
                "to": query.get("to") or default[1].isoformat(),
            }
        )
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                input_formats=["%Y-%m-%d"],
                validators=[MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)],
                widget=forms.DateInput(
                    format="%Y-%m-%d",
                    attrs={"type": "date", "min": EARLIEST_DAY.isoformat(), "max": LATEST_DAY.isoformat()},
                ),
            )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last:
            if last < first:
                raise ValidationError(_("The end date is before the start date."))
            if last >= _two_years_after(first):
                raise ValidationError(_("Choose a range of two years or less."))
        return cleaned


# Loading the calendar ------------------------------------------------------------------------------


class Visit(NamedTuple):
    """One appointment as the reports see it: no customer, no message."""

    week: date
    day: date
    start: datetime
    minutes: int
    service_id: int
    practitioner_id: int
    status: str
    source: str
    booked_on: date
    cancelled_by: str = ""
    species_id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.status != CANCELLED

    @property
    def erased(self) -> bool:
        """Cancelled because the client's data was erased: not a cancellation of the visit as such."""
        return self.status == CANCELLED and self.cancelled_by == BY_ERASURE

    @property
    def lead_days(self) -> int:
        # Entered after the fact (a walk-in typed in later) counts as booked the same day.
        return max(0, (self.day - self.booked_on).days)


@dataclass
class Calendar:
    first_day: date
    last_day: date
    now: datetime
    tz: ZoneInfo
    visits: list[Visit]
    services: dict[int, str]  # in display order
    species: dict[int | None, str]  # in display order; None: not given (staff bookings, older ones)
    practitioners: dict[int, str]  # in display order
    active_practitioners: set[int]
    hours: dict[int, dict[int, list[Hours]]]
    closures: dict[int | None, list[tuple[datetime, datetime]]]
    holidays: frozenset[date]

    @property
    def weeks(self) -> list[date]:
        monday, last = monday_of(self.first_day), monday_of(self.last_day)
        return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def load_visits(first_day: date, last_day: date, *, now: datetime) -> Calendar:
    """Everything the reports need about the local days given: the calendar (three queries) and
    the names of services, species and practitioners (three)."""
    cal = load_calendar(
        first_day,
        last_day,
        appointments=Appointment.objects.all(),
        appointment_fields=VISIT_FIELDS,
        margin_days=0,
    )
    visits = []
    for (
        service_id,
        practitioner_id,
        start,
        end,
        status,
        source,
        created_at,
        cancelled_by,
        species_id,
    ) in cal.appointments:
        day = start.astimezone(cal.tz).date()
        if not first_day <= day <= last_day:
            continue  # occupied time reaching into the range from a visit outside it
        visits.append(
            Visit(
                week=monday_of(day),
                day=day,
                start=start,
                minutes=round((end - start).total_seconds() / 60),
                service_id=service_id,
                practitioner_id=practitioner_id,
                status=status,
                source=source,
                booked_on=created_at.astimezone(cal.tz).date(),
                cancelled_by=cancelled_by,
                species_id=species_id,
            )
        )

    practitioners, active = {}, set()
    for pk, name, is_active in Practitioner.objects.values_list("pk", "name", "is_active"):
        practitioners[pk] = name
        if is_active:
            active.add(pk)

    closures: dict[int | None, list] = defaultdict(list)
    for closure in cal.closures:
        closures[closure.practitioner_id].append((closure.start, closure.end))

    return Calendar(
        first_day=first_day,
        last_day=last_day,
        now=now,
        tz=cal.tz,
        visits=visits,
        services={
            service.pk: service.localized_name
            for service in Service.objects.only("name", "name_sv", "name_en")
        },
        species={
            **{s.pk: s.localized_name for s in Species.objects.only("name", "name_sv", "name_en")},
            None: _("not given"),
        },
        practitioners=practitioners,
        active_practitioners=active,
        hours=cal.hours,
        closures=closures,
        holidays=cal.holidays,
    )


# Pure figures ------------------------------------------------------------------------------------


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: float, whole: float) -> Decimal | None:
    """part / whole in per cent with one decimal, or None when there is no whole."""
    return _one_decimal(Decimal(part) * 100 / Decimal(whole)) if whole else None


def median_days(days: list[int]) -> Decimal | None:
    return _one_decimal(Decimal(str(statistics.median(days)))) if days else None


def lead_bucket(days: int) -> int:
    """Index into LEAD_BUCKETS of a lead time in days."""
    return next(i for i, (most, _label) in enumerate(LEAD_BUCKETS) if most is None or days <= most)


def open_minutes_by_week(
    hours: dict[int, list[Hours]],
    closed: list[tuple[datetime, datetime]],
    *,
    first_day: date,
    last_day: date,
    holidays: frozenset[date],
    tz: ZoneInfo,
) -> dict[date, int]:
    """Working minutes per week (Monday) on the local days given, by the hours in force on each day,
    less closures and holidays."""
    closed = merge_intervals(closed)
    closed_starts = [start for start, _end in closed]
    seconds: dict[date, float] = defaultdict(float)
    day = first_day
    while day <= last_day:
        if day not in holidays:
            intervals = merge_intervals(
                (datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz))
                for start, end in hours_on(hours, day)
            )
            for start, end in intervals:
                total = (end - start).total_seconds()
                i = max(bisect.bisect_right(closed_starts, start) - 1, 0)
                while i < len(closed) and closed[i][0] < end:
                    total -= max(0.0, (min(closed[i][1], end) - max(closed[i][0], start)).total_seconds())
                    i += 1
                seconds[monday_of(day)] += total
        day += timedelta(days=1)
    return {week: round(value / 60) for week, value in seconds.items()}


# Tables ------------------------------------------------------------------------------------------


@dataclass
class Table:
    """One report table: what the page shows and what its CSV holds, row for row."""

    slug: str
    title: str
    note: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)  # date, str, int, Decimal or None (no value)
    footer: list[list] = field(default_factory=list)  # whole-range rows
    row_headers: int = 1


def _per_week_by(cal: Calendar, key: str, names: dict[int, str], slug: str, title: str, label: str) -> Table:
    active, cancelled = Counter(), Counter()
    for visit in cal.visits:
        if not visit.erased:
            (active if visit.is_active else cancelled)[visit.week, getattr(visit, key)] += 1
    seen = {getattr(visit, key) for visit in cal.visits}
    return Table(
        slug=slug,
        title=title,
        note=_(
            "Appointments held or still to come, and cancelled ones, by the week of the visit. Cancellations "
            "made by erasing a client's data are not counted (see Cancellations and no-shows)."
        ),
        columns=[_("Week (Monday)"), label, _("Appointments"), _("Cancelled")],
        rows=[
            [week, names[pk], active[week, pk], cancelled[week, pk]]
            for week in cal.weeks
            for pk in names
            if pk in seen
        ],
    )


def by_service_table(cal: Calendar) -> Table:
    title = _("Appointments per week by service")
    return _per_week_by(cal, "service_id", cal.services, "by_service", title, _("Service"))


def by_species_table(cal: Calendar) -> Table:
    title = _("Appointments per week by species")
    return _per_week_by(cal, "species_id", cal.species, "by_species", title, _("Species"))


def by_practitioner_table(cal: Calendar) -> Table:
    title = _("Appointments per week by practitioner")
    return _per_week_by(
        cal, "practitioner_id", cal.practitioners, "by_practitioner", title, _("Practitioner")
    )


def _utilisation_practitioners(cal: Calendar) -> list[int]:
    """Practitioners with appointments in the range, and active ones with working hours."""
    seen = {visit.practitioner_id for visit in cal.visits if visit.is_active}
    return [
        pk for pk in cal.practitioners if pk in seen or (pk in cal.active_practitioners and cal.hours.get(pk))
    ]


def utilisation_figures(cal: Calendar) -> dict[int, dict[date, tuple[int, int]]]:
    """(open minutes, booked minutes) per practitioner per week."""
    booked: Counter = Counter()
    for visit in cal.visits:
        if visit.is_active:
            booked[visit.practitioner_id, visit.week] += visit.minutes
    figures = {}
    for pk in _utilisation_practitioners(cal):
        open_minutes = open_minutes_by_week(
            cal.hours.get(pk, {}),
            cal.closures.get(pk, []) + cal.closures.get(None, []),
            first_day=cal.first_day,
            last_day=cal.last_day,
            holidays=cal.holidays,
            tz=cal.tz,
        )
        figures[pk] = {week: (open_minutes.get(week, 0), booked[pk, week]) for week in cal.weeks}
    return figures


def utilisation_table(cal: Calendar) -> Table:
    figures = utilisation_figures(cal)
    return Table(
        slug="utilisation",
        title=_("Utilisation of opening hours"),
        note=_(
            "Open time is the practitioner's working hours less closures and public holidays; booked "
            "time is the length of the appointments that were not cancelled."
        ),
        columns=[
            _("Week (Monday)"),
            _("Practitioner"),
            _("Open minutes"),
            _("Booked minutes"),
            _("Utilisation %"),
        ],
        rows=[
            [
                week,
                cal.practitioners[pk],
                *figures[pk][week],
                percent(figures[pk][week][1], figures[pk][week][0]),
            ]
            for week in cal.weeks
            for pk in figures
        ],
    )


def cancellations_table(cal: Calendar) -> Table:
    booked, cancelled, no_shows, past, past_no_shows = Counter(), Counter(), Counter(), Counter(), Counter()
    erased = Counter()
    for visit in cal.visits:
        booked[visit.week] += 1
        if visit.erased:
            erased[visit.week] += 1
            continue
        if not visit.is_active:
            cancelled[visit.week] += 1
            continue
        no_shows[visit.week] += visit.status == NO_SHOW
        if visit.start < cal.now:
            past[visit.week] += 1
            past_no_shows[visit.week] += visit.status == NO_SHOW
    return Table(
        slug="cancellations",
        title=_("Cancellations and no-shows"),
        note=_(
            "The cancellation rate is of the appointments booked for the week, leaving out those cancelled "
            "because the client's data was erased (counted apart); the no-show rate is of the week's "
            "appointments that were not cancelled and have already begun."
        ),
        columns=[
            _("Week (Monday)"),
            _("Booked"),
            _("Cancelled"),
            _("No-shows"),
            _("Cancellation rate %"),
            _("No-show rate %"),
            _("Cancelled by erasure"),
        ],
        rows=[
            [
                week,
                booked[week],
                cancelled[week],
                no_shows[week],
                percent(cancelled[week], booked[week] - erased[week]),
                percent(past_no_shows[week], past[week]),
                erased[week],
            ]
            for week in cal.weeks
        ],
    )


def lead_time_table(cal: Calendar) -> Table:
    buckets: Counter = Counter()
    days: dict[date, list[int]] = defaultdict(list)
    for visit in cal.visits:
        if visit.is_active:
            buckets[visit.week, lead_bucket(visit.lead_days)] += 1
            days[visit.week].append(visit.lead_days)
    every_day = [n for week in cal.weeks for n in days[week]]
    return Table(
        slug="lead_time",
        title=_("Booking lead time"),
        note=_(
            "Days from booking to the visit, counted in calendar days, for appointments that were not "
            "cancelled; the last row covers the whole range."
        ),
        columns=[_("Week (Monday)"), *(str(label) for _most, label in LEAD_BUCKETS), _("Median (days)")],
        rows=[
            [week, *(buckets[week, i] for i in range(len(LEAD_BUCKETS))), median_days(days[week])]
            for week in cal.weeks
        ],
        footer=[
            [
                _("All weeks"),
                *(sum(buckets[week, i] for week in cal.weeks) for i in range(len(LEAD_BUCKETS))),
                median_days(every_day),
            ]
        ],
    )


def sources_table(cal: Calendar) -> Table:
    counts = Counter((visit.week, visit.source) for visit in cal.visits if visit.is_active)
    return Table(
        slug="sources",
        title=_("Online, phone and walk-in bookings"),
        note=_("Appointments that were not cancelled, by how they were booked."),
        columns=[_("Week (Monday)"), _("Booked by"), _("Appointments")],
        rows=[
            [week, str(label), counts[week, value]]
            for week in cal.weeks
            for value, label in Appointment.Source.choices
        ],
    )


TABLES = {
    "by_service": by_service_table,
    "by_species": by_species_table,
    "by_practitioner": by_practitioner_table,
    "utilisation": utilisation_table,
    "cancellations": cancellations_table,
    "lead_time": lead_time_table,
    "sources": sources_table,
}
