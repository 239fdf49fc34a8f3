"""The staff calendar in a real Chromium on a desktop screen, in Finnish: reception opens today's
day and sees who is coming, opens an appointment's panel and marks the client arrived, looks at the
week of everyone and prints the day list; a practitioner lands on their own day. axe finds no
serious or critical violations on any calendar page."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, WorkingHours
from inuvet import roles
from tests.e2e.conftest import DESKTOP, OUTPUT, screenshots
from tests.e2e.test_staff_flow import sign_in, words
from tests.factories import (
    at,
    make_appointment,
    make_customer,
    make_practitioner,
    make_service,
    make_staff,
    next_open_weekday,
)

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("staff_roles"),
]


@pytest.fixture
def viewport():
    return DESKTOP


@pytest.fixture
def no_js_page(browser, live_server):
    """A desktop browser with JavaScript off: the server's grid, its panels and forms do everything."""
    context = browser.new_context(
        viewport=DESKTOP, locale="fi-FI", base_url=live_server.url, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def today_practice():
    """Two vets working all day today, a visit of a named client that starts in a few minutes."""
    all_day = {day: [(time(0), time(23, 45))] for day in range(7)}
    vet = make_practitioner("Aino Virtanen", hours=all_day)
    other = make_practitioner("Mikko Korhonen", hours=all_day)
    checkup = make_service([vet, other], name="Terveystarkastus", duration=30)
    now = timezone.localtime()
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 15)
    if start.date() != (start + timedelta(minutes=30)).date():  # near midnight: keep it on today
        start -= timedelta(hours=1)
    client = make_customer(name="Seija Seppälä", phone="+358401112233")
    visit = make_appointment(checkup, vet, start, customer=client, message="Musti ontuu vasenta takajalkaa")
    return vet, other, checkup, visit


def test_reception_sees_who_is_coming_marks_arrived_and_prints_the_day(no_js_page, today_practice):
    """Without JavaScript (the grid as the server renders it); the drag test below has it on."""
    page = no_js_page
    vet, other, _checkup, visit = today_practice
    make_staff("reception", roles.RECEPTION)
    sign_in(page, "reception")
    page.get_by_role("link", name=words("Kalenteri", "Calendar")).first.click()
    block = page.locator(f"a.cal-appt[data-appointment='{visit.pk}']")
    expect(block).to_contain_text("Seija Seppälä")
    expect(block).to_contain_text("Terveystarkastus")
    expect(page.get_by_text("Mikko Korhonen").first).to_be_visible()
    screenshots(page, "calendar-01-day")

    block.focus()  # the phone and message show on focus
    expect(block.locator(".cal-more")).to_contain_text("+358401112233")
    block.click()  # the side panel, no JavaScript needed (:target)
    panel = page.locator(f"#appt-{visit.pk}")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Musti ontuu vasenta takajalkaa")
    screenshots(page, "calendar-02-panel")
    panel.get_by_role("button", name=re.compile("^(Saapunut|Arrived)$")).click()
    expect(page.locator(f"a.cal-appt[data-appointment='{visit.pk}']")).to_have_class(
        re.compile("status-arrived")
    )
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.ARRIVED

    page.get_by_role("link", name=words("Viikko: kaikki", "Week: everyone")).click()
    expect(page.locator("table.cal-week")).to_contain_text("Seija Seppälä")
    screenshots(page, "calendar-03-week")

    page.get_by_role("link", name=words("Tulosta päivälista", "Print the day list")).click()
    expect(page.get_by_role("heading", name="Aino Virtanen")).to_be_visible()
    expect(page.locator("main")).to_contain_text("+358401112233")
    page.emulate_media(media="print")
    expect(page.locator("nav")).to_be_hidden()
    page.pdf(path=str(OUTPUT / "calendar-04-day-list.pdf"), format="A4")
    assert (OUTPUT / "calendar-04-day-list.pdf").stat().st_size > 1000
    page.screenshot(path=OUTPUT / "calendar-04-day-list-print.png", full_page=True)


def test_a_practitioner_lands_on_their_own_day(page, shot, axe_check, today_practice):
    vet, other, checkup, visit = today_practice
    user = make_staff("practitioner", roles.PRACTITIONER)
    vet.user = user
    vet.save()
    make_appointment(checkup, other, visit.start, customer=make_customer(name="Toisen Asiakas"))
    sign_in(page, "practitioner")
    page.get_by_role("link", name=words("Kalenteri", "Calendar")).first.click()
    expect(page.locator(".cal-head")).to_have_count(1)
    expect(page.locator(".cal-head")).to_contain_text("Aino Virtanen")
    expect(page.locator(".cal-grid")).to_contain_text("Seija Seppälä")
    expect(page.locator(".cal-grid")).not_to_contain_text("Toisen Asiakas")
    shot("calendar-05-own-day")
    axe_check("practitioner's own day")
    assert WorkingHours.objects.filter(practitioner=vet).exists()


def test_reception_drags_a_visit_to_a_free_time_and_a_taken_time_is_refused(page, shot, axe_check):
    vet = make_practitioner("Aino Virtanen")
    checkup = make_service([vet], name="Terveystarkastus", duration=30)
    day = next_open_weekday()
    visit = make_appointment(checkup, vet, at(day, 9), customer=make_customer(name="Raahattava Asiakas"))
    make_appointment(checkup, vet, at(day, 10), customer=make_customer(name="Varattu Aika"))
    make_staff("reception", roles.RECEPTION)
    blocked = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in(page, "reception")
    page.goto(f"/admin/calendar/?date={day.isoformat()}")
    page.get_by_role("link", name=words("Siirrä vetämällä", "Drag to move")).click()
    event = page.locator(".ec-event", has_text="Raahattava Asiakas")
    expect(event).to_be_visible()
    expect(page.locator(".cal-grid")).to_be_hidden()  # the calendar took the grid's place
    shot("calendar-06-drag")
    axe_check("calendar with drag")

    def top() -> float:
        return event.bounding_box()["y"] - page.locator(".cal-drag").bounding_box()["y"]

    def drag(slots: int) -> None:
        page.mouse.move(5, 5)
        page.wait_for_timeout(300)
        box = event.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + 6
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + 10, steps=3)
        page.mouse.move(x, y + 24 * slots, steps=10)
        page.mouse.up()

    drag(2)  # 9.00 → 9.30, free
    expect(page.locator(".cal-drag-status")).not_to_have_text(re.compile(r"^$|…"))
    visit.refresh_from_db()
    assert timezone.localtime(visit.start).time() == time(9, 30), page.locator(
        ".cal-drag-status"
    ).text_content()
    before = top()

    drag(2)  # 9.30 → 10.00, taken: refused, the block goes back
    expect(page.locator(".cal-drag-status.refused")).to_be_visible()
    shot("calendar-07-drag-refused")
    visit.refresh_from_db()
    assert timezone.localtime(visit.start).time() == time(9, 30)
    assert abs(top() - before) < 2
    assert not blocked, blocked


def test_calendar_pages_have_no_serious_accessibility_violations(page, axe_check, today_practice):
    """With JavaScript on: the drag calendar, an appointment's panel, the week of everyone, the
    compact and one-practitioner weeks, the day list and the feed page."""
    vet, _other, _checkup, visit = today_practice
    make_staff("reception", roles.RECEPTION)
    sign_in(page, "reception")
    page.goto("/admin/calendar/?drag=on")
    event = page.locator(".ec-event", has_text="Seija Seppälä")
    expect(event).to_be_visible()
    axe_check("day with drag")
    event.click()  # opens the server's panel of the appointment
    expect(page.locator(f"#appt-{visit.pk}")).to_be_visible()
    axe_check("panel over the drag calendar")
    for url, name in (
        ("/admin/calendar/", "day grid"),
        ("/admin/calendar/?view=week&practitioner=all", "week of everyone"),
        (f"/admin/calendar/?view=week&practitioner={vet.pk}", "week of one"),
        ("/admin/calendar/print/?practitioner=all", "day list"),
        ("/admin/calendar/feed/", "feed page"),
    ):
        page.goto(url)
        axe_check(name)
