"""A client sees, downloads and deletes their data from the booking link, in a real browser."""

import json
import zipfile

import pytest

from bookings.tokens import manage_token
from customers.models import Customer
from tests.e2e.conftest import OUTPUT
from tests.factories import (
    at,
    make_appointment,
    make_customer,
    make_practitioner,
    make_service,
    next_open_weekday,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_client_downloads_and_deletes_their_data(page, shot, axe_check):
    vet = make_practitioner("Aino Virtanen")
    service = make_service([vet], name="Rokotus")
    customer = make_customer(name="Olli Oikeus", phone="+358407770000", email="olli@example.com")
    appointment = make_appointment(
        service, vet, at(next_open_weekday(), 10), customer=customer, message="Kissa"
    )

    page.goto(f"/manage/{appointment.reference}/{manage_token(appointment.reference)}/")
    page.locator("#your-data").scroll_into_view_if_needed()
    shot("privacy-01-manage-your-data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Lataa tietoni").click()
    path = OUTPUT / "privacy-export.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["customer_records"][0]["name"] == "Olli Oikeus"
    assert data["appointments"][0]["message"] == "Kissa"

    page.get_by_role("link", name="Poista tietoni").click()
    shot("privacy-02-erase-confirm")
    axe_check("erase confirmation")
    page.locator("button.btn-danger").click()
    assert not Customer.objects.exists()
    shot("privacy-03-erased")
    axe_check("erased page")

    page.goto("/privacy/")
    shot("privacy-04-notice")
    axe_check("privacy notice")
