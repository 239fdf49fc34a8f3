"""The animal and the price: species first, only its services, the animal's name, the price shown
before booking and kept on the appointment; and every bad input refused with nothing saved."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from bookings.errors import NotBookable
from bookings.ics import appointment_ics
from bookings.models import Appointment, Service, Species, SpeciesPrice
from bookings.prices import format_euros, price_text
from bookings.services import book_appointment
from customers.models import Customer
from notifications.models import OutboxMessage
from tests.factories import at, make_service, species

pytestmark = pytest.mark.django_db

DETAILS = {"name": "Maija Meikäläinen", "phone": "040 123 4567", "email": "maija@example.com"}


@pytest.fixture
def cat_service(vet):
    service = make_service([vet], name="Kissan rokotus", price=Decimal("45.00"))
    service.species.set([species("kissa")])
    return service


@pytest.fixture
def dog_service(vet):
    service = make_service([vet], name="Koiran rokotus", price=Decimal("50.00"))
    service.species.set([species("koira")])
    return service


def details_url(service, start, sp=None):
    url = reverse("online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": start})
    return f"{url}?species={sp.pk}" if sp else url


def open_form(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    page = response.content.decode()
    return page, re.search(r'name="request_key" value="([^"]+)"', page).group(1)


# Pure --------------------------------------------------------------------------------------------


def test_euros_are_written_the_finnish_way_in_every_language(settings):
    assert format_euros(Decimal("45")) == "45,00\u00a0€"
    assert format_euros(Decimal("1245.5")) == "1\u00a0245,50\u00a0€"
    assert format_euros(None) == ""


def test_price_kinds_read_as_a_fixed_price_a_from_price_and_a_price_with_its_basis():
    assert price_text(Decimal("45"), "fixed") == "45,00\u00a0€"
    assert (
        price_text(Decimal("45"), "from").endswith("45,00\u00a0€")
        and price_text(Decimal("45"), "from") != "45,00\u00a0€"
    )
    assert price_text(Decimal("15"), "basis", "per alkava 15 min") == "15,00\u00a0€ per alkava 15 min"


# Seeded species ----------------------------------------------------------------------------------


def test_the_species_are_seeded_with_finnish_swedish_and_english_names():
    names = list(Species.objects.values_list("name", "name_sv", "name_en"))
    assert [n[0] for n in names] == ["koira", "kissa", "kani", "jyrsijä", "lintu", "matelija", "muu"]
    assert ("kissa", "katt", "cat") in names


# Start page: species first -------------------------------------------------------------------------


def test_choosing_a_species_shows_only_its_services_with_prices(client, cat_service, dog_service, checkup):
    page = client.get("/", {"species": species("kissa").pk}).content.decode()
    assert "Kissan rokotus" in page and "Koiran rokotus" not in page
    assert checkup.name in page  # a service naming no species is for every species
    assert "45,00\u00a0€" in page
    link = reverse("online:slots", args=[cat_service.pk]) + f"?species={species('kissa').pk}"
    assert link in page


def test_start_page_offers_the_species_as_a_form_that_works_without_javascript(client, cat_service):
    page = client.get("/").content.decode()
    assert 'name="species"' in page and 'type="radio"' in page and 'method="get"' in page
    assert "Kissan rokotus" in page  # nothing chosen yet: every service


def test_an_unknown_species_on_the_start_page_says_so_and_shows_every_service(
    client, cat_service, dog_service
):
    for bad in ["99999", "abc", "-1"]:
        response = client.get("/", {"species": bad})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Kissan rokotus" in page and "Koiran rokotus" in page
        assert 'class="alert alert-error"' in page or "alert-danger" in page or "alert-error" in page


def test_a_service_without_a_price_is_not_offered_online(client, vet):
    make_service([vet], name="Hinnaton palvelu", price=None)
    assert "Hinnaton palvelu" not in client.get("/").content.decode()


# Slot picker and details -------------------------------------------------------------------------


def test_slot_picker_shows_the_species_price_and_carries_the_species_to_the_details(
    client, cat_service, open_day
):
    SpeciesPrice.objects.create(service=cat_service, species=species("kissa"), price=Decimal("39.90"))
    page = client.get(
        reverse("online:slots", args=[cat_service.pk]),
        {"species": species("kissa").pk, "week": open_day.isoformat()},
    ).content.decode()
    assert "39,90\u00a0€" in page
    assert f"?species={species('kissa').pk}" in page


def test_slot_picker_refuses_a_species_the_service_does_not_take(client, cat_service, open_day):
    page = client.get(
        reverse("online:slots", args=[cat_service.pk]), {"species": species("koira").pk}
    ).content.decode()
    assert "?species=" not in page.split("week-grid", 1)[-1]
    assert "koira" in page  # the message names it


def test_booking_a_cat_with_its_name_keeps_species_name_and_price(client, cat_service, open_day):
    cat = species("kissa")
    url = details_url(cat_service, at(open_day, 9), cat)
    page, key = open_form(client, url)
    assert 'name="animal_name"' in page and f'name="species" value="{cat.pk}"' in page
    # The price comes before the submit button, with the cancellation terms.
    assert page.index("45,00\u00a0€") < page.index('type="submit" class="btn btn-primary btn-lg"')
    assert page.index("Peru tai siirrä") < page.index('type="submit" class="btn btn-primary btn-lg"')
    response = client.post(url, {**DETAILS, "species": cat.pk, "animal_name": "Mirri", "request_key": key})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.species == cat and appointment.animal_name == "Mirri"
    assert appointment.price == Decimal("45.00") and appointment.price_kind == "fixed"
    confirmation = client.get(response["Location"]).content.decode()
    assert "Mirri" in confirmation and "Kissa" in confirmation and "45,00\u00a0€" in confirmation
    assert "Peru tai siirrä" in confirmation


def test_a_forged_species_the_service_does_not_take_is_refused_and_nothing_saved(
    client, cat_service, open_day
):
    url = details_url(cat_service, at(open_day, 9))
    for bad in [species("koira").pk, 99999, "kissa"]:
        _page, key = open_form(client, url)
        response = client.post(url, {**DETAILS, "species": bad, "request_key": key})
        assert response.status_code == 200
        assert (
            "Choose the species from the list" in response.content.decode()
            or "lajin" in response.content.decode()
        )
    assert not Appointment.objects.exists() and not Customer.objects.exists()


def test_an_overlong_animal_name_is_refused_and_nothing_saved(client, cat_service, open_day):
    url = details_url(cat_service, at(open_day, 9), species("kissa"))
    _page, key = open_form(client, url)
    response = client.post(
        url, {**DETAILS, "species": species("kissa").pk, "animal_name": "M" * 61, "request_key": key}
    )
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()
    assert not Appointment.objects.exists()


# The booking service: the only writer -----------------------------------------------------------


def test_the_booking_service_refuses_a_species_the_service_does_not_take(cat_service, open_day):
    with pytest.raises(ValidationError):
        book_appointment(service=cat_service, start=at(open_day, 9), species=species("koira"), **DETAILS)
    assert not Appointment.objects.exists() and not Customer.objects.exists()


def test_the_booking_service_refuses_an_inactive_species(cat_service, open_day):
    cat = species("kissa")
    cat.is_active = False
    cat.save()
    with pytest.raises(ValidationError):
        book_appointment(service=cat_service, start=at(open_day, 9), species=cat, **DETAILS)
    assert not Appointment.objects.exists()


def test_the_booking_service_refuses_an_online_booking_of_a_service_without_a_price(vet, open_day):
    service = make_service([vet], price=None)
    with pytest.raises(NotBookable):
        book_appointment(service=service, start=at(open_day, 9), **DETAILS)
    assert not Appointment.objects.exists()


def test_changing_a_price_never_changes_what_a_booking_said(client, cat_service, open_day):
    booked = book_appointment(
        service=cat_service, start=at(open_day, 9), species=species("kissa"), animal_name="Mirri", **DETAILS
    ).appointment
    cat_service.price = Decimal("99.00")
    cat_service.save()
    booked.refresh_from_db()
    assert booked.price == Decimal("45.00")
    from bookings.prices import booked_price

    assert booked_price(booked).text == "45,00\u00a0€"


def test_the_confirmation_email_has_species_name_price_preparation_and_terms(cat_service, open_day):
    cat_service.preparation = "Tuo kissa kuljetuslaatikossa."
    cat_service.save()
    book_appointment(
        service=cat_service, start=at(open_day, 9), species=species("kissa"), animal_name="Mirri", **DETAILS
    )
    email = OutboxMessage.objects.get(kind="booking_confirmed")
    for text in (email.body_text, email.body_html):
        assert "Mirri" in text and "Kissa" in text and "45,00" in text
        assert "Tuo kissa kuljetuslaatikossa." in text and "Peru tai siirrä" in text


def test_the_calendar_file_names_the_species_but_never_the_animal(cat_service, open_day):
    appointment = book_appointment(
        service=cat_service, start=at(open_day, 9), species=species("kissa"), animal_name="Mirri", **DETAILS
    ).appointment
    ics = appointment_ics(appointment).decode()
    assert "kissa" in ics and "Mirri" not in ics


def test_the_animal_name_is_never_in_the_appointments_str_or_logs(cat_service, open_day, caplog):
    appointment = book_appointment(
        service=cat_service, start=at(open_day, 9), species=species("kissa"), animal_name="Mirri", **DETAILS
    ).appointment
    assert "Mirri" not in str(appointment)
    assert "Mirri" not in caplog.text


# Prices in the admin ----------------------------------------------------------------------------

# The admin's "add service" form, filled in as staff would (the price changes per test).
NEW_SERVICE = {
    "name": "Uusi",
    "duration": 30,
    "buffer_before": 0,
    "buffer_after": 0,
    "slot_step": 15,
    "min_notice": 60,
    "max_days_ahead": 90,
    "cancel_cutoff": 24,
    "bookable_online": "on",
    "price_kind": "fixed",
    "is_active": "on",
    "order": 0,
    "species_prices-TOTAL_FORMS": 0,
    "species_prices-INITIAL_FORMS": 0,
}


@pytest.mark.parametrize(
    ("price", "message"),
    [("-1", "negative"), ("5000.01", "typing error"), ("12.345", "decimal"), ("abc", "number")],
)
def test_a_bad_price_is_refused_by_the_admin_with_a_clear_message(admin_client, vet, price, message):
    response = admin_client.post(
        reverse("admin:bookings_service_add"),
        NEW_SERVICE | {"price": price},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Service.objects.filter(name="Uusi").exists()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            Service(name="Uusi", duration=30, price=price).full_clean()
        said = " ".join(refused.value.message_dict["price"]).lower()
    assert message in said, said


def test_the_admin_says_why_a_service_without_a_price_cannot_be_booked_online(admin_client):
    response = admin_client.post(
        reverse("admin:bookings_service_add"),
        NEW_SERVICE | {"price": ""},
    )
    assert response.status_code == 200
    page = response.content.decode().lower()
    assert "kuluttaja-asiamie" in page or "consumer ombudsman" in page
    assert not Service.objects.filter(name="Uusi").exists()


def test_the_price_list_shows_every_priced_service_with_per_species_prices(client, cat_service, vet):
    SpeciesPrice.objects.create(service=cat_service, species=species("kissa"), price=Decimal("39.90"))
    page = client.get(reverse("online:price_list")).content.decode()
    assert "Kissan rokotus" in page and "45,00\u00a0€" in page and "39,90\u00a0€" in page
    assert reverse("online:price_list") in client.get("/").content.decode()  # the footer links it


def test_the_practice_fee_is_shown_apart_and_kept_on_the_booking(client, cat_service, open_day, settings):
    settings.PRACTICE_FEE = Decimal("12.50")
    page = client.get("/").content.decode()
    assert "12,50\u00a0€" in page
    appointment = book_appointment(service=cat_service, start=at(open_day, 9), **DETAILS).appointment
    assert appointment.practice_fee == Decimal("12.50")
    settings.PRACTICE_FEE = None
    from bookings.prices import booked_price

    assert booked_price(appointment).fee == "12,50\u00a0€"
    assert timezone.now()  # aware


def test_an_unknown_species_in_the_picker_or_the_details_url_says_so_and_is_not_carried(
    client, cat_service, open_day
):
    picker = client.get(
        reverse("online:slots", args=[cat_service.pk]), {"species": "99999", "week": open_day.isoformat()}
    )
    main = picker.content.decode().split('id="main"', 1)[1]  # the header's language form keeps the path
    assert picker.status_code == 200 and "species=99999" not in main
    url = details_url(cat_service, at(open_day, 9)) + "?species=abc"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="species" value="abc"' not in page.content.decode()
    assert '<select name="species"' in page.content.decode()  # asked again, from the service's own species


def test_a_negative_price_for_a_species_is_refused_by_the_admin_and_the_database(admin_client, cat_service):
    with pytest.raises(ValidationError):
        SpeciesPrice(service=cat_service, species=species("kissa"), price=Decimal("-5")).full_clean()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SpeciesPrice.objects.create(service=cat_service, species=species("kissa"), price=Decimal("-5"))
    assert not SpeciesPrice.objects.exists()
