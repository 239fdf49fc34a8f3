"""A client books, finds the booking again, moves and cancels it, on a phone-sized screen in a real
Chromium: in Finnish, one journey in Swedish and one in English. Every step clicks what a person
sees; the emails are opened as a person opens them, by their links."""

import re

import pytest
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from bookings.models import Appointment
from tests.e2e.conftest import PHONE
from tests.e2e.steps import (
    ENGLISH,
    SWEDISH,
    choose_practitioner,
    choose_service,
    fill_details,
    go_to_week_of,
    link_in_last_email,
    slot_at,
)
from tests.factories import at, make_appointment, make_practitioner, make_service, next_open_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice():
    aino = make_practitioner(
        "Aino Virtanen", title="eläinlääkäri", title_sv="veterinär", title_en="veterinarian"
    )
    mikko = make_practitioner(
        "Mikko Korhonen", title="eläinlääkäri", title_sv="veterinär", title_en="veterinarian"
    )
    service = make_service(
        [aino, mikko],
        name="Terveystarkastus",
        name_sv="Hälsokontroll",
        name_en="Health check",
        description="Perusteellinen terveystarkastus.",
    )
    return service, aino, mikko


def test_client_books_a_chosen_practitioner_and_opens_the_link_from_the_email(
    page, browser, live_server, practice, shot, axe_check
):
    service, aino, mikko = practice
    day = next_open_weekday()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fi"
    shot("01-start")
    axe_check("start page")

    page.get_by_role("link", name=re.compile("Terveystarkastus")).click()
    choose_practitioner(page, "Ammattilainen", "Aino Virtanen, eläinlääkäri")
    go_to_week_of(page, day)
    expect(
        page.get_by_text("Voit siirtää tai perua varauksen verkossa viimeistään 24 tuntia")
    ).to_be_visible()
    shot("02-slot-picker")
    axe_check("slot picker")

    slot_at(page, at(day, 9)).click()
    expect(
        page.get_by_text(re.compile("Voit siirtää tai perua tämän varauksen verkossa viimeistään"))
    ).to_be_visible()
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email="maija@example.com")
    page.get_by_label(re.compile("Viesti")).fill("Kissa, vuosirokotus.\nSyö huonosti.")
    expect(page.get_by_text("Merkkejä jäljellä: 466")).to_be_visible()
    shot("03-details")
    axe_check("details form")
    page.get_by_role("button", name="Vahvista varaus").click()

    appointment = Appointment.objects.get()
    assert appointment.practitioner == aino and appointment.practitioner_chosen
    expect(page.get_by_text(appointment.display_reference).first).to_be_visible()
    expect(page.get_by_text("Aino Virtanen, eläinlääkäri")).to_be_visible()
    assert page.locator(".client-message").inner_text() == "Kissa, vuosirokotus.\nSyö huonosti."
    shot("04-confirmation")
    axe_check("confirmation")
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments

    # Back after booking: the client's own booking, not "that time is not free".
    page.go_back()
    expect(page.get_by_text("Olet varannut tämän ajan")).to_be_visible()
    assert page.locator(".alert-danger").count() == 0
    assert appointment.display_reference in page.content()

    # Later, from the confirmation email, in another browser.
    elsewhere = browser.new_context(viewport=PHONE, base_url=live_server.url)
    phone = elsewhere.new_page()
    phone.goto(link_in_last_email())
    expect(phone.get_by_text(appointment.display_reference).first).to_be_visible()
    expect(phone.get_by_role("link", name="Siirrä toiseen aikaan")).to_be_visible()
    elsewhere.close()


def test_two_clients_book_the_same_time_from_the_one_shared_form_and_a_third_finds_it_gone(
    page, browser, live_server, practice
):
    """The details form is rendered once and shared (online/page_cache.py): the second client's
    form comes from the cache with their own CSRF token and form key, and their click books. Once
    both practitioners are taken, the form of that time is offered to nobody."""
    service, aino, mikko = practice
    day = next_open_weekday()
    others = [browser.new_context(viewport=PHONE, base_url=live_server.url) for _ in range(2)]
    first, second, third = page, others[0].new_page(), others[1].new_page()
    for client in (first, second):  # both open the form of 9.00, "any practitioner"
        choose_service(client, "Terveystarkastus")
        go_to_week_of(client, day)
        slot_at(client, at(day, 9)).click()
        expect(client.get_by_role("button", name="Vahvista varaus")).to_be_visible()
    form_url = first.url
    assert second.url == form_url
    for field in ("csrfmiddlewaretoken", "request_key"):
        mine, theirs = (c.locator(f"input[name={field}]").input_value() for c in (first, second))
        assert mine and theirs and mine != theirs, field

    for n, client in enumerate((first, second)):
        fill_details(client, name=f"Asiakas {n}", phone=f"040 123 456{n}", email=f"a{n}@example.com")
        client.get_by_role("button", name="Vahvista varaus").click()
        booked = Appointment.objects.get(customer__email=f"a{n}@example.com")
        expect(client.get_by_text(booked.display_reference).first).to_be_visible()
    assert {a.practitioner for a in Appointment.objects.all()} == {aino, mikko}

    third.goto(form_url)  # a saved link, or Back in a third browser
    expect(third.get_by_text("Aika ei ole vapaana. Valitse toinen aika.")).to_be_visible()
    assert "/book/" in third.url and third.url != form_url
    expect(slot_at(third, at(day, 9))).to_have_count(0)
    for context in others:
        context.close()


def test_client_books_any_practitioner_in_swedish(page, practice, shot):
    service, aino, mikko = practice
    day = next_open_weekday()
    make_appointment(service, aino, at(day, 9))  # Aino is busy; Mikko takes the time
    page.goto("/")
    page.get_by_role("link", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("link", name=re.compile("Hälsokontroll")).click()
    assert page.get_by_label("Behandlare").input_value() == "any"
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    expect(page.get_by_text("Första lediga behandlare")).to_be_visible()
    fill_details(
        page,
        name="Åsa Öberg",
        phone="040 765 4321",
        email="asa@example.com",
        labels=SWEDISH,
    )
    shot("sv-01-details")
    page.get_by_role("button", name="Bekräfta bokningen").click()
    appointment = Appointment.objects.get(customer__email="asa@example.com")
    assert appointment.practitioner == mikko and not appointment.practitioner_chosen
    expect(page.get_by_text("Mikko Korhonen, veterinär")).to_be_visible()
    email = mail.outbox[-1]
    assert email.subject.startswith("Din bokning") and '<html lang="sv">' in email.alternatives[0][0]
    assert "Du kan flytta eller avboka på nätet senast" in email.body
    shot("sv-02-confirmation")


def test_when_someone_takes_the_time_first_the_typed_details_stay(page, practice, shot, axe_check):
    service, aino, mikko = practice
    service.practitioners.remove(mikko)
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(page, name="Pekka Puup 🐕‍🦺", phone="040 111 2222", email="pekka@example.com")
    page.get_by_label(re.compile("Viesti")).fill("Koira ontuu.")
    page.get_by_label(re.compile("markkinointi|uutisia", re.IGNORECASE)).check()
    make_appointment(service, aino, at(day, 9))  # someone else was faster
    page.get_by_role("button", name="Vahvista varaus").click()

    expect(page).to_have_title(re.compile("^Virhe: "))
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_text("Valitettavasti aika on juuri varattu")).to_be_visible()
    assert page.get_by_label(re.compile(r"^\s*Nimi")).input_value() == "Pekka Puup 🐕‍🦺"
    assert page.get_by_label("Puhelin").input_value() == "040 111 2222"
    assert page.get_by_label(re.compile("Viesti")).input_value() == "Koira ontuu."
    assert page.get_by_label(re.compile("markkinointi|uutisia", re.IGNORECASE)).is_checked()
    shot("05-time-taken")
    axe_check("time taken")

    page.get_by_role("button", name=re.compile("Varaa .* klo 9\\.30")).click()
    appointment = Appointment.objects.get(customer__email="pekka@example.com")
    assert appointment.start == at(day, 9, 30) and appointment.customer.name == "Pekka Puup 🐕‍🦺"
    expect(page.get_by_text(appointment.display_reference).first).to_be_visible()


def test_client_moves_the_booking_and_keeps_the_practitioner(page, practice, shot, axe_check):
    service, aino, mikko = practice
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    choose_practitioner(page, "Ammattilainen", "Aino Virtanen, eläinlääkäri")
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email="maija@example.com")
    page.get_by_role("button", name="Vahvista varaus").click()
    make_appointment(service, aino, at(day, 13))  # Aino is busy at 13; Mikko is not

    page.get_by_role("link", name="Siirrä toiseen aikaan").click()
    go_to_week_of(page, day)
    expect(page.get_by_text("Varasit ajan ammattilaiselle Aino Virtanen")).to_be_visible()
    assert slot_at(page, at(day, 13)).count() == 0  # only Aino's times
    shot("06-move-picker")
    axe_check("move picker")
    slot_at(page, at(day, 14)).click()
    expect(page.get_by_text("Aino Virtanen, eläinlääkäri (ei muutu)")).to_be_visible()
    shot("07-move-confirm")
    page.get_by_role("button", name="Siirrä varaus").click()

    expect(page.get_by_text("Varauksesi on siirretty")).to_be_visible()
    appointment = Appointment.objects.get(customer__email="maija@example.com")
    assert appointment.start == at(day, 14) and appointment.practitioner == aino
    assert (
        mail.outbox[-1].subject.endswith("uusi aika")
        or appointment.display_reference in mail.outbox[-1].subject
    )
    shot("08-moved")


def test_a_booking_for_any_practitioner_moves_to_another_only_when_the_confirm_step_names_them_in_english(
    page, practice, shot
):
    service, aino, mikko = practice
    day = next_open_weekday()
    page.goto("/")
    page.get_by_role("link", name="English").click()
    page.get_by_role("link", name=re.compile("Health check")).click()
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(
        page,
        name="Jane Doe",
        phone="+44 20 7946 0958",
        email="jane@example.com",
        labels=ENGLISH,
    )
    page.get_by_role("button", name="Confirm booking").click()
    appointment = Appointment.objects.get()
    assert appointment.practitioner == aino
    make_appointment(service, aino, at(day, 13))

    page.get_by_role("link", name="Move to another time").click()
    go_to_week_of(page, day)
    slot_at(page, at(day, 13)).click()
    expect(page.get_by_text("Aino Virtanen is not free: Mikko Korhonen will see you instead")).to_be_visible()
    shot("en-01-move-confirm-new-practitioner")
    page.get_by_role("button", name="Move the booking to Mikko Korhonen").click()
    appointment.refresh_from_db()
    assert appointment.practitioner == mikko and appointment.start == at(day, 13)
    assert (
        "Mikko Korhonen" in mail.outbox[-1].body and '<html lang="en">' in mail.outbox[-1].alternatives[0][0]
    )


def test_client_cancels_and_the_calendar_file_cancels_the_event(page, practice, shot, axe_check):
    service, aino, mikko = practice
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    go_to_week_of(page, day)
    slot_at(page, at(day, 10)).click()
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email="maija@example.com")
    page.get_by_role("button", name="Vahvista varaus").click()

    page.get_by_role("link", name="Peru varaus").click()
    shot("09-cancel-confirm")
    axe_check("cancel confirmation")
    page.get_by_role("button", name="Kyllä, peru varaus").click()
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CANCELLED
    shot("10-cancelled")
    axe_check("cancelled booking")

    booked, cancelled = (Calendar.from_ical(m.attachments[0][1]) for m in mail.outbox)
    assert cancelled["METHOD"] == "CANCEL" and mail.outbox[1].attachments[0][2].endswith("method=CANCEL")
    assert cancelled.walk("VEVENT")[0]["UID"] == booked.walk("VEVENT")[0]["UID"]
    assert cancelled.walk("VEVENT")[0]["STATUS"] == "CANCELLED"

    page.get_by_role("link", name="Varaa uusi aika").click()
    expect(page.get_by_role("heading", name="Terveystarkastus")).to_be_visible()


def test_client_finds_the_booking_with_its_reference_and_phone(page, practice, shot):
    service, aino, mikko = practice
    appointment = make_appointment(service, aino, at(next_open_weekday(), 9), reference="K7M4QX")
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Hallinnoi varaustasi").click()
    page.get_by_label("Varaustunnus").fill(appointment.display_reference.lower())
    page.get_by_label("Sähköposti tai puhelinnumero").fill("abc")
    page.get_by_role("button", name="Lähetä linkki").click()
    expect(page).to_have_title(re.compile("^Virhe: "))
    expect(page.locator("#error-summary")).to_be_focused()
    shot("11-lookup-error")
    page.get_by_role("link", name=re.compile("Sähköposti tai puhelinnumero:")).click()
    expect(page.get_by_label("Sähköposti tai puhelinnumero")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("0" + appointment.customer.phone[4:])  # as Finns type it
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tarkista sähköpostisi")).to_be_visible()
    shot("12-lookup-sent")
    assert mail.outbox[-1].to == [appointment.customer.email]
    page.goto(link_in_last_email())
    expect(page.get_by_text(appointment.display_reference).first).to_be_visible()


def test_the_message_counts_down_and_a_long_one_is_refused_with_a_clear_error(page, practice):
    service, aino, mikko = practice
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(page, name="Maija", phone="040 123 4567", email="maija@example.com")
    message = page.get_by_label(re.compile("Viesti"))
    message.fill("x" * 510)  # as a paste: nothing is cut
    assert message.input_value() == "x" * 510
    expect(page.get_by_text("Merkkejä liikaa: 10")).to_be_visible()
    page.get_by_role("button", name="Vahvista varaus").click()
    expect(page.get_by_text("Viesti on liian pitkä: enintään 500 merkkiä, nyt 510.").first).to_be_visible()
    assert not Appointment.objects.exists()
    page.get_by_label(re.compile("Viesti")).fill("Lyhyt")
    expect(page.get_by_text("Merkkejä jäljellä: 495")).to_be_visible()


def test_booking_works_with_javascript_off(browser, live_server, practice):
    service, aino, mikko = practice
    day = next_open_weekday()
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    choose_service(page, "Terveystarkastus")
    go_to_week_of(page, day)
    slot_at(page, at(day, 9)).click()
    fill_details(page, name="Ville Virtanen", phone="0401234567", email="ville@example.com")
    page.get_by_label(re.compile("Viesti")).fill("y" * 501)
    page.get_by_role("button", name="Vahvista varaus").click()
    expect(page.get_by_text("Viesti on liian pitkä: enintään 500 merkkiä, nyt 501.").first).to_be_visible()
    page.get_by_label(re.compile("Viesti")).fill("Rokotus")
    page.get_by_role("button", name="Vahvista varaus").click()
    assert Appointment.objects.filter(customer__email="ville@example.com").exists()
    assert "/manage/" in page.url
    context.close()


def test_times_inside_the_change_cutoff_are_marked_in_the_picker(page, practice, shot):
    service, aino, mikko = practice
    service.cancel_cutoff = 24 * 14
    service.save()
    choose_service(page, "Terveystarkastus")
    page.get_by_role("link", name="Siirry ensimmäiseen vapaaseen aikaan").click()
    first = page.locator("a.slot").first
    assert "slot-locked" in first.get_attribute("class")
    assert "ei muutettavissa verkossa" in first.get_attribute("aria-label")
    expect(page.get_by_text(re.compile("Alle 336 tunnin päässä"))).to_be_visible()
    shot("13-picker-locked-times")
    first.click()
    expect(page.get_by_text(re.compile("joten varausta ei voi siirtää tai perua verkossa"))).to_be_visible()
    shot("14-details-inside-cutoff")
