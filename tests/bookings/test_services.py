"""The booking services against the database."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import (
    NotBookable,
    NotChangeable,
    OutsideBookingWindow,
    SlotTaken,
    TooLate,
    TooManyBookings,
    book_appointment,
    cancel_appointment,
    move_appointment,
    set_appointment_status,
)
from bookings.tokens import hash_token, manage_token, token_matches
from customers.models import Customer
from customers.services import confirm_email
from tests.factories import (
    at,
    client_details,
    make_appointment,
    make_closure,
    make_practitioner,
    make_service,
)

pytestmark = pytest.mark.django_db


def book(service, start, **extra):
    return book_appointment(service=service, start=start, **{**client_details(), **extra}).appointment


def test_booking_stores_normalised_contact_details_and_a_hashed_token(checkup, open_day):
    appointment = book(
        checkup,
        at(open_day, 9),
        name="  Maija   Meikäläinen ",
        phone="040 085 4343",
        email=" Maija@Example.COM ",
    )
    customer = appointment.customer
    assert (customer.name, customer.phone, customer.email) == (
        "Maija Meikäläinen",
        "+358400854343",
        "maija@example.com",
    )
    assert appointment.end - appointment.start == timedelta(minutes=30)
    assert appointment.status == Appointment.Status.CONFIRMED
    token = manage_token(appointment.reference)
    assert len(token) == 32  # 160 bits in base32
    assert appointment.manage_token_hash == hash_token(token)
    assert token not in str(Appointment.objects.filter(pk=appointment.pk).values().get())
    assert token_matches(token, appointment.manage_token_hash)
    assert not token_matches(manage_token("ACDEFH"), appointment.manage_token_hash)
    assert not token_matches(token, None)


def test_str_of_customer_and_appointment_holds_no_personal_data(checkup, open_day):
    appointment = book(checkup, at(open_day, 9), name="Sentinel Person", email="sentinel@example.com")
    assert "Sentinel" not in str(appointment.customer) and "sentinel" not in str(appointment)
    assert appointment.display_reference in str(appointment)


def test_second_client_for_same_slot_gets_slot_taken(checkup, open_day):
    book(checkup, at(open_day, 9))
    with pytest.raises(SlotTaken):
        book(checkup, at(open_day, 9))
    assert Appointment.objects.count() == 1
    assert Customer.objects.count() == 1


def test_overlapping_slot_of_another_service_is_taken_too(vet, checkup, open_day):
    dental = make_service([vet], duration=60, buffer_after=15, slot_step=15)
    book(dental, at(open_day, 9))  # occupies 09:00–10:15
    with pytest.raises(SlotTaken):
        book(checkup, at(open_day, 10))
    assert book(checkup, at(open_day, 10, 15)).start == at(open_day, 10, 15)


def test_the_new_visits_own_buffers_keep_it_off_its_neighbours(vet, open_day):
    """The re-check reads only the appointments near the time asked: near means the new visit's
    occupied span, buffers included, not just its own minutes."""
    surgery = make_service([vet], duration=30, buffer_before=15, buffer_after=15, slot_step=15)
    quick = make_service([vet], duration=15, slot_step=15)
    book(quick, at(open_day, 9, 15))  # 09:15–09:30
    book(quick, at(open_day, 10, 30))  # 10:30–10:45
    with pytest.raises(SlotTaken):
        book(surgery, at(open_day, 9, 30))  # would hold 09:15–10:15
    with pytest.raises(SlotTaken):
        book(surgery, at(open_day, 10))  # would hold 09:45–10:45
    assert book(surgery, at(open_day, 9, 45)).start == at(open_day, 9, 45)  # 09:30–10:30: free


def test_any_practitioner_gets_the_next_free_one(vet, checkup, open_day):
    second = make_practitioner("Mikko Korhonen", order=5)
    checkup.practitioners.add(second)
    first = book(checkup, at(open_day, 9))
    again = book(checkup, at(open_day, 9))
    assert {first.practitioner, again.practitioner} == {vet, second}
    with pytest.raises(SlotTaken):
        book(checkup, at(open_day, 9))


def test_chosen_practitioner_is_respected(vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(other)
    book(checkup, at(open_day, 9), practitioner=vet)
    with pytest.raises(SlotTaken):
        book(checkup, at(open_day, 9), practitioner=vet)
    assert book(checkup, at(open_day, 9), practitioner=other).practitioner == other


def test_practitioner_who_does_not_do_the_service_is_refused(checkup, open_day):
    stranger = make_practitioner("Not this service")
    with pytest.raises(NotBookable):
        book(checkup, at(open_day, 9), practitioner=stranger)
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(lambda day: at(day, 9, 5), id="off the step grid"),
        pytest.param(lambda day: at(day, 7), id="before opening"),
        pytest.param(lambda day: at(day, 11, 15), id="runs into lunch"),
        pytest.param(lambda day: at(day, 16), id="after closing"),
        pytest.param(lambda day: timezone.now() - timedelta(days=1), id="in the past"),
        pytest.param(lambda day: at(timezone.localdate(), 23, 45), id="today"),
        pytest.param(lambda day: at(day + timedelta(days=400), 9), id="past the horizon"),
    ],
)
def test_times_the_rules_do_not_allow_are_refused_and_nothing_is_written(checkup, open_day, start):
    with pytest.raises(OutsideBookingWindow):
        book(checkup, start(open_day))
    assert not Appointment.objects.exists()
    assert not Customer.objects.exists()


def test_closed_weekend_and_closure_are_refused(vet, checkup, open_day):
    saturday = open_day + timedelta(days=(5 - open_day.weekday()) % 7)
    with pytest.raises(OutsideBookingWindow):
        book(checkup, at(saturday, 9))
    make_closure(at(open_day, 8), at(open_day, 12))
    with pytest.raises(OutsideBookingWindow):
        book(checkup, at(open_day, 9))
    assert book(checkup, at(open_day, 12)).start == at(open_day, 12)


def test_public_holiday_is_closed(checkup):
    independence_day = timezone.localdate().replace(month=12, day=6)
    if independence_day <= timezone.localdate() + timedelta(days=1):
        independence_day = independence_day.replace(year=independence_day.year + 1)
    checkup.practitioners.first().working_hours.create(
        weekday=independence_day.weekday(), start=time(8), end=time(9)
    )
    checkup.max_days_ahead = 400
    with pytest.raises(OutsideBookingWindow):
        book(checkup, at(independence_day, 8))


def test_service_not_bookable_online_is_refused_online_but_staff_can_book_it(checkup, open_day):
    checkup.bookable_online = False
    checkup.save()
    with pytest.raises(NotBookable):
        book(checkup, at(open_day, 9))
    staff_booking = book(checkup, at(open_day, 9), source=Appointment.Source.PHONE)
    assert staff_booking.source == Appointment.Source.PHONE


def test_staff_may_book_off_the_online_grid_but_never_over_another_appointment(checkup, open_day):
    phone = book(checkup, at(open_day, 15, 10), source=Appointment.Source.PHONE)
    assert phone.start == at(open_day, 15, 10)  # the online grid is every 15 minutes from 8.00
    with pytest.raises(SlotTaken):
        book(checkup, at(open_day, 15, 30), source=Appointment.Source.PHONE)
    with pytest.raises(OutsideBookingWindow):
        book(checkup, timezone.now() - timedelta(hours=2), source=Appointment.Source.PHONE)


def test_walk_in_may_start_a_little_in_the_past(checkup, open_day):
    now = at(open_day, 10, 10)
    walk_in = book(checkup, at(open_day, 10), source=Appointment.Source.WALK_IN, now=now)
    assert walk_in.source == Appointment.Source.WALK_IN
    with pytest.raises(OutsideBookingWindow):
        book(checkup, at(open_day, 10), source=Appointment.Source.PHONE, now=now)


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", ""),
        ("name", "x" * 101),
        ("name", "Bad\x00Name"),
        ("phone", "12"),
        ("phone", "not a phone"),
        ("email", "nobody"),
        ("email", "a@b"),
        ("message", "m" * 501),
        ("message", "bell\x07"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_written(checkup, open_day, field, value):
    with pytest.raises(ValidationError):
        book(checkup, at(open_day, 9), **{field: value})
    assert not Appointment.objects.exists()
    assert not Customer.objects.exists()


def test_naive_start_is_a_programming_error(checkup, open_day):
    with pytest.raises(ValueError):
        book(checkup, at(open_day, 9).replace(tzinfo=None))


def test_per_person_cap_counts_only_bookings_whose_address_was_confirmed(checkup, open_day, settings):
    """Bookings someone made with a victim's address (never confirmed) never block the victim."""
    settings.BOOKING_MAX_ACTIVE_PER_PERSON = 2
    for hour in (8, 9, 10):  # an attacker's throwaway bookings with the victim's address
        book(checkup, at(open_day, hour), email="victim@example.com")
    own = book(checkup, at(open_day, 11), email="victim@example.com")  # the victim is not blocked
    confirm_email(customer=own.customer, email="victim@example.com")
    second = book(checkup, at(open_day, 13), email="VICTIM@example.com", phone="040 2222222")
    confirm_email(customer=second.customer, email="victim@example.com")
    with pytest.raises(TooManyBookings):
        book(checkup, at(open_day, 14), email="victim@example.com")
    # A phone cannot be confirmed: it never counts.
    book(checkup, at(open_day, 15), email="someone@example.com", phone="040 2222222")
    assert Appointment.objects.count() == 6


def test_online_bookings_never_share_a_record_but_staff_reuse_the_persons(checkup, open_day):
    details = {"name": "Maija M", "phone": "0401234567", "email": "maija@example.com"}
    first = book(checkup, at(open_day, 9), **details)
    second = book(checkup, at(open_day, 10), **details)
    assert first.customer_id != second.customer_id  # identical typing reaches no one else's data
    by_phone = book(checkup, at(open_day, 11), source=Appointment.Source.PHONE, **details)
    again = book(checkup, at(open_day, 13), source=Appointment.Source.PHONE, **details)
    assert by_phone.customer_id == again.customer_id
    renamed = book(
        checkup, at(open_day, 14), source=Appointment.Source.PHONE, **{**details, "name": "Someone Else"}
    )
    assert renamed.customer_id != by_phone.customer_id
    by_phone.customer.refresh_from_db()
    assert by_phone.customer.name == "Maija M"


def test_replayed_request_key_returns_the_same_booking(checkup, open_day):
    first = book_appointment(
        service=checkup, start=at(open_day, 9), request_key="form-1", **client_details(1)
    )
    again = book_appointment(
        service=checkup, start=at(open_day, 9), request_key="form-1", **client_details(1)
    )
    assert again.appointment.pk == first.appointment.pk and again.replayed and not first.replayed
    assert Appointment.objects.count() == 1
    assert book(checkup, at(open_day, 10), request_key="form-2").pk != first.appointment.pk


def test_references_are_unique_and_readable(checkup, open_day):
    refs = {book(checkup, at(open_day, 8) + timedelta(minutes=30 * i)).reference for i in range(7)}
    assert len(refs) == 7
    for ref in refs:
        assert len(ref) == 6 and not set(ref) & set("0O1IL2Z5S8B6G")


def test_move_keeps_reference_and_frees_the_old_time(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    moved = move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    assert moved.reference == appointment.reference
    assert moved.start == at(open_day, 13)
    assert book(checkup, at(open_day, 9)).start == at(open_day, 9)


def test_move_to_an_overlapping_time_of_itself_is_allowed(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    moved = move_appointment(appointment=appointment, start=at(open_day, 9, 15), by_client=True)
    assert moved.start == at(open_day, 9, 15)


def test_move_to_a_taken_time_is_refused_and_nothing_changes(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    book(checkup, at(open_day, 13))
    with pytest.raises(SlotTaken):
        move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    appointment.refresh_from_db()
    assert appointment.start == at(open_day, 9)


def test_a_client_move_keeps_the_chosen_practitioner_even_when_another_is_free(vet, checkup, open_day):
    other = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(other)
    appointment = book(checkup, at(open_day, 9), practitioner=vet)
    assert appointment.practitioner_chosen
    book(checkup, at(open_day, 13), practitioner=vet)  # the chosen vet is busy then; Mikko is free
    with pytest.raises(SlotTaken):
        move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    with pytest.raises(NotBookable):  # a forged form naming Mikko
        move_appointment(appointment=appointment, start=at(open_day, 13), practitioner=other, by_client=True)
    appointment.refresh_from_db()
    assert appointment.practitioner == vet and appointment.start == at(open_day, 9)


def test_a_client_move_of_an_any_booking_goes_to_the_practitioner_named_and_nobody_else(
    vet, checkup, open_day
):
    other = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(other)
    appointment = book(checkup, at(open_day, 9))
    assert appointment.practitioner == vet and not appointment.practitioner_chosen
    book(checkup, at(open_day, 13), practitioner=vet)
    with pytest.raises(SlotTaken):  # without a name, the booked one: busy, so no silent change
        move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    moved = move_appointment(
        appointment=appointment, start=at(open_day, 13), practitioner=other, by_client=True
    )
    assert moved.practitioner == other and not moved.practitioner_chosen


def test_staff_booking_for_any_practitioner_is_not_a_chosen_one(vet, checkup, open_day):
    staff = book(checkup, at(open_day, 9), source="phone")
    assert not staff.practitioner_chosen
    assert book(checkup, at(open_day, 10), source="phone", practitioner=vet).practitioner_chosen


def test_calendar_sequence_is_a_small_counter_of_moves_and_cancels(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    assert appointment.sequence == 0
    moved = move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True)
    assert moved.sequence == 1
    assert cancel_appointment(appointment=moved, by_client=True).sequence == 2
    assert cancel_appointment(appointment=moved, by_client=True).sequence == 2  # twice changes nothing


def test_client_cannot_move_or_cancel_after_the_cutoff(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    late = at(open_day, 9) - timedelta(hours=checkup.cancel_cutoff - 1)
    with pytest.raises(TooLate):
        cancel_appointment(appointment=appointment, by_client=True, now=late)
    with pytest.raises(TooLate):
        move_appointment(appointment=appointment, start=at(open_day, 13), by_client=True, now=late)
    assert cancel_appointment(appointment=appointment, by_client=False, now=late).status == "cancelled"


def test_cancel_is_a_status_change_that_frees_the_time_and_is_harmless_twice(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    cancelled = cancel_appointment(appointment=appointment, by_client=True)
    assert cancelled.status == Appointment.Status.CANCELLED and cancelled.cancelled_at
    assert cancel_appointment(appointment=appointment, by_client=True).status == "cancelled"
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert book(checkup, at(open_day, 9)).pk != appointment.pk


def test_status_changes_by_staff(checkup, open_day):
    appointment = book(checkup, at(open_day, 9))
    during = at(open_day, 9, 5)
    assert set_appointment_status(appointment=appointment, status="arrived", now=during).status == "arrived"
    assert (
        set_appointment_status(appointment=appointment, status="completed", now=during).status == "completed"
    )
    with pytest.raises(NotChangeable):
        cancel_appointment(appointment=appointment, by_client=False)
    with pytest.raises(NotChangeable):
        set_appointment_status(appointment=appointment, status="cancelled")
    with pytest.raises(NotChangeable):
        set_appointment_status(appointment=appointment, status="bogus")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)
def test_postgres_constraint_refuses_overlap_written_around_the_service(checkup, open_day):
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9))
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        make_appointment(checkup, checkup.practitioners.first(), at(open_day, 9, 15))
    cancelled = make_appointment(checkup, checkup.practitioners.first(), at(open_day, 10), status="cancelled")
    make_appointment(checkup, checkup.practitioners.first(), at(open_day, 10))  # cancelled ones do not count
    assert cancelled.pk


def test_busy_times_are_read_in_a_bounded_window_not_a_whole_history():
    """The overlap query must give the (practitioner, occupied_start) index a lower bound: without
    it every picker request reads each practitioner's whole past (measured in bench/)."""
    window = (at(timezone.localdate(), 8), at(timezone.localdate(), 16))
    sql = str(Appointment.objects.overlapping(*window).query)
    assert sql.count('"occupied_start" <') == 1 and sql.count('"occupied_start" >') == 1
