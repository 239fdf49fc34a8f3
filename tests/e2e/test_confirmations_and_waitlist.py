"""Texts, confirmations by email, the waiting list and the proof of work, clicked through in a real
Chromium on a phone-sized screen, in Finnish. Emails are opened by their links, as people do."""

import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Appointment
from bookings.services import cancel_appointment
from customers.models import Customer
from notifications.sms import provider
from privacy.models import ConsentRecord
from tests.e2e.conftest import OUTPUT
from tests.e2e.steps import choose_service, fill_details, go_to_week_of, link_in_last_email, slot_at
from tests.factories import at, make_appointment, make_practitioner, make_service, next_open_weekday
from waitlist.models import WaitlistEntry
from waitlist.services import offer_free_times

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice():
    aino = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    service = make_service([aino], name="Rokotus", duration=30, slot_step=30)
    return service, aino


def book_in_browser(page, day, hour, *, email="maija@example.com", tick=()):
    choose_service(page, "Rokotus")
    go_to_week_of(page, day)
    slot_at(page, at(day, hour)).click()
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email=email)
    for label in tick:
        page.get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="Vahvista varaus").click()
    expect(page.locator(".success h1")).to_be_visible()  # the booking is confirmed


def test_text_messages_on_at_booking_and_off_from_the_booking_page(page, practice, shot, axe_check):
    sent = provider().sent
    sent.clear()
    day = next_open_weekday()
    book_in_browser(page, day, 9, tick=["Lähetä minulle tekstiviestit"])
    appointment = Appointment.objects.get()
    assert appointment.sms_opt_in and [s.to for s in sent] == ["+358401234567"]
    assert appointment.display_reference in sent[0].text
    data = page.locator("#your-data")
    expect(data.get_by_text("Käytössä: lähetämme muistutukset")).to_be_visible()
    shot("sms-01-on")
    page.get_by_role("button", name="Lopeta tekstiviestit").click()
    expect(page.get_by_text("Emme lähetä sinulle tekstiviestejä")).to_be_visible()
    appointment.refresh_from_db()
    assert not appointment.sms_opt_in
    axe_check("booking page, texts off")


def test_a_landline_cannot_ask_for_texts(page, practice):
    day = next_open_weekday()
    choose_service(page, "Rokotus")
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(page, name="Maija Meikäläinen", phone="09 123 4567", email="maija@example.com")
    page.get_by_label(re.compile("Lähetä minulle tekstiviestit")).check()
    page.get_by_role("button", name="Vahvista varaus").click()
    expect(page).to_have_title(re.compile("^Virhe: "))
    expect(page.locator("#error-summary")).to_contain_text("lankapuhelin")
    assert not Appointment.objects.exists()


def test_marketing_consent_and_the_address_are_confirmed_from_the_emails(page, practice, shot):
    day = next_open_weekday()
    book_in_browser(page, day, 9, tick=["uutisia ja tarjouksia"])
    assert not ConsentRecord.objects.exists()
    page.goto(link_in_last_email(r"/marketing/"))
    shot("consent-01-confirm")
    assert not ConsentRecord.objects.exists()  # opening the link is not consent
    page.get_by_role("button", name="Kyllä, lähettäkää minulle uutisia ja tarjouksia").click()
    expect(page.get_by_text("Kiitos: voimme nyt lähettää")).to_be_visible()
    assert ConsentRecord.objects.get().given
    expect(page.locator("#your-data").get_by_text("Olet antanut luvan.")).to_be_visible()
    booking_email = next(m for m in mail.outbox if "/confirm/" in m.body)
    url = re.search(r"https?://\S+/confirm/\S+/", booking_email.body).group(0)
    page.goto("/" + url[len(settings.PUBLIC_URL) :])
    page.get_by_role("button", name="Vahvista sähköpostiosoitteeni").click()
    expect(page.get_by_text("Kiitos: sähköpostiosoitteesi on vahvistettu.")).to_be_visible()


def test_a_new_email_address_takes_effect_from_the_link_sent_to_it(page, practice, shot, axe_check):
    day = next_open_weekday()
    book_in_browser(page, day, 10)
    page.get_by_role("link", name="Korjaa tietoni").click()
    page.get_by_role("textbox", name=re.compile("^Sähköposti")).fill("maija.uusi@example.com")
    page.get_by_role("button", name="Tallenna").click()
    expect(page.get_by_text("Lähetimme linkin uuteen sähköpostiosoitteeseesi")).to_be_visible()
    assert Customer.objects.get().email == "maija@example.com"
    assert mail.outbox[-1].to == ["maija.uusi@example.com"]
    page.goto(link_in_last_email(r"/email/"))
    shot("email-01-confirm-new")
    axe_check("confirm the new address")
    page.get_by_role("button", name="Tallenna uusi sähköpostiosoitteeni").click()
    expect(page.get_by_text("Uusi sähköpostiosoitteesi on tallennettu.")).to_be_visible()
    assert Customer.objects.get().email == "maija.uusi@example.com"


def test_waiting_clients_are_offered_a_freed_time_and_the_first_one_books_it(
    page, browser, live_server, practice, shot, axe_check
):
    service, aino = practice
    day = next_open_weekday()
    taken = [
        make_appointment(service, aino, at(day, 8, 0) + n * (at(day, 8, 30) - at(day, 8))) for n in range(7)
    ]
    taken += [
        make_appointment(service, aino, at(day, 12) + n * (at(day, 8, 30) - at(day, 8))) for n in range(8)
    ]
    page.goto(f"/waitlist/{service.pk}/")
    shot("waitlist-01-join")
    axe_check("waiting list form")
    page.get_by_label("Ensimmäinen päivä").fill(day.isoformat())
    page.get_by_label("Viimeinen päivä").fill(day.isoformat())
    fill_details(page, name="Ville Virtanen", phone="040 765 4321", email="ville@example.com")
    page.get_by_role("button", name="Liity jonotuslistalle").click()
    expect(page.get_by_role("heading", name="Olet jonotuslistalla")).to_be_visible()
    assert WaitlistEntry.objects.count() == 1

    cancel_appointment(appointment=taken[3], by_client=False)
    assert offer_free_times() == 1
    page.goto(link_in_last_email(r"/waitlist/offer/"))
    shot("waitlist-02-offer")
    axe_check("waiting list offer")
    page.get_by_role("button", name="Varaa tämä aika").click()
    expect(page.get_by_role("heading", name="Varauksesi")).to_be_visible()
    assert Appointment.objects.active().filter(start=taken[3].start).count() == 1
    assert not WaitlistEntry.objects.exists()


def test_under_load_the_form_solves_a_proof_of_work_and_without_javascript_says_what_to_do(
    page, browser, live_server, practice, settings, shot
):
    settings.PROOF_OF_WORK = "always"
    day = next_open_weekday()
    book_in_browser(page, day, 9)  # the browser solved the challenge before sending the form
    assert Appointment.objects.count() == 1

    context = browser.new_context(java_script_enabled=False, base_url=live_server.url, locale="fi-FI")
    no_js = context.new_page()
    choose_service(no_js, "Rokotus")
    go_to_week_of(no_js, day)
    slot_at(no_js, at(day, 10)).click()
    expect(no_js.get_by_text(re.compile("tarvitsee JavaScriptin"))).to_be_visible()
    fill_details(no_js, name="Ville Virtanen", phone="040 765 4321", email="ville@example.com")
    no_js.get_by_role("button", name="Vahvista varaus").click()
    expect(no_js.locator("#error-summary")).to_contain_text("pikatarkistusta")
    no_js.screenshot(path=OUTPUT / "proof-of-work-no-javascript.png", full_page=True)
    assert Appointment.objects.count() == 1
    context.close()
