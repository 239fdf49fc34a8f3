"""The staff Reports page and its CSV downloads; figures in reports/figures.py, charts in reports/charts.py."""

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from inuvet.audit import require_permission
from inuvet.spreadsheets import FINNISH_EXCEL, csv_dialect, number_cell, safe_cell
from reports.charts import BarChart, WeekChart, charts
from reports.figures import (
    NO_VALUE,
    TABLES,
    ReportRangeForm,
    Table,
    default_range,
    load_visits,
)


def _is_number(value) -> bool:
    return value is None or isinstance(value, int | Decimal)


def _display(value) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, 1)
    return str(value)


def _csv_cell(value, dialect: str = "") -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, date):
        return value.isoformat()
    return number_cell(value, dialect) if _is_number(value) else safe_cell(str(value))


@dataclass
class Section:
    """A table with its chart and download link, its cells formatted for the page."""

    table: Table
    chart: WeekChart | BarChart | None
    csv_url: str

    @property
    def csv_fi_url(self) -> str:
        return f"{self.csv_url}&format={FINNISH_EXCEL}"

    @property
    def columns(self) -> list[tuple[str, bool]]:
        """(label, right-aligned) of each column: numbers are aligned right, names left."""
        rows, headers = self.table.rows, self.table.row_headers
        return [
            (label, n >= headers and bool(rows) and all(_is_number(row[n]) for row in rows))
            for n, label in enumerate(self.table.columns)
        ]

    def _cells(self, rows) -> list[list[tuple[str, bool, bool]]]:
        headers = self.table.row_headers
        return [
            [(_display(value), n < headers, _is_number(value)) for n, value in enumerate(row)] for row in rows
        ]

    @property
    def rows(self):
        return self._cells(self.table.rows)

    @property
    def footer(self):
        return self._cells(self.table.footer)


def _chosen_range(request) -> tuple[ReportRangeForm, date, date]:
    """The form, and its dates when valid or else the default range."""
    default = default_range(timezone.localdate())
    form = ReportRangeForm(request.GET, default=default)
    if form.is_valid():
        return form, form.cleaned_data["from"], form.cleaned_data["to"]
    return form, *default


def report_page(request):
    require_permission(request, "bookings.view_reports")
    form, first_day, last_day = _chosen_range(request)
    cal = load_visits(first_day, last_day, now=timezone.now())
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
    return render(request, "reports/reports.html", context)


def report_csv(request, table: str):
    require_permission(request, "bookings.view_reports")
    if table not in TABLES:
        raise Http404
    form, first_day, last_day = _chosen_range(request)
    if not form.is_valid():
        # A download never silently covers another range than the one asked for.
        errors = [message for messages in form.errors.values() for message in messages]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    report = TABLES[table](load_visits(first_day, last_day, now=timezone.now()))
    dialect = request.GET.get("format", "")
    suffix = "-excel-fi" if dialect == FINNISH_EXCEL else ""
    filename = f"inuvet-{table}-{first_day.isoformat()}-{last_day.isoformat()}{suffix}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    response.write("\ufeff")  # the byte-order mark that makes Excel read UTF-8 (ä, ö) correctly
    writer = csv.writer(response, **csv_dialect(dialect))
    writer.writerow(_csv_cell(column, dialect) for column in report.columns)
    for row in [*report.rows, *report.footer]:
        writer.writerow(_csv_cell(value, dialect) for value in row)
    return response
