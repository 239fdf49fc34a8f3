"""The booking desk's customer search: the records of one person (same phone or same email) shown
as one row with their bookings. The records stay separate in the database: online, every booking
makes its own record, so that typing someone's email reaches none of their data."""

from dataclasses import dataclass, field

from bookings.models import Appointment
from customers.models import Customer

MAX_RECORDS = 60
MAX_BOOKINGS = 5


@dataclass
class FoundPerson:
    """Customer records that share a phone or an email, newest first, and their latest bookings."""

    records: list[Customer]
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def newest(self) -> Customer:
        return self.records[0]

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(record.name for record in self.records))

    @property
    def phones(self) -> list[str]:
        return list(dict.fromkeys(record.phone_display for record in self.records))

    @property
    def emails(self) -> list[str]:
        return list(dict.fromkeys(record.email for record in self.records if record.email))


def group_people(records: list[Customer]) -> list[list[Customer]]:
    """Records joined when they share a phone or a (non-empty) email, transitively; in the order of
    each group's first record."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[tuple[str, str], int] = {}
    for i, record in enumerate(records):
        for key in (("phone", record.phone), ("email", record.email)):
            if not key[1]:
                continue
            if key in first_with:
                parent[root(i)] = root(first_with[key])
            else:
                first_with[key] = i
    groups: dict[int, list[Customer]] = {}
    for i, record in enumerate(records):
        groups.setdefault(root(i), []).append(record)
    return list(groups.values())


def find_people(term: str) -> tuple[list[FoundPerson], list[Customer]]:
    """The people matching a name, phone, email or booking reference, each with their latest
    bookings; and every record shown (for the access entries). Two queries."""
    records = list(Customer.objects.search(term).order_by("-created_at", "-pk")[:MAX_RECORDS])
    people = [FoundPerson(sorted(group, key=lambda c: (c.created_at, c.pk), reverse=True))
              for group in group_people(records)]  # fmt: skip
    by_customer: dict[int, list[Appointment]] = {}
    for appointment in (
        Appointment.objects.filter(customer__in=records).select_related("service").order_by("-start")
    ):
        by_customer.setdefault(appointment.customer_id, []).append(appointment)
    for person in people:
        bookings = [a for record in person.records for a in by_customer.get(record.pk, [])]
        person.appointments = sorted(bookings, key=lambda a: a.start, reverse=True)[:MAX_BOOKINGS]
    people.sort(key=lambda person: person.names[0].lower())
    return people, records
