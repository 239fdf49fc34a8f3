"""The staff calendar, the phone / walk-in booking form and the appointment page's actions."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from customers.models import Customer
from tests.factories import at, make_appointment, make_customer, make_practitioner, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, reception):
    client.force_login(reception)
    return client


def book_form(**fields) -> dict:
    return {"action": "book", "source": "phone", "language": "fi", "request_key": "k" * 20, **fields}


def test_reception_books_a_new_phone_client_from_the_calendar(
    desk, vet, checkup, open_day, django_capture_on_commit_callbacks
):
    form = desk.get(reverse("admin:calendar_book"), {"practitioner": vet.pk, "start": f"{open_day}T10:00"})
    assert f'value="{open_day}"' in form.content.decode() and 'value="10:00"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            reverse("admin:calendar_book"),
            book_form(
                service=checkup.pk,
                practitioner=vet.pk,
                date=open_day.isoformat(),
                time="10:00",
                name="Puhelin Asiakas",
                phone="040 765 4321",
                email="",
            ),
        )
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("admin:bookings_appointment_change", args=[appointment.pk])
    assert appointment.source == "phone" and appointment.customer.phone == "+358407654321"
    assert mail.outbox == []  # no email address, no email


def test_reception_finds_an_existing_customer_by_phone_in_any_format_and_books_them(
    desk, checkup, vet, open_day
):
    customer = make_customer(name="Maija M", phone="+358401112233", email="maija@example.com")
    found = desk.post(
        reverse("admin:calendar_book"), {"action": "search", "q": "040-111 2233"}
    ).content.decode()
    assert "Maija M" in found and f'name="choose" value="{customer.pk}"' in found
    desk.post(
        reverse("admin:calendar_book"),
        book_form(
            service=checkup.pk,
            date=open_day.isoformat(),
            time="15:05",  # off the online grid: staff may
            source="walk_in",
            customer=customer.pk,
            language="sv",
        ),
    )
    appointment = Appointment.objects.get()
    assert appointment.customer_id == customer.pk and Customer.objects.count() == 1


def test_staff_overlap_is_refused_with_a_message_and_nothing_written(desk, vet, checkup, open_day):
    make_appointment(checkup, vet, at(open_day, 10))
    response = desk.post(
        reverse("admin:calendar_book"),
        book_form(
            service=checkup.pk,
            practitioner=vet.pk,
            date=open_day.isoformat(),
            time="10:15",
            name="X Y",
            phone="0401234567",
        ),
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert Appointment.objects.count() == 1 and Customer.objects.count() == 1


def test_booking_form_needs_a_customer_and_valid_fields(desk, checkup, open_day):
    for data in (
        book_form(service=checkup.pk, date=open_day.isoformat(), time="10:00"),
        book_form(service="999", date="nope", time="25:00", source="x", language="xx"),
        book_form(service=checkup.pk, date=open_day.isoformat(), time="10:00", name="A", phone="not a phone"),
        {"action": "book", "service": checkup.pk, "date": open_day.isoformat(), "time": "10:00",
         "name": "A B", "phone": "0401234567", "source": "phone", "language": "fi"},  # no form key
    ):  # fmt: skip
        assert desk.post(reverse("admin:calendar_book"), data).status_code == 200
    assert not Appointment.objects.exists()


def test_status_move_and_cancel_from_the_appointment_page(
    desk, client, vet, checkup, open_day, practitioner_user
):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    page = desk.get(reverse("admin:bookings_appointment_change", args=[appointment.pk])).content.decode()
    assert reverse("admin:bookings_appointment_move", args=[appointment.pk]) in page
    assert reverse("admin:bookings_appointment_cancel", args=[appointment.pk]) in page
    desk.post(
        reverse("admin:bookings_appointment_move", args=[appointment.pk]),
        {"date": open_day.isoformat(), "time": "14:30", "practitioner": vet.pk, "notify": "on"},
    )
    appointment.refresh_from_db()
    assert appointment.start == at(open_day, 14, 30)

    now = timezone.now()
    later = now + timedelta(minutes=30)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=now, end=later, occupied_start=now, occupied_end=later
    )
    client.force_login(practitioner_user)
    client.post(reverse("admin:bookings_appointment_status", args=[appointment.pk]), {"status": "arrived"})
    client.post(reverse("admin:bookings_appointment_status", args=[appointment.pk]), {"status": "completed"})
    appointment.refresh_from_db()
    assert appointment.status == "completed"
    assert client.post(reverse("admin:bookings_appointment_cancel", args=[appointment.pk])).status_code == 403


def test_tampered_status_and_forged_ids_change_nothing(desk, vet, checkup, open_day):
    appointment = make_appointment(checkup, vet, at(open_day, 9))
    desk.post(reverse("admin:bookings_appointment_status", args=[appointment.pk]), {"status": "cancelled"})
    desk.post(reverse("admin:bookings_appointment_status", args=[appointment.pk]), {"status": "<script>"})
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert (
        desk.post(
            reverse("admin:bookings_appointment_status", args=[999999]), {"status": "arrived"}
        ).status_code
        == 404
    )
    assert desk.get(reverse("admin:bookings_appointment_move", args=[999999])).status_code == 404
    assert desk.get(reverse("admin:bookings_appointment_status", args=[appointment.pk])).status_code == 405


def test_staff_move_over_another_appointment_is_refused(desk, vet, checkup, open_day):
    first = make_appointment(checkup, vet, at(open_day, 9))
    make_appointment(checkup, vet, at(open_day, 11))
    response = desk.post(
        reverse("admin:bookings_appointment_move", args=[first.pk]),
        {"date": open_day.isoformat(), "time": "11:15", "practitioner": vet.pk},
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    first.refresh_from_db()
    assert first.start == at(open_day, 9)


@pytest.mark.parametrize("count", [5, 200])
def test_changelists_run_a_constant_number_of_queries(
    desk, dpo, client, django_assert_max_num_queries, count, open_day
):
    vet = make_practitioner("Aino")
    service = make_service([vet], duration=15)
    for i in range(count):
        make_appointment(service, vet, at(open_day, 8) + timedelta(minutes=15 * i))
    desk.get(reverse("admin:index"))  # the session's first save happens here, not below
    for name in (
        "bookings_appointment_changelist",
        "customers_customer_changelist",
        "bookings_service_changelist",
        "bookings_practitioner_changelist",
        "bookings_workinghours_changelist",
        "bookings_closure_changelist",
    ):
        with django_assert_max_num_queries(13):  # filters' choice lists, date hierarchy, access entries
            response = desk.get(reverse(f"admin:{name}"))
        assert response.status_code == 200 and "cl" in response.context, name
        if name in ("bookings_appointment_changelist", "customers_customer_changelist"):
            assert response.context["cl"].result_count == count
    client.force_login(dpo)
    client.get(reverse("admin:index"))
    for name in (
        "auditlog_logentry_changelist",
        "axes_accesslog_changelist",
        "privacy_consentrecord_changelist",
    ):
        with django_assert_max_num_queries(13):
            response = client.get(reverse(f"admin:{name}"))
        assert response.status_code == 200 and "cl" in response.context, name
