"""The staff calendar's pages: the day of everyone (or of one practitioner, a practitioner's own by
default), the week of one practitioner, the compact week of everyone, and the printable day list.
They show who is coming and why, so each page shown leaves one access entry (who looked, which
days, which practitioners, which appointments)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.calendar import load_calendar, monday_of
from bookings.models import Appointment, Practitioner, Service
from bookings.staff_rules import status_allowed_from
from frontdesk.grid import ROW_MINUTES, build_grid
from inuvet.audit import log_view, require_permission

# What a block of the calendar shows of an appointment: its service, and who is coming.
GRID_RELATED = ("service", "customer", "species")
# The statuses staff record from the calendar's panel (cancelling has its own confirm step).
QUICK_STATUSES = (Appointment.Status.ARRIVED, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW)


def _parse_day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if 2000 <= day.year <= 2100 else timezone.localdate()


@dataclass
class View:
    """Which calendar page: "day" or "week", of one practitioner or (None) of everyone."""

    kind: str
    practitioner: Practitioner | None
    day: date

    @property
    def days(self) -> list[date]:
        if self.kind == "day":
            return [self.day]
        return [monday_of(self.day) + timedelta(days=n) for n in range(7)]

    def query(self, **changes) -> str:
        values = {
            "view": self.kind,
            "practitioner": self.practitioner.pk if self.practitioner else "all",
            "date": self.day.isoformat(),
            **changes,
        }
        return "?" + urlencode(values)


def choose_view(request, practitioners: list[Practitioner]) -> View:
    """From the query; without one, a practitioner user sees their own day, everyone else the day of
    everyone. An unknown practitioner falls back to everyone."""
    kind = "week" if request.GET.get("view") == "week" else "day"
    wanted = request.GET.get("practitioner")
    if wanted is None and "view" not in request.GET:
        practitioner = next((p for p in practitioners if p.user_id == request.user.pk), None)
    else:
        practitioner = next((p for p in practitioners if str(p.pk) == wanted), None)
    return View(kind=kind, practitioner=practitioner, day=_parse_day(request.GET.get("date")))


def quick_statuses(appointment, now: datetime) -> list[tuple[str, str]]:
    """The status buttons of the panel that the front-desk rules allow now."""
    if appointment.status == Appointment.Status.CANCELLED:
        return []
    allowed = []
    for status in QUICK_STATUSES:
        since = status_allowed_from(appointment, status)
        if status != appointment.status and (since is None or since <= now):
            allowed.append((status.value, status.label))
    return allowed


def _now_line(grid, days: list[date], now: datetime):
    """Where the "now" line goes: (column numbers, row, minute within the row), or None."""
    local = timezone.localtime(now)
    if local.date() not in days:
        return None
    minutes = local.hour * 60 + local.minute - grid.first_hour * 60
    if not 0 <= minutes < grid.rows * ROW_MINUTES:
        return None
    columns = [n for n, column in enumerate(grid.columns, start=2) if column.day == local.date()]
    if not columns:  # nobody's column today (no practitioner at all, say): no line to draw
        return None
    row, minute = divmod(minutes, ROW_MINUTES)
    return {"first": columns[0], "last": columns[-1] + 1, "row": row, "minute": minute, "time": local}


def _utc_offset(day: date) -> str:
    """The practice's offset from UTC at noon of the day ("+02:00"), for the drag calendar's clock."""
    offset = timezone.localtime(timezone.now()).tzinfo.utcoffset(datetime.combine(day, time(12)))
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def calendar(request):
    """The calendar: a day of everyone side by side (or of one practitioner), a week of one
    practitioner, or a compact week of everyone."""
    require_permission(request, "bookings.view_calendar")
    practitioners = list(Practitioner.objects.filter(is_active=True))
    view = choose_view(request, practitioners)
    days = view.days
    shown = [view.practitioner] if view.practitioner else practitioners
    cal = load_calendar(
        days[0],
        days[-1],
        practitioner_ids=[p.pk for p in shown],
        related=GRID_RELATED,
        margin_days=0,
    )
    now = timezone.now()
    appointments = [a for a in cal.appointments if timezone.localtime(a.start).date() in days]
    for appointment in appointments:
        appointment.quick_statuses = quick_statuses(appointment, now)
    compact = view.kind == "week" and view.practitioner is None
    grid = week = None
    if compact:
        week = _compact_week(cal, days, shown, appointments)
    else:
        columns = (
            [(d, view.practitioner) for d in days] if view.kind == "week" else [(days[0], p) for p in shown]
        )
        grid = build_grid(
            columns=columns,
            hours=cal.hours,
            closures=cal.closures,
            appointments=appointments,
            holidays=cal.holidays,
            tz=cal.tz,
        )
    log_view(
        shown,
        "calendar",
        view=view.kind,
        days=[days[0].isoformat(), days[-1].isoformat()],
        appointments=[a.pk for a in appointments],
    )

    services = list(Service.objects.filter(is_active=True))
    service = next((s for s in services if str(s.pk) == request.GET.get("service")), None)
    step = timedelta(days=7 if view.kind == "week" else 1)
    extra = {"service": service.pk} if service else {}
    own = next((p for p in practitioners if p.user_id == request.user.pk), None)
    may_drag = (
        grid is not None and view.kind == "day" and request.user.has_perm("bookings.reschedule_appointment")
    )
    return TemplateResponse(
        request,
        "frontdesk/calendar.html",
        {
            **admin.site.each_context(request),
            "title": _("Calendar"),
            "view": view,
            "grid": grid,
            "week": week,
            "week_view": view.kind == "week",
            "day": view.day,
            "days": days,
            "today": timezone.localdate(),
            "appointments": appointments,
            "practitioners": practitioners,
            "chosen": view.practitioner,
            "own": own,
            "now_line": _now_line(grid, days, now) if grid else None,
            # Drag to move (static/js/calendar-drag.js): the day view, for those who may move.
            "drag": {"last_hour": grid.first_hour + grid.rows // 4, "offset": _utc_offset(view.day)}
            if may_drag and request.GET.get("drag") == "on"
            else None,
            "drag_url": view.query(drag="on", **extra) if may_drag else "",
            "grid_url": view.query(**extra),
            "can_book": request.user.has_perm("bookings.add_appointment"),
            "can_set_status": request.user.has_perm("bookings.change_appointment"),
            "can_reschedule": request.user.has_perm("bookings.reschedule_appointment"),
            "can_open_client": request.user.has_perm("customers.view_customer"),
            "here": request.get_full_path(),
            "previous_url": view.query(date=(view.day - step).isoformat(), **extra),
            "next_url": view.query(date=(view.day + step).isoformat(), **extra),
            "today_url": view.query(date=timezone.localdate().isoformat(), **extra),
            "view_urls": _view_urls(view, practitioners, own, extra),
            "day_urls": [(d, view.query(view="day", date=d.isoformat(), **extra)) for d in days],
            "print_url": reverse("admin:calendar_print")
            + "?"
            + urlencode(
                {
                    "date": view.day.isoformat(),
                    "practitioner": view.practitioner.pk if view.practitioner else "all",
                }
            ),
            "book_url": reverse("admin:calendar_book"),
            # The service a click on a free cell books (and walk-in now rounds to its slot step).
            "services": services,
            "service": service,
            "cell_query": f"&service={service.pk}" if service else "",
        },
    )


def _view_urls(view: View, practitioners, own, extra) -> list[tuple[str, str, bool]]:
    """(label, link, current) of the calendar's views."""
    links = [
        (_("Day: everyone"), ("day", None)),
        (_("Week: everyone"), ("week", None)),
    ]
    if own is not None:
        links.insert(0, (_("My day"), ("day", own)))
    for practitioner in practitioners:
        if practitioner != own:
            links.append((_("Day: %(name)s") % {"name": practitioner.name}, ("day", practitioner)))
        links.append((_("Week: %(name)s") % {"name": practitioner.name}, ("week", practitioner)))
    return [
        (
            label,
            view.query(view=kind, practitioner=p.pk if p else "all", **extra),
            (kind, p) == (view.kind, view.practitioner),
        )
        for label, (kind, p) in links
    ]


@dataclass
class WeekCell:
    day: date
    hours: list
    closed: list
    holiday: bool
    appointments: list


def _compact_week(cal, days, practitioners, appointments) -> list[tuple[Practitioner, list[WeekCell]]]:
    """Rows of practitioners, a cell per day: the hours, closures and appointments of the day."""
    from bookings.availability import hours_on

    rows = []
    for practitioner in practitioners:
        cells = []
        for day in days:
            day_start = datetime.combine(day, time(0), tzinfo=cal.tz)
            day_end = day_start + timedelta(days=1)
            cells.append(
                WeekCell(
                    day=day,
                    hours=[] if day in cal.holidays else hours_on(cal.hours.get(practitioner.pk, {}), day),
                    closed=[
                        c
                        for c in cal.closures
                        if c.practitioner_id in (None, practitioner.pk)
                        and c.start < day_end
                        and c.end > day_start
                    ],
                    holiday=day in cal.holidays,
                    appointments=[
                        a
                        for a in appointments
                        if a.practitioner_id == practitioner.pk and timezone.localtime(a.start).date() == day
                    ],
                )
            )
        rows.append((practitioner, cells))
    return rows


def day_list(request):
    """The printable day list of one practitioner or of everyone: time, client, phone, animal,
    service, message and status (A4, no navigation)."""
    require_permission(request, "bookings.view_calendar")
    practitioners = list(Practitioner.objects.filter(is_active=True))
    view = choose_view(request, practitioners)
    shown = [view.practitioner] if view.practitioner else practitioners
    cal = load_calendar(
        view.day, view.day, practitioner_ids=[p.pk for p in shown], related=GRID_RELATED, margin_days=0
    )
    appointments = [a for a in cal.appointments if timezone.localtime(a.start).date() == view.day]
    log_view(
        shown,
        "day list",
        view="print",
        days=[view.day.isoformat(), view.day.isoformat()],
        appointments=[a.pk for a in appointments],
    )
    return TemplateResponse(
        request,
        "frontdesk/day_list.html",
        {
            "title": _("Day list"),
            "day": view.day,
            "lists": [(p, [a for a in appointments if a.practitioner_id == p.pk]) for p in shown],
            "calendar_url": reverse("admin:calendar") + view.query(),
        },
    )
