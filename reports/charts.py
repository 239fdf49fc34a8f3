"""Report charts: the geometry of the inline SVG drawn above each table."""

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.utils import formats
from django.utils.translation import gettext as _

from reports.figures import LEAD_BUCKETS, NO_VALUE, Calendar, Table, percent, utilisation_figures

# Colour-blind-safe series colours (Okabe–Ito), the practice's teal first.
PALETTE = ["#0b5d63", "#e69f00", "#56b4e9", "#009e73", "#cc79a7", "#d55e00", "#0072b2", "#8c6d1f"]
BAR_COLOUR = PALETTE[0]

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


def _colour(n: int) -> str:
    return PALETTE[n % len(PALETTE)]


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def week_chart(weeks: list[date], series: list[tuple[str, list[int]]], *, title: str) -> WeekChart | None:
    """Stacked bars, one per week; None when there is nothing to draw."""
    totals = [sum(values[i] for _name, values in series) for i in range(len(weeks))]
    most = max(totals, default=0)
    if not most:
        return None
    step = _tick_step(most)
    top = step * math.ceil(most / step)
    scale = (PLOT_BOTTOM - PLOT_TOP) / top
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(weeks)
    bars = []
    for i, week in enumerate(weeks):
        y = PLOT_BOTTOM
        for n, (name, values) in enumerate(series):
            if values[i]:
                height = values[i] * scale
                y -= height
                bars.append(
                    Rect(
                        round(PLOT_LEFT + i * slot + slot * 0.15, 1),
                        round(y, 1),
                        round(slot * 0.7, 1),
                        round(height, 1),
                        _colour(n),
                        f"{_short_date(week)}: {name}: {values[i]}",
                    )
                )
    every = math.ceil(len(weeks) / 13)
    return WeekChart(
        title=title,
        description=_(
            "One bar per week, from the week of %(first)s to the week of %(last)s; the busiest week has "
            "%(most)s. The table below gives every figure."
        )
        % {"first": _short_date(weeks[0]), "last": _short_date(weeks[-1]), "most": most},
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
        legend=[(_colour(n), name) for n, (name, _values) in enumerate(series)] if len(series) > 1 else [],
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


def _series(table: Table, weeks: list[date]) -> list[tuple[str, list[int]]]:
    """Per-week values of each name in a table of (week, name, value, …) rows, in the table's order."""
    series: dict[str, list[int]] = {}
    index = {week: i for i, week in enumerate(weeks)}
    for week, name, value, *_rest in table.rows:
        series.setdefault(name, [0] * len(weeks))[index[week]] += value
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
    sources = [(name, sum(values)) for name, values in _series(tables["sources"], weeks)]
    leads = tables["lead_time"].footer[0][1:-1]
    cancellations = tables["cancellations"].rows
    per_week = {
        slug: week_chart(weeks, _series(tables[slug], weeks), title=tables[slug].title)
        for slug in ("by_service", "by_species", "by_practitioner")
    }
    return {
        **per_week,
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
