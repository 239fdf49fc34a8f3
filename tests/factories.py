"""Plain helpers that make test data. Fixtures for the actors are in conftest.py."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings.calendar import closed_days
from bookings.models import Appointment, Closure, Practitioner, Service, Species, WorkingHours
from bookings.tokens import hash_token, manage_token
from customers.models import Customer
from inuvet import roles

HELSINKI = ZoneInfo("Europe/Helsinki")
DEFAULT_HOURS = {day: [(time(8), time(11, 30)), (time(12), time(16))] for day in range(5)}
_counter = itertools.count(1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware Helsinki time on a local date."""
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI)


def next_open_weekday(after: date | None = None, *, weekday: int | None = None) -> date:
    """The first Mon–Fri (or the given weekday) after `after` (default: in a week) that is no holiday."""
    day = (after or timezone.localdate() + timedelta(days=7)) + timedelta(days=1)
    holidays = closed_days(day, day + timedelta(days=60))
    while day.weekday() > 4 or day in holidays or (weekday is not None and day.weekday() != weekday):
        day += timedelta(days=1)
    return day


def make_practitioner(name: str | None = None, hours=None, **fields) -> Practitioner:
    practitioner = Practitioner.objects.create(name=name or f"Practitioner {next(_counter)}", **fields)
    for weekday, intervals in (DEFAULT_HOURS if hours is None else hours).items():
        for start, end in intervals:
            WorkingHours.objects.create(practitioner=practitioner, weekday=weekday, start=start, end=end)
    return practitioner


def make_service(practitioners=(), name: str | None = None, **fields) -> Service:
    fields.setdefault("duration", 30)
    fields.setdefault("slot_step", 15)
    fields.setdefault("min_notice", 60)
    fields.setdefault("price", Decimal("45.00"))  # a service booked online shows its price
    service = Service.objects.create(name=name or f"Service {next(_counter)}", **fields)
    service.practitioners.set(practitioners)
    return service


def make_customer(**fields) -> Customer:
    n = next(_counter)
    fields.setdefault("name", f"Client {n}")
    fields.setdefault("phone", f"+35840{n:07d}")
    fields.setdefault("email", f"client{n}@example.com")
    return Customer.objects.create(**fields)


def make_appointment(service: Service, practitioner: Practitioner, start: datetime, **fields) -> Appointment:
    """An appointment written straight to the table (test set-up, not the booking path)."""
    end = start + timedelta(minutes=service.duration)
    if "customer" not in fields:
        fields["customer"] = make_customer()
    fields.setdefault("reference", f"T{next(_counter):05d}"[-6:])
    fields.setdefault("manage_token_hash", hash_token(manage_token(fields["reference"])))
    return Appointment.objects.create(
        service=service,
        practitioner=practitioner,
        start=start,
        end=end,
        occupied_start=start - timedelta(minutes=service.buffer_before),
        occupied_end=end + timedelta(minutes=service.buffer_after),
        **fields,
    )


def make_closure(start: datetime, end: datetime, practitioner: Practitioner | None = None) -> Closure:
    return Closure.objects.create(start=start, end=end, practitioner=practitioner)


def client_details(n: int | None = None) -> dict:
    n = next(_counter) if n is None else n
    return {"name": f"Client {n}", "phone": f"040 {n:07d}", "email": f"client{n}@example.com"}


def make_staff(username: str, role: str | None):
    user = get_user_model().objects.create_user(
        username=username, password="correct-horse-battery", is_staff=True
    )
    if role:
        roles.assign(user, role)
    return user


SPECIES_NAMES = {  # as the data migration seeds them (a transactional test's flush removes them)
    "koira": ("hund", "dog"),
    "kissa": ("katt", "cat"),
    "kani": ("kanin", "rabbit"),
    "jyrsijä": ("gnagare", "rodent"),
    "lintu": ("fågel", "bird"),
    "matelija": ("reptil", "reptile"),
    "muu": ("annan", "other"),
}


def species(name: str) -> Species:
    """A seeded species by its Finnish name (made again if a flush removed it)."""
    sv, en = SPECIES_NAMES[name]
    order = list(SPECIES_NAMES).index(name) * 10 + 10
    return Species.objects.get_or_create(name=name, defaults={"name_sv": sv, "name_en": en, "order": order})[
        0
    ]
