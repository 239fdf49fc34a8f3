"""Picking a time on a phone: a strip of days, one day's times, the practitioner applied at once.
The same journey with JavaScript on (in place) and off (every tap a page load)."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Appointment
from tests.e2e.conftest import OUTPUT, PHONE
from tests.e2e.steps import choose_day, choose_practitioner, choose_service, fill_details, next_week, slot_at
from tests.factories import at, make_practitioner, make_service, next_open_weekday

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice():
    aino = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    mikko = make_practitioner("Mikko Korhonen", title="eläinlääkäri")
    service = make_service([aino, mikko], name="Terveystarkastus", description="Perusteellinen tarkastus.")
    return service, aino, mikko


def days_in_view(page) -> list[str]:
    return [s.get_attribute("id") for s in page.locator(".week-grid .day").all() if s.is_visible()]


def pick_a_day_and_a_time(page, *, javascript: bool, aino) -> Appointment:
    day = next_open_weekday()  # next week: every weekday has times
    choose_service(page, "Terveystarkastus")
    expect(page.locator(".steps [aria-current=step]")).to_contain_text("Aika")
    next_week(page)
    expect(page.locator(".day-strip")).to_be_visible()
    # The first day with free times is chosen; only its times are on the screen.
    first = page.locator(".day-chip[aria-current=true]")
    expect(first).to_be_visible()
    assert len(days_in_view(page)) == 1

    page.evaluate("window.samePage = true")  # gone after a page load
    choose_practitioner(
        page, "Ammattilainen", "Aino Virtanen, eläinlääkäri", button=None if javascript else "Näytä ajat"
    )
    choose_day(page, day)
    if javascript:  # the practitioner and the day changed in place, not by loading pages
        assert page.evaluate("window.samePage === true")
    assert days_in_view(page) == [f"day-{day.isoformat()}"]
    expect(page.locator(".day.is-selected .daypart").first).to_be_visible()  # aamupäivä, iltapäivä
    assert f"day={day.isoformat()}" in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    slot_at(page, at(day, 13)).click()
    expect(page.get_by_text("Aino Virtanen, eläinlääkäri").first).to_be_visible()
    fill_details(page, name="Maija Meikäläinen", phone="040 123 4567", email="maija@example.com")
    page.get_by_role("button", name="Vahvista varaus").click()
    expect(page.locator(".success")).to_be_visible()
    appointment = Appointment.objects.get()
    assert appointment.practitioner == aino and appointment.practitioner_chosen
    assert appointment.start == at(day, 13)
    return appointment


def test_phone_picks_a_day_and_a_time_with_javascript(page, practice, axe_check):
    service, aino, mikko = practice
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    next_week(page)
    choose_day(page, day)
    page.evaluate("document.querySelector('.week-nav').scrollIntoView()")  # the strip and the times
    page.screenshot(path=OUTPUT / "readme-picker-phone.png")
    axe_check("phone picker, a day chosen")
    page.goto("/")
    appointment = pick_a_day_and_a_time(page, javascript=True, aino=aino)
    page.screenshot(path=OUTPUT / "readme-confirmation-phone.png")
    axe_check("confirmation")
    assert appointment.reference in page.content()


def test_phone_picks_a_day_and_a_time_without_javascript(browser, live_server, practice):
    service, aino, mikko = practice
    context = browser.new_context(
        java_script_enabled=False, viewport=PHONE, base_url=live_server.url, locale="fi-FI"
    )
    page = context.new_page()
    pick_a_day_and_a_time(page, javascript=False, aino=aino)
    context.close()


def test_a_time_tapped_right_after_choosing_a_practitioner_books_that_practitioner(page, practice):
    """The old picker booked "first free" when a time was tapped before pressing "Näytä ajat"."""
    service, aino, mikko = practice
    day = next_open_weekday()
    choose_service(page, "Terveystarkastus")
    page.get_by_label("Ammattilainen").select_option(label="Mikko Korhonen, eläinlääkäri")
    next_week(page)
    choose_day(page, day)
    slot_at(page, at(day, 10)).click()
    expect(page.get_by_text("Mikko Korhonen, eläinlääkäri").first).to_be_visible()
    assert f"/{mikko.pk}/" in page.url


def test_no_sideways_scrolling_at_320_px_on_the_picker_and_the_confirmation(page, practice):
    page.set_viewport_size({"width": 320, "height": 640})
    choose_service(page, "Terveystarkastus")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    targets = page.locator(".day-chip, a.slot, .week-nav a, .lang-switch a").all()
    small = [t.inner_text() for t in targets if t.is_visible() and t.bounding_box()["height"] < 44]
    assert not small, small
    assert re.search(r"Terveystarkastus", page.locator(".booking-bar").inner_text())
