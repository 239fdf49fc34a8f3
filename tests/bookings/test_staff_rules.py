"""Staff bookings and moves follow the practice's hours, closures and holidays; outside them only
with a reason, which is recorded; "any" never picks an absent practitioner; statuses only from the
start; conflicts name the booking and offer the nearest free times; working hours valid from a date."""

from datetime import date, time, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from bookings.calendar import find_free_slots
from bookings.errors import OutsideRules, StaffSlotTaken, TooEarly
from bookings.models import Appointment, WorkingHours
from bookings.services import book_appointment, cancel_appointment, move_appointment, set_appointment_status
from bookings.staff_rules import affected_appointments
from tests.factories import (
    at,
    client_details,
    make_appointment,
    make_closure,
    make_practitioner,
    next_open_weekday,
)

pytestmark = pytest.mark.django_db
PHONE = Appointment.Source.PHONE


def book(service, start, **extra):
    fields = {"source": PHONE, **client_details(), **extra}
    return book_appointment(service=service, start=start, **fields).appointment


def independence_day(after: date) -> date:
    day = date(after.year, 12, 6)
    return day if day > after else date(after.year + 1, 12, 6)


def next_saturday(after: date) -> date:
    return after + timedelta(days=(5 - after.weekday()) % 7 or 7)


@pytest.fixture
def mikko(checkup):
    other = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(other)
    return other


@pytest.mark.parametrize(
    "when",
    ["holiday", "practice_closed", "03:00", "saturday", "22:05", "overlaps_lunch"],
)
def test_staff_cannot_book_outside_the_rules_without_a_reason(vet, checkup, open_day, when):
    if when == "holiday":
        start = at(independence_day(open_day), 10)
    elif when == "practice_closed":
        make_closure(at(open_day, 8), at(open_day, 18))
        start = at(open_day, 10)
    elif when == "saturday":
        start = at(next_saturday(open_day), 10)
    else:
        start = {
            "03:00": at(open_day, 3),
            "22:05": at(open_day, 22, 5),
            "overlaps_lunch": at(open_day, 11, 15),
        }[when]
    with pytest.raises(OutsideRules) as refused:
        book(checkup, start, practitioner=vet)
    assert refused.value.message  # says why, for the form
    assert not Appointment.objects.exists()


def test_the_refusal_says_why_in_words(vet, checkup, open_day):
    make_closure(at(open_day, 8), at(open_day, 18), practitioner=vet)
    with pytest.raises(OutsideRules) as away:
        book(checkup, at(open_day, 10), practitioner=vet)
    assert "Aino Virtanen" in away.value.message
    with pytest.raises(OutsideRules) as holiday:
        book(checkup, at(independence_day(open_day), 10), practitioner=vet)
    assert "Itsenäisyyspäivä" in holiday.value.message or "Independence Day" in holiday.value.message
    with pytest.raises(OutsideRules) as late:
        book(checkup, at(open_day, 22, 5), practitioner=vet)
    assert "16" in late.value.message  # the day's hours are named


def test_booking_anyway_needs_a_reason_which_is_recorded_and_audited(vet, checkup, open_day):
    appointment = book(checkup, at(open_day, 17), practitioner=vet, override_reason="  emergency  ")
    assert appointment.start == at(open_day, 17) and appointment.override_reason == "emergency"
    created = LogEntry.objects.get_for_object(appointment).get(action=LogEntry.Action.CREATE)
    assert created.changes_dict["override_reason"][1] == "•••"  # recorded, masked like the message


def test_a_reason_is_not_recorded_when_the_time_is_inside_the_rules(vet, checkup, open_day):
    appointment = book(checkup, at(open_day, 10), practitioner=vet, override_reason="just in case")
    assert appointment.override_reason == ""


def test_bad_reasons_are_refused(vet, checkup, open_day):
    for reason in ("x" * 201, "bell\x07"):
        with pytest.raises(ValidationError):
            book(checkup, at(open_day, 17), practitioner=vet, override_reason=reason)
    assert not Appointment.objects.exists()


def test_any_never_picks_a_practitioner_who_is_away(vet, mikko, checkup, open_day):
    make_closure(at(open_day, 0), at(open_day + timedelta(days=1), 0), practitioner=vet)  # Aino on holiday
    assert book(checkup, at(open_day, 10)).practitioner == mikko
    assert book(checkup, at(open_day, 11)).practitioner == mikko
    make_closure(at(open_day, 0), at(open_day + timedelta(days=1), 0), practitioner=mikko)
    with pytest.raises(OutsideRules):
        book(checkup, at(open_day, 13))
    with pytest.raises(OutsideRules):  # a reason does not make "any" pick someone who is away
        book(checkup, at(open_day, 13), override_reason="busy day")
    # Chosen by name, with a reason, staff may (they called her in).
    assert book(checkup, at(open_day, 13), practitioner=vet, override_reason="called in").practitioner == vet


def test_staff_moves_follow_the_rules_too(vet, checkup, open_day):
    appointment = book(checkup, at(open_day, 9), practitioner=vet)
    with pytest.raises(OutsideRules):
        move_appointment(appointment=appointment, start=at(open_day, 3), practitioner=vet, by_client=False)
    moved = move_appointment(
        appointment=appointment,
        start=at(open_day, 17),
        practitioner=vet,
        by_client=False,
        override_reason="late",
    )
    assert moved.override_reason == "late"
    back = move_appointment(
        appointment=appointment, start=at(open_day, 10), practitioner=vet, by_client=False
    )
    assert back.override_reason == ""


def test_a_conflict_names_the_booking_and_offers_the_nearest_free_times(vet, checkup, open_day):
    taken = make_appointment(checkup, vet, at(open_day, 10))
    with pytest.raises(StaffSlotTaken) as refused:
        book(checkup, at(open_day, 10, 15), practitioner=vet)
    assert refused.value.conflicts == [taken]
    assert taken.display_reference in refused.value.message
    nearest = [slot.start for slot in refused.value.nearest]
    assert at(open_day, 10, 30) in nearest and at(open_day, 9, 30) in nearest
    assert all(start.date() == open_day for start in nearest) and at(open_day, 10) not in nearest


@pytest.mark.parametrize("status", ["arrived", "completed", "no_show"])
def test_statuses_only_from_the_start_time(vet, checkup, open_day, status):
    appointment = make_appointment(checkup, vet, at(open_day, 10))
    with pytest.raises(TooEarly):
        set_appointment_status(
            appointment=appointment, status=status, now=at(open_day - timedelta(days=1), 20)
        )
    early = at(open_day, 9, 45)  # a quarter before
    if status == "arrived":
        assert set_appointment_status(appointment=appointment, status=status, now=early).status == status
    else:
        with pytest.raises(TooEarly):
            set_appointment_status(appointment=appointment, status=status, now=early)
        assert (
            set_appointment_status(appointment=appointment, status=status, now=at(open_day, 10)).status
            == status
        )
    # Back to confirmed (a mistake undone) at any time.
    assert (
        set_appointment_status(appointment=appointment, status="confirmed", now=early).status == "confirmed"
    )


def test_a_staff_cancellation_keeps_its_reason_and_may_leave_the_client_untold(
    vet, checkup, open_day, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = make_appointment(checkup, vet, at(open_day, 10))
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_appointment(
            appointment=appointment, by_client=False, reason="vet ill", notify=False
        )
    assert cancelled.cancel_reason == "vet ill" and cancelled.cancelled_by == "clinic"
    assert mailoutbox == []
    other = make_appointment(checkup, vet, at(open_day, 11))
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(appointment=other, by_client=False)
    assert len(mailoutbox) == 1  # told by default
    client_cancel = cancel_appointment(
        appointment=make_appointment(checkup, vet, at(open_day, 12)), by_client=True
    )
    assert client_cancel.cancelled_by == "client"


# Working hours valid from a date ----------------------------------------------------------------


def test_hours_apply_only_on_the_days_they_are_valid(checkup):
    laura = make_practitioner("Laura", hours={})
    checkup.practitioners.set([laura])
    wednesday = next_open_weekday(weekday=2)
    later = wednesday + timedelta(days=7)
    WorkingHours.objects.create(
        practitioner=laura, weekday=2, start=time(8), end=time(16), valid_until=wednesday
    )
    WorkingHours.objects.create(practitioner=laura, weekday=2, start=time(8), end=time(12), valid_from=later)

    def starts(day):
        slots = find_free_slots(checkup, practitioner_ids=[laura.pk], first_day=day, last_day=day)
        return {slot.start for slot in slots}

    assert at(wednesday, 15) in starts(wednesday)
    assert at(later, 11) in starts(later) and at(later, 15) not in starts(later)
    with pytest.raises(OutsideRules):
        book(checkup, at(later, 15), practitioner=laura)
    assert book(checkup, at(later, 11), practitioner=laura).practitioner == laura


def test_appointments_outside_changed_hours_are_found(vet, checkup, open_day):
    inside = make_appointment(checkup, vet, at(open_day, 9))
    outside = make_appointment(checkup, vet, at(open_day, 15))
    vet.working_hours.filter(weekday=open_day.weekday(), start=time(12)).update(
        valid_until=open_day - timedelta(days=1)
    )
    WorkingHours.objects.create(
        practitioner=vet, weekday=open_day.weekday(), start=time(12), end=time(14), valid_from=open_day
    )
    found = affected_appointments(practitioner_ids=[vet.pk])
    assert [item.appointment for item in found] == [outside] and inside not in [i.appointment for i in found]
    assert "14" in found[0].breaks[0].text


def test_each_week_of_a_report_uses_the_hours_in_force_that_week():
    from reports.figures import load_visits, utilisation_figures

    laura = make_practitioner("Laura", hours={})
    wednesday = next_open_weekday(weekday=2)
    cut = wednesday + timedelta(days=7)
    WorkingHours.objects.create(
        practitioner=laura, weekday=2, start=time(8), end=time(16), valid_until=cut - timedelta(days=1)
    )
    WorkingHours.objects.create(practitioner=laura, weekday=2, start=time(8), end=time(12), valid_from=cut)
    monday = wednesday - timedelta(days=2)
    figures = utilisation_figures(load_visits(monday, monday + timedelta(days=13), now=at(monday, 0)))
    assert figures[laura.pk][monday] == (8 * 60, 0)
    assert figures[laura.pk][monday + timedelta(days=7)] == (4 * 60, 0)
