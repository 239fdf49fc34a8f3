"""The booking desk in one form: outside the rules only with a reason, idempotent, conflicts that
name the booking with the nearest free times, the day's free times, what was typed carried between
buttons, walk-in now, people grouped in search results, a booking reference found, searching by POST."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from customers.models import Customer
from frontdesk.forms import floor_to_step
from inuvet.audit import search_digest
from tests.factories import at, make_appointment, make_closure, make_customer, make_practitioner

pytestmark = pytest.mark.django_db
URL = reverse("admin:calendar_book")


@pytest.fixture
def desk(client, reception):
    client.force_login(reception)
    return client


def form(**fields) -> dict:
    return {"action": "book", "source": "phone", "language": "fi", "request_key": "desk-key-1", **fields}


def new_client(**fields) -> dict:
    return {"name": "Puhelin Asiakas", "phone": "040 765 4321", **fields}


def test_outside_the_rules_the_form_says_why_and_books_only_with_a_reason(desk, vet, checkup, open_day):
    data = form(
        service=checkup.pk, practitioner=vet.pk, date=open_day.isoformat(), time="22:05", **new_client()
    )
    page = desk.post(URL, data).content.decode()
    assert "errornote" in page and "Aino Virtanen" in page and 'name="override_reason"' in page
    assert not Appointment.objects.exists()
    response = desk.post(URL, {**data, "override_reason": "emergency"})
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and appointment.override_reason == "emergency"


def test_the_form_sent_twice_makes_one_booking_and_one_email(
    desk, vet, checkup, open_day, mailoutbox, django_capture_on_commit_callbacks
):
    checkup.practitioners.add(make_practitioner("Mikko Korhonen"))
    data = form(service=checkup.pk, date=open_day.isoformat(), time="10:00", notify="on",
                **new_client(email="kaksi@example.com"))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first = desk.post(URL, data)
        second = desk.post(URL, data)
    appointment = Appointment.objects.get()  # "any" did not give the second vet the same client
    assert (
        first["Location"]
        == second["Location"]
        == reverse("admin:bookings_appointment_change", args=[appointment.pk])
    )
    assert len(mailoutbox) == 1


def test_a_used_form_for_another_time_says_so_instead_of_showing_the_old_booking(
    desk, vet, checkup, open_day
):
    desk.post(URL, form(service=checkup.pk, date=open_day.isoformat(), time="10:00", **new_client()))
    page = desk.post(URL, form(service=checkup.pk, date=open_day.isoformat(), time="13:00", **new_client()))
    assert page.status_code == 200 and "errornote" in page.content.decode()
    assert Appointment.objects.count() == 1


def test_a_conflict_shows_the_booking_and_the_nearest_free_times_to_pick(desk, vet, checkup, open_day):
    taken = make_appointment(checkup, vet, at(open_day, 10))
    data = form(
        service=checkup.pk, practitioner=vet.pk, date=open_day.isoformat(), time="10:15", **new_client()
    )
    page = desk.post(URL, data).content.decode()
    assert taken.display_reference in page
    assert reverse("admin:bookings_appointment_change", args=[taken.pk]) in page
    assert f'name="slot" value="{at(open_day, 10, 30).isoformat()}"' in page
    picked = desk.post(URL, {**data, "action": "", "slot": at(open_day, 10, 30).isoformat()}).content.decode()
    assert 'value="10:30"' in picked and "Puhelin Asiakas" in picked  # nothing typed was lost
    desk.post(URL, {**data, "time": "10:30"})
    assert Appointment.objects.filter(start=at(open_day, 10, 30)).exists()


def test_the_searched_phone_goes_into_the_new_clients_phone_and_the_cell_into_the_form(
    desk, vet, checkup, open_day
):
    cell = desk.get(URL, {"practitioner": vet.pk, "start": f"{open_day}T10:00", "service": checkup.pk})
    page = cell.content.decode()
    assert f'<option value="{checkup.pk}" selected' in page and 'value="10:00"' in page
    assert f'<option value="{vet.pk}" selected' in page
    searched = desk.post(
        URL,
        {"action": "search", "q": "040 555 1234", "service": checkup.pk, "practitioner": vet.pk,
         "date": open_day.isoformat(), "time": "10:00", "message": "Koira ontuu", "source": "phone",
         "language": "fi", "request_key": "k"},
    ).content.decode()  # fmt: skip
    assert 'name="phone" value="040 555 1234"' in searched
    assert "Koira ontuu" in searched and f'<option value="{checkup.pk}" selected' in searched
    by_name = desk.post(URL, {"action": "search", "q": "Uusi Asiakas"}).content.decode()
    assert 'name="name" value="Uusi Asiakas"' in by_name


def test_the_days_free_times_of_the_service_are_shown_and_picked(desk, vet, checkup, open_day):
    make_appointment(checkup, vet, at(open_day, 9))
    make_closure(at(open_day, 14), at(open_day, 16), practitioner=vet)
    page = desk.get(URL, {"service": checkup.pk, "practitioner": vet.pk, "start": f"{open_day}T08:00"})
    html = page.content.decode()
    assert f'value="{at(open_day, 8).isoformat()}"' in html
    assert f'value="{at(open_day, 9).isoformat()}"' not in html  # taken
    assert f'value="{at(open_day, 14).isoformat()}"' not in html  # closed
    assert f'value="{at(open_day, 17).isoformat()}"' not in html  # outside the hours


def test_walk_in_now_takes_the_current_time_rounded_to_the_slot_step_and_sends_no_email(desk, checkup):
    before = floor_to_step(timezone.now(), checkup.slot_step)
    page = desk.get(URL, {"source": "walk_in", "now": "1", "service": checkup.pk}).content.decode()
    after = floor_to_step(timezone.now(), checkup.slot_step)
    assert {f'name="time" value="{before:%H:%M}"', f'name="time" value="{after:%H:%M}"'} & {
        f'name="time" value="{t:%H:%M}"' for t in (before, after) if f'name="time" value="{t:%H:%M}"' in page
    }
    assert '<option value="walk_in" selected' in page
    assert 'id="id_notify">' in page  # no email unless asked
    from_cell = desk.get(URL, {"source": "walk_in", "start": "2026-12-10T10:00"}).content.decode()
    assert 'id="id_notify">' in from_cell
    phone = desk.get(URL).content.decode()  # the "New booking" entry point: a phone call
    assert '<option value="phone" selected' in phone and 'id="id_notify" checked>' in phone


def test_floor_to_step_rounds_down_within_the_hour():
    moment = at(timezone.localdate(), 10, 7)
    assert floor_to_step(moment, 15) == at(timezone.localdate(), 10, 0)
    assert floor_to_step(moment, 5) == at(timezone.localdate(), 10, 5)


def test_records_of_one_person_are_one_row_with_their_bookings(desk, vet, checkup, open_day):
    first = make_customer(name="Aada Heikkilä", phone="+358401000466", email="aada@example.com")
    second = make_customer(name="Aada Heikkilä", phone="+358401000466", email="aada@example.com")
    make_appointment(checkup, vet, at(open_day, 9), customer=first)
    make_appointment(checkup, vet, at(open_day, 10), customer=second)
    make_customer(name="Aada Other", phone="+358401999999", email="other@example.com")
    page = desk.post(URL, {"action": "search", "q": "Aada"}).content.decode()
    assert page.count('name="choose"') == 2  # two people, not three rows
    assert page.count('<th scope="row">Aada Heikkilä<br>') == 1
    assert Customer.objects.count() == 3  # the records stay separate


def test_a_booking_reference_finds_the_customer(desk, vet, checkup, open_day):
    customer = make_customer(name="Viite Asiakas")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer)
    for typed in (appointment.display_reference, appointment.reference.lower()):
        page = desk.post(URL, {"action": "search", "q": typed}).content.decode()
        assert "Viite Asiakas" in page, typed


def test_searching_is_a_post_that_logs_the_records_shown_with_the_term_hashed(desk, reception, vet, checkup):
    found = make_customer(name="Haettu Henkilö", phone="+358401234999")
    desk.get(URL, {"q": "Haettu"})  # a link with a search in it runs nothing
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(found.pk)).exists()
    desk.post(URL, {"action": "search", "q": "Haettu"})
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(found.pk))
    assert entry.actor == reception and entry.additional_data["purpose"] == "search"
    assert entry.additional_data["search"] == search_digest("Haettu") and "Haettu" not in str(
        entry.additional_data
    )


def test_staff_booking_and_move_forms_refuse_year_9999_with_a_message(desk, vet, checkup):
    page = desk.post(URL, form(service=checkup.pk, date="9999-12-31", time="23:45", **new_client()))
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    appointment = make_appointment(checkup, vet, timezone.now() + timedelta(days=3))
    moved = desk.post(
        reverse("admin:bookings_appointment_move", args=[appointment.pk]),
        {"date": "9999-12-31", "time": "23:45", "practitioner": vet.pk},
    )
    assert moved.status_code == 200 and "errorlist" in moved.content.decode()
    assert Appointment.objects.count() == 1
