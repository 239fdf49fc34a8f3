"""Many clients racing for one time, with real commits and one connection per thread.

On SQLite the test database is a file (see inuvet.settings.sqlite_database), never in-memory.
"""

from collections import Counter

import pytest
from django.db import connection

from bookings import services
from bookings.models import Appointment, Practitioner
from bookings.services import SlotTaken, book_appointment
from tests.concurrency import at_once
from tests.factories import at, make_practitioner, make_service, next_open_weekday

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 50


def race(attempts) -> Counter:
    """Run the booking attempts at once; how many booked, found the time taken, or failed."""

    def outcome(result) -> str:
        if isinstance(result, SlotTaken):
            return "taken"
        return f"error: {result!r}" if isinstance(result, Exception) else "booked"

    return Counter(outcome(result) for result in at_once(attempts))


def attempt_booking(service, start, n):
    return lambda: book_appointment(
        service=service,
        start=start,
        name=f"Racer {n}",
        phone=f"040 {n:07d}",
        email=f"racer{n}@example.com",
    )


def test_fifty_clients_racing_for_one_slot_get_one_booking():
    vet = make_practitioner("Aino")
    service = make_service([vet])
    start = at(next_open_weekday(), 9)
    outcomes = race([attempt_booking(service, start, n) for n in range(ATTEMPTS)])
    assert outcomes == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert Appointment.objects.count() == 1


def test_overlapping_slots_of_two_services_of_one_practitioner_get_one_booking():
    vet = make_practitioner("Aino")
    dental = make_service([vet], duration=60, buffer_after=15)
    checkup = make_service([vet], duration=30)
    day = next_open_weekday()
    attempts = [
        attempt_booking(dental, at(day, 9), n) if n % 2 else attempt_booking(checkup, at(day, 9, 45), n)
        for n in range(ATTEMPTS)
    ]
    outcomes = race(attempts)
    assert outcomes == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert Appointment.objects.count() == 1


def test_any_practitioner_race_books_each_practitioner_once():
    vets = [make_practitioner(f"Vet {i}") for i in range(3)]
    service = make_service(vets)
    start = at(next_open_weekday(), 9)
    outcomes = race([attempt_booking(service, start, n) for n in range(ATTEMPTS)])
    assert outcomes == Counter({"booked": 3, "taken": ATTEMPTS - 3})
    assert sorted(Appointment.objects.values_list("practitioner_id", flat=True)) == sorted(v.pk for v in vets)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)
def test_postgres_constraint_alone_holds_when_the_lock_is_skipped(monkeypatch):
    # The practitioners without the lock: only the exclusion constraint stands between the racers.
    monkeypatch.setattr(
        services,
        "_lock_practitioners",
        lambda ids: {p.pk: p for p in Practitioner.objects.filter(pk__in=ids)},
    )
    vet = make_practitioner("Aino")
    service = make_service([vet])
    start = at(next_open_weekday(), 9)
    outcomes = race([attempt_booking(service, start, n) for n in range(ATTEMPTS)])
    assert outcomes == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert Appointment.objects.count() == 1


def test_a_double_click_racing_itself_books_once_and_both_get_the_booking():
    vets = [make_practitioner(f"Vet {i}") for i in range(2)]
    service = make_service(vets)
    start = at(next_open_weekday(), 9)
    booked = []

    def click():
        booked.append(
            book_appointment(
                service=service, start=start, name="Double Click", phone="0401234567",
                email="double@example.com", request_key="one-form",
            ).appointment.pk
        )  # fmt: skip

    outcomes = race([click] * 8)
    assert outcomes == Counter({"booked": 8})
    assert Appointment.objects.count() == 1 and set(booked) == {Appointment.objects.get().pk}
