"""The practice's details: opening hours from the working hours, the emergency notice, preparation
texts, cancellation terms, the full address; several animals (the cap per animal, "book another")."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.errors import TooManyBookings
from bookings.models import Appointment, WorkingHours
from bookings.opening_hours import join_times, opening_hours
from bookings.services import ANIMALS_PER_PERSON, book_appointment
from bookings.tokens import manage_token
from customers.models import Customer
from tests.factories import at, make_practitioner, make_service, species

pytestmark = pytest.mark.django_db

DETAILS = {"name": "Maija Meikäläinen", "phone": "040 123 4567", "email": "maija@example.com"}


def test_joining_times_of_a_day_joins_overlaps_and_keeps_gaps():
    assert join_times([(time(12), time(16)), (time(8), time(11, 30)), (time(10), time(12))]) == (
        (time(8), time(16)),
    )
    assert join_times([(time(8), time(11)), (time(12), time(16))]) == (
        (time(8), time(11)),
        (time(12), time(16)),
    )
    assert join_times([]) == ()


def test_opening_hours_come_from_the_working_hours_in_force_of_active_practitioners(db):
    today = timezone.localdate()
    make_practitioner("A", hours={0: [(time(8), time(12))], 5: [(time(10), time(14))]})
    make_practitioner("B", hours={0: [(time(11), time(16))]})
    make_practitioner("C", hours={2: [(time(7), time(9))]}, is_active=False)
    ended = make_practitioner("D", hours={})
    WorkingHours.objects.create(
        practitioner=ended, weekday=1, start=time(8), end=time(9), valid_until=today - timedelta(days=1)
    )
    hours = {day.weekday: day.intervals for day in opening_hours(today)}
    assert hours[0] == ((time(8), time(16)),)
    assert hours[5] == ((time(10), time(14)),)
    assert hours[1] == () and hours[2] == () and hours[6] == ()


def test_the_start_page_shows_opening_hours_and_the_emergency_notice(client, checkup):
    page = client.get("/").content.decode()
    assert 'id="opening-hours-heading"' in page and "8.00–11.30" in page
    assert 'class="emergency' in page and "tel:+358400854343" in page


def test_the_emergency_notice_names_the_24_hour_clinic_from_settings(client, checkup, settings):
    settings.PRACTICE = {
        **settings.PRACTICE,
        "emergency_clinic_name": "Päivystys Oy",
        "emergency_clinic_phone": "0101234567",
    }
    page = client.get("/").content.decode()
    assert "Päivystys Oy" in page and "tel:+358101234567" in page


def test_urgent_services_show_the_emergency_notice_others_do_not(client, vet, open_day):
    urgent = make_service([vet], name="Sairauskäynti", urgent=True)
    calm = make_service([vet], name="Kynnet")
    assert 'class="emergency' in client.get(reverse("online:slots", args=[urgent.pk])).content.decode()
    assert 'class="emergency' not in client.get(reverse("online:slots", args=[calm.pk])).content.decode()


def test_the_privacy_notice_and_footer_show_the_full_address(client, settings):
    settings.PRACTICE = {**settings.PRACTICE, "address": "Härkikuja 1B, 12345 Kaupunki"}
    for path in ("/", reverse("privacy:notice")):
        assert "Härkikuja 1B, 12345 Kaupunki" in client.get(path).content.decode()


def test_preparation_and_cancellation_terms_show_before_booking_and_on_the_booking(client, vet, open_day):
    service = make_service([vet], name="Hammashoito", preparation="Ei ruokaa 12 tuntiin.")
    url = reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    page = client.get(url).content.decode()
    submit = page.index('class="btn btn-primary btn-lg"')
    assert page.index("Ei ruokaa 12 tuntiin.") < submit and page.index("Peru tai siirrä") < submit
    appointment = book_appointment(service=service, start=at(open_day, 9), **DETAILS).appointment
    manage = client.get(
        reverse("online:manage", args=[appointment.reference, manage_token(appointment.reference)])
    ).content.decode()
    assert "Ei ruokaa 12 tuntiin." in manage and "Peru tai siirrä" in manage


# Several animals ---------------------------------------------------------------------------------


def confirmed_bookings(service, day, names, email="maija@example.com"):
    for hour, animal in zip(range(8, 16), names, strict=False):
        appointment = book_appointment(
            service=service, start=at(day, hour), animal_name=animal, **{**DETAILS, "email": email}
        ).appointment
        Customer.objects.filter(pk=appointment.customer_id).update(email_confirmed_at=timezone.now())


def test_the_cap_counts_per_animal_so_a_family_books_each_pet(vet, open_day, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PERSON = 2
    service = make_service([vet], duration=30, slot_step=30)
    confirmed_bookings(service, open_day, ["Musti", "Musti"])
    with pytest.raises(TooManyBookings):
        book_appointment(service=service, start=at(open_day, 12), animal_name="musti", **DETAILS)
    book_appointment(service=service, start=at(open_day, 12), animal_name="Mirri", **DETAILS)  # another pet


def test_without_an_animal_name_every_booking_of_the_person_counts(vet, open_day, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PERSON = 2
    service = make_service([vet], duration=30, slot_step=30)
    confirmed_bookings(service, open_day, ["Musti", "Mirri"])
    with pytest.raises(TooManyBookings):
        book_appointment(service=service, start=at(open_day, 12), **DETAILS)


def test_invented_animal_names_meet_a_ceiling_over_all_animals(vet, open_day, settings):
    settings.BOOKING_MAX_ACTIVE_PER_PERSON = 1
    service = make_service([vet], duration=30, slot_step=30)
    confirmed_bookings(service, open_day, [f"Lemmikki {n}" for n in range(ANIMALS_PER_PERSON)])
    with pytest.raises(TooManyBookings):
        book_appointment(service=service, start=at(open_day, 14), animal_name="Yet another", **DETAILS)
    assert Appointment.objects.count() == ANIMALS_PER_PERSON


def test_book_another_animal_prefills_the_contact_details_but_not_the_animal(client, vet, open_day):
    service = make_service([vet], name="Rokotus", price=Decimal("45.00"))
    cat = species("kissa")
    appointment = book_appointment(
        service=service, start=at(open_day, 9), species=cat, animal_name="Mirri", **DETAILS
    ).appointment
    token = manage_token(appointment.reference)
    manage = client.get(reverse("online:manage", args=[appointment.reference, token])).content.decode()
    action = reverse("online:manage_book_another", args=[appointment.reference, token])
    assert f'action="{action}"' in manage
    response = client.post(action)
    assert response.status_code == 302 and response["Location"] == reverse("online:home")
    assert "Maija" not in response["Location"] and "@" not in response["Location"]  # nothing personal in URLs
    url = reverse(
        "online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": at(open_day, 10)}
    )
    page = client.get(url).content.decode()
    assert 'value="Maija Meikäläinen"' in page and 'value="maija@example.com"' in page
    assert "Mirri" not in page
    assert not re.search(rf'name="species"[^>]*value="{cat.pk}"', page)


def test_book_another_animal_with_a_wrong_link_is_not_found(client, vet, open_day):
    service = make_service([vet])
    appointment = book_appointment(service=service, start=at(open_day, 9), **DETAILS).appointment
    response = client.post(reverse("online:manage_book_another", args=[appointment.reference, "x" * 32]))
    assert response.status_code == 404
    assert "booking_draft" not in client.session
