"""Staff see and give the animal: the booking desk's species and name, the appointment page, reports."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import Appointment
from reports import figures as report_figures
from tests.factories import at, make_appointment, make_service, species

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_roles")]
URL = reverse("admin:calendar_book")


@pytest.fixture
def desk(client, reception):
    client.force_login(reception)
    return client


def desk_form(**fields) -> dict:
    return {
        "action": "book",
        "source": "phone",
        "language": "fi",
        "request_key": "desk-species-1",
        "name": "Puhelin Asiakas",
        "phone": "040 765 4321",
        **fields,
    }


def test_the_booking_desk_books_with_species_and_the_animals_name(desk, checkup, open_day):
    cat = species("kissa")
    page = desk.get(URL).content.decode()
    assert 'name="species"' in page and 'name="animal_name"' in page
    response = desk.post(
        URL,
        desk_form(
            service=checkup.pk, date=open_day.isoformat(), time="09:00", species=cat.pk, animal_name="Mirri"
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = Appointment.objects.get()
    assert appointment.species == cat and appointment.animal_name == "Mirri"
    shown = desk.get(reverse("admin:bookings_appointment_change", args=[appointment.pk])).content.decode()
    assert "Mirri" in shown and "kissa" in shown and "45,00" in shown


def test_the_booking_desk_refuses_a_species_the_service_does_not_take(desk, vet, open_day):
    service = make_service([vet], name="Kissojen hammashoito")
    service.species.set([species("kissa")])
    dog = species("koira")
    page = desk.post(
        URL, desk_form(service=service.pk, date=open_day.isoformat(), time="09:00", species=dog.pk)
    ).content.decode()
    assert "koira" in page and "errornote" in page
    assert not Appointment.objects.exists()


def test_the_booking_desk_refuses_an_unknown_species(desk, checkup, open_day):
    page = desk.post(
        URL, desk_form(service=checkup.pk, date=open_day.isoformat(), time="09:00", species="99999")
    ).content.decode()
    assert "errorlist" in page
    assert not Appointment.objects.exists()


def test_reports_count_appointments_per_species(vet, checkup, open_day):
    cat, dog = species("kissa"), species("koira")
    make_appointment(checkup, vet, at(open_day, 9), species=cat)
    make_appointment(checkup, vet, at(open_day, 10), species=cat)
    make_appointment(checkup, vet, at(open_day, 11), species=dog)
    make_appointment(checkup, vet, at(open_day, 12))
    cal = report_figures.load_visits(open_day, open_day, now=at(open_day, 8) - timedelta(days=1))
    rows = {row[1]: row[2] for row in report_figures.by_species_table(cal).rows}
    assert rows["kissa"] == 2 and rows["koira"] == 1 and len(rows) == 3  # and one with no species


def test_the_booking_desk_shows_each_field_once(desk, checkup):
    page = desk.get(URL).content.decode()
    for name in ("name", "phone", "email", "species", "animal_name", "message"):
        assert page.count(f'name="{name}"') == 1, name
