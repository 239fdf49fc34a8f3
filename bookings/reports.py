"""Reports for staff: appointments per week, utilisation, cancellations, lead time and channels.

Built only from the calendar's non-personal columns (service, practitioner, times, status, source,
booking time), never from the customer or the client's message, so every figure survives erasure.
Five queries whatever the size of the calendar. Weeks are counted in Python from local dates, so a
week starts on Monday at local midnight on both sides of a daylight-saving change.
"""

import bisect
import csv
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar, NamedTuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Appointment, Closure, Practitioner, Service, WorkingHours
from bookings.schedules import closed_days, local_tz, monday_of

DEFAULT_WEEKS = 12  # Monday eleven weeks ago to Sunday of the current week
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
NO_VALUE = "—"
# A spreadsheet runs a cell starting with one of these as a formula (names are staff-entered text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CANCELLED = Appointment.Status.CANCELLED
NO_SHOW = Appointment.Status.NO_SHOW

LEAD_BUCKETS = [  # (most days before the visit, label)
    (0, gettext_lazy("same day")),
    (2, gettext_lazy("1–2 days")),
    (7, gettext_lazy("3–7 days")),
    (14, gettext_lazy("8–14 days")),
    (30, gettext_lazy("15–30 days")),
    (None, gettext_lazy("over 30 days")),
]

# Colour-blind-safe series colours (Okabe–Ito), the practice's teal first.
PALETTE = ["#0b5d63", "#e69f00", "#56b4e9", "#009e73", "#cc79a7", "#d55e00", "#0072b2", "#8c6d1f"]
BAR_COLOUR = PALETTE[0]


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


def _chosen_range(request) -> tuple[ReportRangeForm, date, date]:
    """The form, and its dates when valid or else the default range."""
    default = default_range(timezone.localdate())
    form = ReportRangeForm(request.GET, default=default)
    if form.is_valid():
        return form, form.cleaned_data["from"], form.cleaned_data["to"]
    return form, *default


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

    @property
    def is_active(self) -> bool:
        return self.status != CANCELLED

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
    practitioners: dict[int, str]  # in display order
    active_practitioners: set[int]
    hours: dict[int, dict[int, list[tuple[time, time]]]]
    closures: dict[int | None, list[tuple[datetime, datetime]]]
    holidays: frozenset[date]

    @property
    def weeks(self) -> list[date]:
        monday, last = monday_of(self.first_day), monday_of(self.last_day)
        return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def load_calendar(first_day: date, last_day: date, *, now: datetime) -> Calendar:
    """Everything the reports need about the local days given, in five queries."""
    tz = local_tz()
    range_start = datetime.combine(first_day, time(0), tzinfo=tz)
    range_end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)

    visits = []
    for service_id, practitioner_id, start, end, status, source, created_at in Appointment.objects.filter(
        start__gte=range_start, start__lt=range_end
    ).values_list("service_id", "practitioner_id", "start", "end", "status", "source", "created_at"):
        day = start.astimezone(tz).date()
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
                booked_on=created_at.astimezone(tz).date(),
            )
        )

    practitioners, active = {}, set()
    for pk, name, is_active in Practitioner.objects.values_list("pk", "name", "is_active"):
        practitioners[pk] = name
        if is_active:
            active.add(pk)

    hours: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for pk, weekday, start, end in WorkingHours.objects.order_by().values_list(
        "practitioner_id", "weekday", "start", "end"
    ):
        hours[pk][weekday].append((start, end))

    closures: dict[int | None, list] = defaultdict(list)
    for pk, start, end in (
        Closure.objects.filter(start__lt=range_end, end__gt=range_start)
        .order_by()
        .values_list("practitioner_id", "start", "end")
    ):
        closures[pk].append((start, end))

    return Calendar(
        first_day=first_day,
        last_day=last_day,
        now=now,
        tz=tz,
        visits=visits,
        services={
            service.pk: service.localized_name
            for service in Service.objects.only("name", "name_sv", "name_en")
        },
        practitioners=practitioners,
        active_practitioners=active,
        hours=hours,
        closures=closures,
        holidays=closed_days(first_day, last_day),
    )


# Figures -----------------------------------------------------------------------------------------


def percent(part: float, whole: float) -> Decimal | None:
    """part / whole in per cent with one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def median_days(days: list[int]) -> Decimal | None:
    if not days:
        return None
    return Decimal(str(statistics.median(days))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def lead_bucket(days: int) -> int:
    """Index into LEAD_BUCKETS of a lead time in days."""
    return next(i for i, (most, _label) in enumerate(LEAD_BUCKETS) if most is None or days <= most)


def _merge(intervals) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def open_minutes_by_week(
    hours: dict[int, list[tuple[time, time]]],
    closed: list[tuple[datetime, datetime]],
    *,
    first_day: date,
    last_day: date,
    holidays: frozenset[date],
    tz: ZoneInfo,
) -> dict[date, int]:
    """Working minutes per week (Monday) on the local days given, less closures and holidays."""
    closed = _merge(closed)
    closed_starts = [start for start, _end in closed]
    seconds: dict[date, float] = defaultdict(float)
    day = first_day
    while day <= last_day:
        if day not in holidays:
            # In UTC (see _merge): Python subtracts two times of one zone as wall-clock times, which
            # would make 02–05 on the night the clocks go forward three hours instead of two.
            intervals = _merge(
                (datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz))
                for start, end in hours.get(day.weekday(), ())
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
        (active if visit.is_active else cancelled)[visit.week, getattr(visit, key)] += 1
    seen = {getattr(visit, key) for visit in cal.visits}
    return Table(
        slug=slug,
        title=title,
        note=_("Appointments held or still to come, and cancelled ones, by the week of the visit."),
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
    for visit in cal.visits:
        booked[visit.week] += 1
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
            "The cancellation rate is of all appointments booked for the week; the no-show rate is of "
            "the week's appointments that were not cancelled and have already begun."
        ),
        columns=[
            _("Week (Monday)"),
            _("Booked"),
            _("Cancelled"),
            _("No-shows"),
            _("Cancellation rate %"),
            _("No-show rate %"),
        ],
        rows=[
            [
                week,
                booked[week],
                cancelled[week],
                no_shows[week],
                percent(cancelled[week], booked[week]),
                percent(past_no_shows[week], past[week]),
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
    "by_practitioner": by_practitioner_table,
    "utilisation": utilisation_table,
    "cancellations": cancellations_table,
    "lead_time": lead_time_table,
    "sources": sources_table,
}


# Charts: geometry for inline SVG ----------------------------------------------------------------

CHART_WIDTH = 720
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44, 712, 10, 214
WEEK_CHART_HEIGHT = 240
BAR_LABEL_RIGHT, BAR_LEFT, BAR_MAX_WIDTH, BAR_ROW = 196, 204, 420, 30


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass
class WeekChart:
    kind: ClassVar[str] = "weeks"
    title: str
    description: str
    bars: list[Rect]
    x_labels: list[Label]
    y_labels: list[Label]
    grid: list[float]
    legend: list[tuple[str, str]]
    width: int = CHART_WIDTH
    height: int = WEEK_CHART_HEIGHT
    plot: tuple[int, int, int, int] = (PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM)


@dataclass
class BarChart:
    kind: ClassVar[str] = "bars"
    title: str
    description: str
    bars: list[Rect]
    labels: list[Label]  # the names, right-aligned before the bars
    values: list[Label]  # the figures, after the bars
    height: int
    reference: float | None = None  # where to draw a dashed line, e.g. at 100 %
    width: int = CHART_WIDTH


def _tick_step(maximum: int) -> int:
    """A round step (1, 2 or 5 × 10ⁿ) that reaches the maximum in at most five ticks."""
    power = 1
    while True:
        for multiple in (1, 2, 5):
            if maximum <= 5 * multiple * power:
                return multiple * power
        power *= 10


def week_chart(weeks: list[date], series: list[tuple[str, list[int]]], *, title: str) -> WeekChart | None:
    """Stacked bars, one per week; None when there is nothing to draw."""
    totals = [sum(values[i] for _name, values in series) for i in range(len(weeks))]
    if not any(totals):
        return None
    step = _tick_step(max(totals))
    top = step * math.ceil(max(totals) / step)
    scale = (PLOT_BOTTOM - PLOT_TOP) / top
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(weeks)
    bars = []
    for i, week in enumerate(weeks):
        y = PLOT_BOTTOM
        for n, (name, values) in enumerate(series):
            if values[i]:
                height = values[i] * scale
                y -= height
                label = f"{formats.date_format(week, 'SHORT_DATE_FORMAT')}: {name}: {values[i]}"
                bars.append(
                    Rect(
                        round(PLOT_LEFT + i * slot + slot * 0.15, 1),
                        round(y, 1),
                        round(slot * 0.7, 1),
                        round(height, 1),
                        PALETTE[n % len(PALETTE)],
                        label,
                    )
                )
    every = math.ceil(len(weeks) / 13)
    return WeekChart(
        title=title,
        description=_(
            "One bar per week, from the week of %(first)s to the week of %(last)s; the busiest week has "
            "%(most)s. The table below gives every figure."
        )
        % {
            "first": formats.date_format(weeks[0], "SHORT_DATE_FORMAT"),
            "last": formats.date_format(weeks[-1], "SHORT_DATE_FORMAT"),
            "most": max(totals),
        },
        bars=bars,
        x_labels=[
            Label(round(PLOT_LEFT + (i + 0.5) * slot, 1), PLOT_BOTTOM + 18, formats.date_format(week, "j.n."))
            for i, week in enumerate(weeks)
            if i % every == 0
        ],
        y_labels=[
            Label(PLOT_LEFT - 6, round(PLOT_BOTTOM - value * scale + 4, 1), str(value))
            for value in range(0, top + 1, step)
        ],
        grid=[round(PLOT_BOTTOM - value * scale, 1) for value in range(step, top + 1, step)],
        legend=[(PALETTE[n % len(PALETTE)], name) for n, (name, _values) in enumerate(series)]
        if len(series) > 1
        else [],
    )


def bar_chart(
    items: list[tuple[str, float, str]],
    *,
    title: str,
    description: str,
    scale_to: float,
    reference: float | None = None,
) -> BarChart | None:
    """Horizontal bars for (name, value, value as text); None when every value is nothing."""
    if not items or not scale_to:
        return None
    bars, labels, values = [], [], []
    for i, (name, value, text) in enumerate(items):
        y = 8 + i * BAR_ROW
        width = round(BAR_MAX_WIDTH * min(value, scale_to) / scale_to, 1)
        bars.append(Rect(BAR_LEFT, y, width, BAR_ROW - 10, BAR_COLOUR, f"{name}: {text}"))
        short = name if len(name) <= 28 else name[:27] + "…"
        labels.append(Label(BAR_LABEL_RIGHT, y + 15, short))
        values.append(Label(BAR_LEFT + width + 6, y + 15, text))
    return BarChart(
        title=title,
        description=description,
        bars=bars,
        labels=labels,
        values=values,
        height=16 + len(items) * BAR_ROW,
        reference=None if reference is None else round(BAR_LEFT + BAR_MAX_WIDTH * reference / scale_to, 1),
    )


def _series(
    table: Table, name_column: int, value_column: int, weeks: list[date]
) -> list[tuple[str, list[int]]]:
    """Per-week values of each name in a week × name table, in the table's order."""
    series: dict[str, list[int]] = {}
    index = {week: i for i, week in enumerate(weeks)}
    for row in table.rows:
        series.setdefault(row[name_column], [0] * len(weeks))[index[row[0]]] += row[value_column]
    return list(series.items())


def _percent_text(value: Decimal | None) -> str:
    return NO_VALUE if value is None else f"{formats.number_format(value, 1)} %"


def _share_items(names_and_counts: list[tuple[str, int]]) -> list[tuple[str, float, str]]:
    total = sum(count for _name, count in names_and_counts)
    return [
        (name, count, f"{count} ({_percent_text(percent(count, total))})") for name, count in names_and_counts
    ]


def charts(cal: Calendar, tables: dict[str, Table]) -> dict[str, WeekChart | BarChart | None]:
    """The chart drawn above each table (None: nothing to draw)."""
    weeks = cal.weeks
    usage = []
    for pk, by_week in utilisation_figures(cal).items():
        share = percent(sum(b for _o, b in by_week.values()), sum(o for o, _b in by_week.values()))
        usage.append((cal.practitioners[pk], float(share or 0), _percent_text(share)))
    sources = [(name, sum(values)) for name, values in _series(tables["sources"], 1, 2, weeks)]
    leads = tables["lead_time"].footer[0][1:-1]
    cancellations = tables["cancellations"].rows
    return {
        "by_service": week_chart(
            weeks, _series(tables["by_service"], 1, 2, weeks), title=tables["by_service"].title
        ),
        "by_practitioner": week_chart(
            weeks, _series(tables["by_practitioner"], 1, 2, weeks), title=tables["by_practitioner"].title
        ),
        "utilisation": bar_chart(
            usage,
            title=_("Utilisation of opening hours per practitioner over the whole range"),
            description=_("Booked time as a share of open time; the dashed line marks 100 %."),
            scale_to=max([100.0, *(value for _name, value, _text in usage)]),
            reference=100,
        ),
        "cancellations": week_chart(
            weeks,
            [
                (_("Cancelled"), [row[2] for row in cancellations]),
                (_("No-shows"), [row[3] for row in cancellations]),
            ],
            title=_("Cancellations and no-shows per week"),
        ),
        "lead_time": bar_chart(
            _share_items(
                [(str(label), count) for (_most, label), count in zip(LEAD_BUCKETS, leads, strict=True)]
            ),
            title=_("Booking lead time over the whole range"),
            description=_("Appointments that were not cancelled, by days from booking to the visit."),
            scale_to=max(leads, default=0),
        ),
        "sources": bar_chart(
            _share_items(sources),
            title=_("Online, phone and walk-in bookings over the whole range"),
            description=_("Appointments that were not cancelled, by how they were booked."),
            scale_to=max((count for _name, count in sources), default=0),
        ),
    }


# Views -------------------------------------------------------------------------------------------


def _display(value) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, 1)
    return str(value)


def _csv_cell(value) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if not isinstance(value, int | Decimal) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass
class Section:
    """A table with its chart and download link, its cells formatted for the page."""

    table: Table
    chart: WeekChart | BarChart | None
    csv_url: str

    @staticmethod
    def _is_number(value) -> bool:
        return value is None or isinstance(value, int | Decimal)

    @property
    def columns(self) -> list[tuple[str, bool]]:
        """(label, right-aligned) of each column: numbers are aligned right, names left."""
        rows, headers = self.table.rows, self.table.row_headers
        return [
            (label, n >= headers and bool(rows) and all(self._is_number(row[n]) for row in rows))
            for n, label in enumerate(self.table.columns)
        ]

    def _cells(self, rows) -> list[list[tuple[str, bool, bool]]]:
        headers = self.table.row_headers
        return [
            [(_display(value), n < headers, self._is_number(value)) for n, value in enumerate(row)]
            for row in rows
        ]

    @property
    def rows(self):
        return self._cells(self.table.rows)

    @property
    def footer(self):
        return self._cells(self.table.footer)


def _require_permission(request) -> None:
    if not request.user.has_perm("bookings.view_reports"):
        raise PermissionDenied


def report_page(request):
    _require_permission(request)
    form, first_day, last_day = _chosen_range(request)
    cal = load_calendar(first_day, last_day, now=timezone.now())
    tables = {slug: build(cal) for slug, build in TABLES.items()}
    drawn = charts(cal, tables)
    query = urlencode({"from": first_day.isoformat(), "to": last_day.isoformat()})
    sections = [
        Section(table, drawn[slug], f"{reverse('admin:reports_csv', kwargs={'table': slug})}?{query}")
        for slug, table in tables.items()
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "form": form,
        "first_day": first_day,
        "last_day": last_day,
        "weeks": len(cal.weeks),
        "sections": sections,
    }
    return render(request, "admin/reports.html", context)


def report_csv(request, table: str):
    _require_permission(request)
    if table not in TABLES:
        raise Http404
    form, first_day, last_day = _chosen_range(request)
    if not form.is_valid():
        # A download never silently covers another range than the one asked for.
        errors = [message for messages in form.errors.values() for message in messages]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    report = TABLES[table](load_calendar(first_day, last_day, now=timezone.now()))
    filename = f"inuvet-{table}-{first_day.isoformat()}-{last_day.isoformat()}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    response.write("\ufeff")  # the byte-order mark that makes Excel read UTF-8 (ä, ö) correctly
    writer = csv.writer(response)
    writer.writerow(_csv_cell(column) for column in report.columns)
    for row in [*report.rows, *report.footer]:
        writer.writerow(_csv_cell(value) for value in row)
    return response
