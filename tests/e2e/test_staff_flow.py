"""A receptionist signs in, books a phone client from the calendar and marks the visit done."""

import re

import pytest

from bookings.models import Appointment
from inuvet import roles
from tests.factories import make_practitioner, make_service, make_staff, next_open_weekday

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("staff_roles"),
]


def test_receptionist_books_a_phone_client_and_marks_the_visit_completed(browser, live_server):
    make_staff("reception", roles.RECEPTION)
    vet = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    make_service([vet], name="Terveystarkastus")
    day = next_open_weekday()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    from tests.e2e.conftest import OUTPUT

    page.goto("/admin/")
    page.fill("#id_username", "reception")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name=re.compile("Kalenteri|Calendar")).first.click()
    page.goto(page.url.split("?")[0] + f"?date={day.isoformat()}")
    page.screenshot(path=OUTPUT / "staff-01-calendar.png", full_page=True)

    page.locator("a.cal-cell[href*='T10:00']").first.click()
    page.screenshot(path=OUTPUT / "staff-02-booking-form.png", full_page=True)
    page.select_option("#id_service", label="Terveystarkastus")
    page.fill("#id_name", "Puhelin Asiakas")
    page.fill("#id_phone", "040 765 4321")
    page.locator("input[type=submit].default").click()

    appointment = Appointment.objects.get()
    assert appointment.source == "phone" and appointment.practitioner == vet
    assert "/admin/bookings/appointment/" in page.url
    page.screenshot(path=OUTPUT / "staff-03-appointment.png", full_page=True)

    page.locator("button[name=status][value=arrived]").click()
    page.locator("button[name=status][value=completed]").click()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    page.goto(f"/admin/calendar/?date={day.isoformat()}")
    assert page.get_by_text(appointment.display_reference).is_visible()
    page.screenshot(path=OUTPUT / "staff-04-calendar-after.png", full_page=True)
    context.close()
