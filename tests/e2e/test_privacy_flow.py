"""A client corrects, downloads and deletes their data from the booking link, and asks for their
data without a link, in a real Chromium on a phone-sized screen, in Finnish."""

import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from bookings.tokens import manage_token
from customers.models import Customer
from tests.e2e.conftest import OUTPUT
from tests.e2e.steps import link_in_last_email
from tests.factories import (
    at,
    make_appointment,
    make_customer,
    make_practitioner,
    make_service,
    next_open_weekday,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booking():
    vet = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    service = make_service([vet], name="Rokotus")
    customer = make_customer(name="Olli Oikeus", phone="+358407770000", email="olli@example.com")
    return make_appointment(
        service, vet, at(next_open_weekday(), 10), customer=customer, message="Kissa.\nRokotus."
    )


def open_link(page, appointment):
    """The personal link, as the client opens it from the confirmation email."""
    page.goto(f"/manage/{appointment.reference}/{manage_token(appointment.reference)}/")


def test_client_corrects_name_phone_and_email(page, booking, shot, axe_check):
    open_link(page, booking)
    page.get_by_role("link", name="Korjaa tietoni").click()
    expect(page.get_by_label("Nimi")).to_have_value("Olli Oikeus")
    shot("privacy-01-correct")
    axe_check("correction form")

    page.get_by_label("Puhelin").fill("12")
    page.get_by_label("Puhelin").press("Enter")  # Enter submits: the button belongs to the form
    expect(page).to_have_title(re.compile("^Virhe: "))
    expect(page.locator("#error-summary")).to_be_focused()
    shot("privacy-02-correct-errors")
    axe_check("correction form with errors")

    page.get_by_label("Nimi").fill("Olli Korjattu 🐕‍🦺")
    page.get_by_label("Puhelin").fill("050 123 4567")
    page.get_by_role("textbox", name=re.compile("^Sähköposti")).fill("olli.k@example.com")
    page.get_by_role("button", name="Tallenna").click()

    expect(page.get_by_text("Tietosi on korjattu")).to_be_visible()
    data = page.locator("#your-data")
    for shown in ("Olli Korjattu 🐕‍🦺", "050 123 4567", "olli.k@example.com"):
        expect(data.get_by_text(shown)).to_be_visible()
    customer = Customer.objects.get()
    assert (customer.name, customer.phone) == ("Olli Korjattu 🐕‍🦺", "+358501234567")


def test_client_downloads_their_data(page, booking, shot):
    open_link(page, booking)
    page.locator("#your-data").scroll_into_view_if_needed()
    shot("privacy-03-manage-your-data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Lataa tietoni").click()
    path = OUTPUT / "privacy-export.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["customer_records"][0]["name"] == "Olli Oikeus"
    assert data["appointments"][0]["message"] == "Kissa.\nRokotus."


def test_client_deletes_their_data_and_is_told_plainly_about_a_booking_inside_the_cutoff(
    page, booking, shot, axe_check
):
    near = make_appointment(
        booking.service, booking.practitioner, timezone.now() + timedelta(hours=30), customer=booking.customer
    )
    booking.service.cancel_cutoff = 48
    booking.service.save()
    open_link(page, near)
    expect(page.get_by_role("link", name="Peru varaus")).to_have_count(0)  # too late to cancel online
    page.get_by_role("link", name="Poista tietoni").click()
    expect(page.get_by_text(re.compile("ettei sitä voi enää perua verkossa"))).to_be_visible()
    expect(page.get_by_text(re.compile("kerromme klinikalle"))).to_be_visible()
    shot("privacy-04-erase-confirm")
    axe_check("erase confirmation")
    page.get_by_role("button", name="Kyllä, peru ja poista").click()
    expect(page.get_by_role("heading", name="Tietosi on poistettu")).to_be_visible()
    assert not Customer.objects.exists()
    shot("privacy-05-erased")
    axe_check("erased page")


def test_client_without_a_link_asks_for_their_data_by_email(page, booking, shot, axe_check):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Tietosuojaseloste").click()
    shot("privacy-06-notice")
    axe_check("privacy notice")
    page.get_by_role("link", name="tietopyyntösivulla").click()
    page.get_by_role("textbox", name=re.compile("^Sähköposti")).fill("nobody")
    page.get_by_role("button", name="Lähetä linkki").click()  # the button that did nothing
    expect(page).to_have_title(re.compile("^Virhe: "))
    shot("privacy-07-request-errors")
    page.get_by_role("textbox", name=re.compile("^Sähköposti")).fill("Olli@Example.com")
    page.get_by_role("button", name="Lähetä linkki").click()
    expect(page.get_by_role("heading", name="Tarkista sähköpostisi")).to_be_visible()
    shot("privacy-08-request-sent")
    assert mail.outbox[-1].to == ["olli@example.com"]

    page.goto(link_in_last_email(r"/privacy/verify/"))
    shot("privacy-09-verify")
    page.get_by_role("button", name="Näytä tietoni").click()
    expect(page.get_by_text("Olli Oikeus")).to_be_visible()
    expect(page.get_by_role("link", name=booking.display_reference)).to_be_visible()
    shot("privacy-10-verified")
    axe_check("verified data page")
