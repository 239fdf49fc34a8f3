"""A client on a phone chooses the species first, sees only its services with prices, books with the
animal's name, and finds the price, the preparation and the cancellation terms on the confirmation
page and in the email; then books another animal with the contact details filled in. In Finnish and
in Swedish. Every step clicks what a person sees."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Appointment, SpeciesPrice
from tests.e2e.steps import SWEDISH, fill_details, go_to_week_of, slot_at
from tests.factories import at, make_practitioner, make_service, next_open_weekday, species

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NBSP = "\u00a0"


@pytest.fixture
def practice():
    aino = make_practitioner("Aino Virtanen", title="eläinlääkäri", title_sv="veterinär", title_en="vet")
    cat_vaccine = make_service(
        [aino],
        name="Kissan rokotus",
        name_sv="Vaccination av katt",
        price=Decimal("45.00"),
        preparation="Tuo kissa kuljetuslaatikossa ja rokotustodistus mukana.",
        preparation_sv="Ta med katten i en transportbur och vaccinationsintyget.",
    )
    cat_vaccine.species.set([species("kissa")])
    dog_vaccine = make_service(
        [aino], name="Koiran rokotus", name_sv="Vaccination av hund", price=Decimal("50.00")
    )
    dog_vaccine.species.set([species("koira")])
    checkup = make_service(
        [aino], name="Terveystarkastus", name_sv="Hälsokontroll", price=Decimal("59.00"), price_kind="from"
    )
    SpeciesPrice.objects.create(service=checkup, species=species("kissa"), price=Decimal("55.00"))
    return cat_vaccine, dog_vaccine, checkup, aino


def test_a_client_chooses_kissa_sees_cat_services_with_prices_and_books_with_the_animals_name(
    page, practice, shot, axe_check
):
    cat_vaccine, _dog, _checkup, _aino = practice
    day = next_open_weekday()
    page.goto("/")
    expect(page.get_by_role("group", name="Mikä eläin on tulossa?")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Äkillinen hätätilanne"))).to_be_visible()
    expect(page.get_by_role("heading", name="Aukioloajat")).to_be_visible()
    page.get_by_label("Kissa", exact=True).check()
    page.get_by_role("button", name="Näytä palvelut").click()
    expect(page.get_by_role("heading", name="Kissan rokotus")).to_be_visible()
    expect(page.get_by_role("heading", name="Koiran rokotus")).to_have_count(0)
    expect(page.get_by_text(f"45,00{NBSP}€")).to_be_visible()
    expect(page.get_by_text(f"alkaen 55,00{NBSP}€")).to_be_visible()  # the cat's own price of the check-up
    shot("species-01-start-kissa")
    axe_check("start page, a species chosen")

    page.get_by_role("link", name=re.compile("Kissan rokotus")).click()
    expect(page.get_by_text(f"45,00{NBSP}€")).to_be_visible()
    go_to_week_of(page, day)
    shot("species-02-picker")
    slot_at(page, at(day, 9)).click()

    expect(page.get_by_text("Tuo kissa kuljetuslaatikossa")).to_be_visible()
    expect(page.get_by_role("heading", name="Peruutusehdot")).to_be_visible()
    # The price is on the page before the button that books.
    price_box = page.locator(".details-form .price").bounding_box()
    button_box = page.get_by_role("button", name="Vahvista varaus").bounding_box()
    assert price_box["y"] < button_box["y"]
    page.get_by_label("Eläimen nimi (vapaaehtoinen)").fill("Mirri")
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email="maija@example.com")
    shot("species-03-details")
    axe_check("details with species and price")
    page.get_by_role("button", name="Vahvista varaus").click()

    appointment = Appointment.objects.get()
    assert appointment.species.name == "kissa" and appointment.animal_name == "Mirri"
    assert appointment.price == Decimal("45.00")
    expect(page.get_by_text("Mirri")).to_be_visible()
    expect(page.locator(".price-amount")).to_have_text(f"45,00{NBSP}€")
    expect(page.get_by_text("Tuo kissa kuljetuslaatikossa")).to_be_visible()
    expect(page.get_by_role("heading", name="Peruutusehdot")).to_be_visible()
    shot("species-04-confirmation")
    axe_check("confirmation with the animal and the price")
    body = mail.outbox[-1].body
    assert "Mirri" in body and f"45,00{NBSP}€" in body and "Kuljetuslaatikossa".lower() in body.lower()
    assert "Peruutusehdot" in body

    # Another pet of the same family: the contact details are filled in, the animal is not.
    page.get_by_role("button", name="Varaa aika toiselle eläimelle").click()
    assert "maija" not in page.url.lower()
    page.get_by_label("Koira", exact=True).check()
    page.get_by_role("button", name="Näytä palvelut").click()
    page.get_by_role("link", name=re.compile("Koiran rokotus")).click()
    go_to_week_of(page, day)
    slot_at(page, at(day, 10)).click()
    expect(page.get_by_label(re.compile(r"^\s*Nimi"))).to_have_value("Maija Meikäläinen")
    expect(page.get_by_label("Eläimen nimi (vapaaehtoinen)")).to_have_value("")
    page.get_by_label("Eläimen nimi (vapaaehtoinen)").fill("Musti")
    page.get_by_role("button", name="Vahvista varaus").click()
    assert Appointment.objects.filter(animal_name="Musti", species__name="koira").exists()


def test_the_same_journey_in_swedish(page, practice, shot, axe_check):
    day = next_open_weekday()
    page.goto("/")
    page.get_by_role("link", name="Svenska").click()
    expect(page.get_by_role("group", name="Vilket djur kommer?")).to_be_visible()
    page.get_by_label("Katt", exact=True).check()
    page.get_by_role("button", name="Visa tjänster").click()
    expect(page.get_by_role("heading", name="Vaccination av katt")).to_be_visible()
    expect(page.get_by_role("heading", name="Vaccination av hund")).to_have_count(0)
    expect(page.get_by_text(f"från 55,00{NBSP}€")).to_be_visible()
    shot("species-sv-01-start")
    page.get_by_role("link", name=re.compile("Vaccination av katt")).click()
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    expect(page.get_by_text("Ta med katten i en transportbur")).to_be_visible()
    expect(page.get_by_role("heading", name="Avbokningsvillkor")).to_be_visible()
    page.get_by_label("Djurets namn (frivilligt)").fill("Sessan")
    fill_details(
        page,
        name="Åsa Öberg",
        phone="040 765 4321",
        email="asa@example.com",
        labels=SWEDISH,
    )
    axe_check("details in Swedish")
    page.get_by_role("button", name="Bekräfta bokningen").click()
    appointment = Appointment.objects.get()
    assert appointment.animal_name == "Sessan" and appointment.species.name == "kissa"
    expect(page.get_by_text("Sessan")).to_be_visible()
    expect(page.locator(".price-amount")).to_have_text(f"45,00{NBSP}€")
    expect(page.get_by_role("heading", name="Avbokningsvillkor")).to_be_visible()
    shot("species-sv-02-confirmation")
    body = mail.outbox[-1].body
    assert "Sessan" in body and "Katt" in body and f"45,00{NBSP}€" in body and "Avbokningsvillkor" in body


def test_the_price_list_is_linked_from_every_page_footer(page, practice):
    page.goto("/")
    page.get_by_role("link", name="Hinnasto").click()
    expect(page.get_by_role("heading", name="Hinnasto")).to_be_visible()
    expect(page.get_by_text(f"45,00{NBSP}€").first).to_be_visible()
    expect(page.get_by_text(f"Kissa: alkaen 55,00{NBSP}€")).to_be_visible()
