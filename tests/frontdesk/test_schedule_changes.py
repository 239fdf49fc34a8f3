"""A closure or a change of hours: the appointments it leaves outside the rules are listed, and moved
or cancelled (with a message to each client) in one confirmed step through the booking services.
Hours are valid from a date, so a change never rewrites the past."""

from datetime import time, timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, Closure, WorkingHours
from reports.figures import load_visits, utilisation_figures
from tests.factories import at, make_appointment, make_customer, make_practitioner, make_service

pytestmark = pytest.mark.django_db
AFFECTED = reverse("admin:calendar_affected")


@pytest.fixture
def office(client, administrator):
    client.force_login(administrator)
    return client


def closure_form(day, practitioner=None, reason="koulutus") -> dict:
    return {
        "start": f"{day.isoformat()}T00:00",
        "end": f"{(day + timedelta(days=1)).isoformat()}T00:00",
        "practitioner": practitioner.pk if practitioner else "",
        "reason": reason,
    }


def hours_formset(practitioner, rows) -> dict:
    """The practitioner's page as posted: `rows` are dicts of the inline's fields (id for old ones)."""
    data = {
        "name": practitioner.name,
        "title": practitioner.title,
        "order": practitioner.order,
        "is_active": "on",
        "working_hours-TOTAL_FORMS": len(rows),
        "working_hours-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
        "working_hours-MIN_NUM_FORMS": 0,
        "working_hours-MAX_NUM_FORMS": 1000,
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"working_hours-{n}-{key}"] = value if value is not None else ""
        data[f"working_hours-{n}-practitioner"] = practitioner.pk
    return data


def current_rows(practitioner) -> list[dict]:
    return [
        {"id": h.pk, "weekday": h.weekday, "start": h.start.strftime("%H:%M"), "end": h.end.strftime("%H:%M"),
         "valid_from": h.valid_from.isoformat() if h.valid_from else "",
         "valid_until": h.valid_until.isoformat() if h.valid_until else ""}
        for h in practitioner.working_hours.order_by("pk")
    ]  # fmt: skip


def test_a_closure_lists_the_days_appointments_and_moves_or_cancels_them_in_one_step(
    office, vet, checkup, open_day, mailoutbox, django_capture_on_commit_callbacks
):
    mikko = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(mikko)
    with_email = make_appointment(checkup, vet, at(open_day, 9))
    to_move = make_appointment(checkup, vet, at(open_day, 10))
    phone_only = make_appointment(checkup, vet, at(open_day, 13), customer=make_customer(email=""))
    elsewhere = make_appointment(checkup, vet, at(open_day + timedelta(days=1), 9))

    response = office.post(reverse("admin:bookings_closure_add"), closure_form(open_day, practitioner=vet))
    closure = Closure.objects.get()
    assert response["Location"] == f"{AFFECTED}?closure={closure.pk}"
    page = office.get(response["Location"]).content.decode()
    for appointment in (with_email, to_move, phone_only):
        assert appointment.display_reference in page
    assert elsewhere.display_reference not in page
    assert "Aino Virtanen" in page and "koulutus" in page  # why: she is away

    # Choose: cancel two, move one to Mikko the same day; a confirm page first, nothing done yet.
    move_to = f"{at(open_day, 10).isoformat()}|{mikko.pk}"
    choices = {f"a{with_email.pk}": "cancel", f"a{phone_only.pk}": "cancel", f"a{to_move.pk}": move_to,
               "reason": "clinic closed"}  # fmt: skip
    url = f"{AFFECTED}?closure={closure.pk}"
    confirm = office.post(url, choices).content.decode()
    assert 'name="confirm" value="yes"' in confirm and "Mikko Korhonen" in confirm
    assert Appointment.objects.filter(status="cancelled").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        done = office.post(url, {**choices, "confirm": "yes"})
    assert done.status_code == 302
    for appointment in (with_email, to_move, phone_only):
        appointment.refresh_from_db()
    assert with_email.status == phone_only.status == "cancelled"
    assert with_email.cancel_reason == "clinic closed" and with_email.cancelled_by == "clinic"
    assert (
        to_move.practitioner == mikko and to_move.start == at(open_day, 10) and to_move.status == "confirmed"
    )
    kinds = sorted(message.subject for message in mailoutbox)
    assert len(mailoutbox) == 2, kinds  # the two with an email; the phone-only client is called
    assert LogEntry.objects.get_for_object(to_move).filter(action=LogEntry.Action.UPDATE).exists()
    assert to_move.display_reference not in office.get(url).content.decode()  # nothing left to do


def test_keeping_everything_changes_nothing(office, vet, checkup, open_day):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    closure = Closure.objects.create(start=at(open_day, 0), end=at(open_day, 23), practitioner=None)
    office.post(f"{AFFECTED}?closure={closure.pk}", {f"a{appointment.pk}": "keep", "confirm": "yes"})
    appointment.refresh_from_db()
    assert appointment.status == "confirmed" and appointment.start == at(open_day, 9)


def test_a_forged_move_target_is_ignored(office, vet, checkup, open_day):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    closure = Closure.objects.create(start=at(open_day, 0), end=at(open_day, 23))
    forged = f"{at(open_day, 3).isoformat()}|{vet.pk}"  # not one of the free times offered
    office.post(f"{AFFECTED}?closure={closure.pk}", {f"a{appointment.pk}": forged, "confirm": "yes"})
    appointment.refresh_from_db()
    assert appointment.start == at(open_day, 9)


def test_cutting_hours_lists_the_appointments_left_outside(office, vet, checkup, open_day):
    weekday = open_day.weekday()
    inside = make_appointment(checkup, vet, at(open_day, 9))
    outside = make_appointment(checkup, vet, at(open_day, 15))
    rows = current_rows(vet)
    afternoon = next(r for r in rows if r["weekday"] == weekday and r["start"] == "12:00")
    afternoon["valid_until"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows.append(
        {"weekday": weekday, "start": "12:00", "end": "14:00", "valid_from": timezone.localdate().isoformat()}
    )
    response = office.post(
        reverse("admin:bookings_practitioner_change", args=[vet.pk]), hours_formset(vet, rows)
    )
    assert response["Location"] == f"{AFFECTED}?practitioner={vet.pk}", response.content.decode()[:2000]
    page = office.get(response["Location"]).content.decode()
    assert outside.display_reference in page and inside.display_reference not in page


def test_hours_in_force_are_ended_not_rewritten_so_past_weeks_keep_their_open_time(office, vet, checkup):
    week_ago = timezone.localdate() - timedelta(days=7)
    before = utilisation_figures(load_visits(week_ago, week_ago, now=timezone.now()))
    rows = current_rows(vet)
    rows[0]["end"] = "09:00"  # cutting in place would change the past
    page = office.post(reverse("admin:bookings_practitioner_change", args=[vet.pk]), hours_formset(vet, rows))
    assert (
        page.status_code == 200
        and "valid until" in page.content.decode().lower()
        or "errorlist" in (page.content.decode())
    )
    assert WorkingHours.objects.get(pk=rows[0]["id"]).end == time(11, 30)
    rows = current_rows(vet)
    rows[0]["DELETE"] = "on"  # deleting them would too
    page = office.post(reverse("admin:bookings_practitioner_change", args=[vet.pk]), hours_formset(vet, rows))
    assert page.status_code == 200 and WorkingHours.objects.filter(pk=rows[0]["id"]).exists()
    rows = current_rows(vet)
    rows[0]["valid_until"] = (
        timezone.localdate() - timedelta(days=30)
    ).isoformat()  # nor ending them in the past
    page = office.post(reverse("admin:bookings_practitioner_change", args=[vet.pk]), hours_formset(vet, rows))
    assert page.status_code == 200 and WorkingHours.objects.get(pk=rows[0]["id"]).valid_until is None
    # The right way: end them yesterday, new hours from today. Last week's figures stay as they were.
    rows = current_rows(vet)
    for row in rows:
        row["valid_until"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows.append(
        {"weekday": 2, "start": "08:00", "end": "09:00", "valid_from": timezone.localdate().isoformat()}
    )
    response = office.post(
        reverse("admin:bookings_practitioner_change", args=[vet.pk]), hours_formset(vet, rows)
    )
    assert response.status_code == 302
    after = utilisation_figures(load_visits(week_ago, week_ago, now=timezone.now()))
    assert after == before


def test_the_administrator_may_act_on_affected_appointments_but_a_practitioner_may_not(
    client, practitioner_user, vet, checkup, open_day
):
    closure = Closure.objects.create(start=at(open_day, 0), end=at(open_day, 23))
    make_appointment(checkup, vet, at(open_day, 9))
    client.force_login(practitioner_user)
    assert client.get(f"{AFFECTED}?closure={closure.pk}").status_code == 403


def test_reception_sees_who_to_call_and_the_list_leaves_access_entries(
    client, reception, vet, checkup, open_day
):
    customer = make_customer(name="Soitettava Asiakas", phone="+358401112299", email="")
    appointment = make_appointment(checkup, vet, at(open_day, 9), customer=customer)
    closure = Closure.objects.create(start=at(open_day, 0), end=at(open_day, 23))
    client.force_login(reception)
    page = client.get(f"{AFFECTED}?closure={closure.pk}").content.decode()
    assert (
        "Soitettava Asiakas" in page
        and customer.phone_display in page
        and appointment.display_reference in page
    )
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(customer.pk), actor=reception
    ).exists()


def test_many_affected_appointments_take_a_bounded_number_of_queries(
    office, vet, open_day, django_assert_max_num_queries
):
    service = make_service([vet], duration=15)
    for n in range(24):
        make_appointment(service, vet, at(open_day, 8) + timedelta(minutes=15 * n))
    closure = Closure.objects.create(start=at(open_day, 0), end=at(open_day, 23))
    office.get(reverse("admin:index"))
    with django_assert_max_num_queries(20):
        page = office.get(f"{AFFECTED}?closure={closure.pk}")
    assert page.content.decode().count("<select") == 24


@pytest.mark.parametrize("query", ["closure=¹", "practitioner=¹", "closure=0", "practitioner=x"])
def test_odd_digits_in_the_affected_page_are_no_error(office, query):
    """str.isdigit() takes "¹", int() does not: that was a 500."""
    assert office.get(f"{AFFECTED}?{query}").status_code < 500
