"""A client books, opens the manage link, moves and cancels, in Finnish, on a phone-sized screen."""

import re

import pytest
from django.core import mail

from bookings.models import Appointment
from tests.factories import make_practitioner, make_service, next_open_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_client_books_moves_and_cancels_in_finnish(page, shot, axe_check):
    vet = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    make_service([vet], name="Terveystarkastus", description="Perusteellinen terveystarkastus.")
    day = next_open_weekday()

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fi"
    shot("01-start")
    axe_check("start page")

    page.get_by_role("link", name=re.compile("Terveystarkastus")).click()
    page.goto(page.url + f"?week={day.isoformat()}")
    shot("02-slot-picker")
    axe_check("slot picker")

    page.locator(".slot").first.click()
    page.get_by_label("Nimi").fill("Maija Meikäläinen")
    page.get_by_label("Puhelin").fill("040 123 4567")
    page.get_by_role("textbox", name=re.compile("^Sähköposti")).fill("maija@example.com")
    page.get_by_label(re.compile("Viesti")).fill("Kissa, vuosirokotus")
    shot("03-details")
    axe_check("details form")
    page.get_by_role("button", name=re.compile("Vahvista")).click()

    appointment = Appointment.objects.get()
    assert page.get_by_text(appointment.display_reference).first.is_visible()
    assert "/manage/" in page.url
    shot("04-confirmation")
    axe_check("confirmation")
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments

    booked_start = appointment.start
    page.get_by_role("link", name=re.compile("Siirrä")).click()
    page.goto(page.url.split("?")[0] + f"?week={day.isoformat()}")
    page.locator(".slot").nth(4).click()
    shot("05-move-confirm")
    page.get_by_role("button", name=re.compile("Siirrä")).click()
    appointment.refresh_from_db()
    assert appointment.start != booked_start and "siirretty" in page.content().lower()
    assert len(mail.outbox) == 2
    shot("06-moved")

    page.get_by_role("link", name=re.compile("Peru")).click()
    shot("07-cancel-confirm")
    page.get_by_role("button", name=re.compile("peru", re.IGNORECASE)).click()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    shot("08-cancelled")
    axe_check("manage page")


def test_booking_works_with_javascript_off(browser, live_server):
    vet = make_practitioner("Aino Virtanen")
    service = make_service([vet], name="Rokotus")
    day = next_open_weekday()
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/book/{service.pk}/?week={day.isoformat()}")
    page.locator(".slot").first.click()
    page.fill("input[name=name]", "Ville Virtanen")
    page.fill("input[name=phone]", "0401234567")
    page.fill("input[name=email]", "ville@example.com")
    page.locator("button[type=submit].btn-primary").click()
    assert Appointment.objects.filter(customer__email="ville@example.com").exists()
    assert "/manage/" in page.url
    context.close()
