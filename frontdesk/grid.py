"""The staff calendar's grid: columns of 15-minute rows with working hours, closures and
appointments placed on them. Pure: the view loads the data, this only arranges it."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookings.availability import hours_on

ROW_MINUTES = 15


@dataclass
class Block:
    """Something placed on the grid: an appointment or a closure. Rows count from 0."""

    row: int
    span: int
    appointment: object = None
    label: str = ""


@dataclass
class Column:
    day: date
    practitioner: object
    holiday: bool = False
    open_rows: set[int] = field(default_factory=set)
    blocks: list[Block] = field(default_factory=list)
    cell_list: list = field(default_factory=list)

    def cells(self, first_hour: int, rows: int):
        """(row, local time, open) for every row; open rows are bookable by staff."""
        for row in range(rows):
            minutes = first_hour * 60 + row * ROW_MINUTES
            yield row, time(minutes // 60, minutes % 60), row in self.open_rows


@dataclass
class Grid:
    first_hour: int
    rows: int
    columns: list[Column]

    def hours(self):
        """(row, hour) of each full hour, for the time labels."""
        return [(row, self.first_hour + row // 4) for row in range(0, self.rows, 60 // ROW_MINUTES)]


def _row(moment: datetime, day: date, first_hour: int, tz: ZoneInfo) -> float:
    """Rows from first_hour on `day` to `moment` (wall clock), fractional."""
    local = moment.astimezone(tz)
    day_offset = (local.date() - day).days * 24 * 60
    return (day_offset + local.hour * 60 + local.minute - first_hour * 60) / ROW_MINUTES


def build_grid(
    *,
    columns: list[tuple[date, object]],
    hours: dict,
    closures: list[tuple[int | None, datetime, datetime, str]],
    appointments: list,
    holidays: set[date],
    tz: ZoneInfo,
    first_hour: int = 7,
    last_hour: int = 18,
) -> Grid:
    """Arrange a calendar of (day, practitioner) columns.

    `hours` maps practitioner id → weekday → [(start, end) or Hours in force on some days]; closures are (practitioner id or
    None for everyone, start, end, reason); appointments need practitioner_id, start, end.
    The hours shown grow to fit any working hours or appointment outside 07–18.
    """
    for pid_hours in hours.values():
        for intervals in pid_hours.values():
            for start, end, *_validity in intervals:
                first_hour = min(first_hour, start.hour)
                last_hour = max(last_hour, end.hour + (1 if end.minute else 0) if end != time(0) else 24)
    for appointment in appointments:
        local_start, local_end = appointment.start.astimezone(tz), appointment.end.astimezone(tz)
        first_hour = min(first_hour, local_start.hour)
        last_hour = max(last_hour, min(24, local_end.hour + (1 if local_end.minute else 0)))
    rows = (last_hour - first_hour) * 60 // ROW_MINUTES

    grid = Grid(first_hour=first_hour, rows=rows, columns=[])
    for day, practitioner in columns:
        column = Column(day=day, practitioner=practitioner, holiday=day in holidays)
        day_start = datetime.combine(day, time(0), tzinfo=tz)
        day_end = day_start + timedelta(days=1)
        if not column.holiday:
            for start, end in hours_on(hours.get(practitioner.pk, {}), day):
                first = math.floor(_row(datetime.combine(day, start, tzinfo=tz), day, first_hour, tz))
                end_at = datetime.combine(day, end, tzinfo=tz) if end != time(0) else day_end
                last = math.ceil(_row(end_at, day, first_hour, tz))
                column.open_rows.update(range(max(first, 0), min(last, rows)))
        for pid, start, end, reason in closures:
            if pid not in (None, practitioner.pk) or end <= day_start or start >= day_end:
                continue
            first = max(0, math.floor(_row(max(start, day_start), day, first_hour, tz)))
            last = min(rows, math.ceil(_row(min(end, day_end), day, first_hour, tz)))
            column.open_rows.difference_update(range(first, last))
            if last > first:
                column.blocks.append(Block(row=first, span=last - first, label=reason))
        for appointment in appointments:
            if (
                appointment.practitioner_id != practitioner.pk
                or appointment.start.astimezone(tz).date() != day
            ):
                continue
            first = max(0, math.floor(_row(appointment.start, day, first_hour, tz)))
            last = min(rows, max(first + 1, math.ceil(_row(appointment.end, day, first_hour, tz))))
            column.open_rows.difference_update(range(first, last))
            column.blocks.append(Block(row=first, span=last - first, appointment=appointment))
        column.cell_list = list(column.cells(first_hour, rows))
        grid.columns.append(column)
    return grid
