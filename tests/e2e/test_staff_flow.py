"""Staff journeys in a real Chromium on a desktop screen, clicking what staff see, in Finnish:
reception books a phone client from a calendar cell (the searched number carried into the form),
books a walk-in now, moves a visit, cancels one through its confirm step; the administrator closes
a day and moves or cancels the visits on it; a vet marks a visit arrived and completed. Every page
passes axe with no serious or critical violations."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Appointment, Closure, WorkingHours
from inuvet import roles
from tests.e2e.conftest import DESKTOP
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
PASSWORD = "correct-horse-battery"


@pytest.fixture
def viewport():
    return DESKTOP


def words(*alternatives: str) -> re.Pattern:
    return re.compile("|".join(re.escape(a) for a in alternatives), re.IGNORECASE)


def sign_in(page, username: str) -> None:
    page.goto("/admin/")
    page.get_by_label(words("Käyttäjätunnus", "Username")).fill(username)
    page.get_by_label(words("Salasana", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=words("Kirjaudu sisään", "Log in")).click()
    assert "/admin/login/" not in page.url


@pytest.fixture
def practice():
    vet = make_practitioner("Aino Virtanen", title="eläinlääkäri")
    other = make_practitioner("Mikko Korhonen", title="eläinlääkäri")
    checkup = make_service([vet, other], name="Terveystarkastus")
    return vet, other, checkup


def test_reception_books_a_phone_client_from_a_calendar_cell_with_the_searched_number(
    page, shot, axe_check, practice
):
    vet, _other, checkup = practice
    make_staff("reception", roles.RECEPTION)
    day = next_open_weekday()
    sign_in(page, "reception")
    page.get_by_role("link", name=words("Kalenteri", "Calendar")).first.click()
    page.get_by_label(words("Päivämäärä", "Date")).first.fill(day.isoformat())
    page.get_by_role("button", name=words("Näytä", "Show")).first.click()
    page.get_by_label(words("Palvelu uusille varauksille", "Service for new bookings")).select_option(
        label="Terveystarkastus"
    )
    page.get_by_role("button", name=words("Käytä", "Use")).click()
    shot("staff-01-calendar")
    axe_check("calendar")

    page.locator(f"a.cal-cell[href*='practitioner={vet.pk}'][href*='T10:00']").click()
    assert page.get_by_label(words("Palvelu", "Service")).first.input_value() == str(checkup.pk)
    assert page.get_by_label(words("Aika", "Time")).first.input_value() == "10:00"
    page.get_by_label(words("Nimi, puhelin", "Name, phone")).fill("040 765 4321")
    page.get_by_role("button", name=words("Hae", "Search")).click()
    assert page.get_by_role("textbox", name=re.compile("^(Puhelin|Phone)")).input_value() == "040 765 4321"
    page.get_by_role("textbox", name=re.compile("^(Nimi|Name):")).fill("Puhelin Asiakas")
    page.get_by_label(words("Käynnin syy", "Reason for the visit")).fill("Rokotus")
    shot("staff-02-booking-form")
    axe_check("booking form")
    page.get_by_role("button", name=re.compile("^(Varaa|Book)$")).click()

    appointment = Appointment.objects.get()
    assert appointment.source == "phone" and appointment.practitioner == vet
    assert appointment.start == at(day, 10) and appointment.customer.phone == "+358407654321"
    assert "/admin/bookings/appointment/" in page.url
    shot("staff-03-appointment")
    axe_check("appointment page")


def test_reception_books_a_walk_in_now(page, shot, axe_check):
    vet = make_practitioner("Aino Virtanen", hours={})
    for weekday in range(7):  # open round the clock, so "now" is inside the hours whenever this runs
        WorkingHours.objects.create(practitioner=vet, weekday=weekday, start=time(0), end=time(23, 55))
    quick = make_service([vet], name="Pikakäynti", duration=5, slot_step=5, min_notice=0)
    make_staff("reception", roles.RECEPTION)
    sign_in(page, "reception")
    page.goto("/admin/calendar/")
    page.get_by_label(words("Palvelu uusille varauksille", "Service for new bookings")).select_option(
        label="Pikakäynti"
    )
    page.get_by_role("button", name=words("Käytä", "Use")).click()
    page.get_by_role("button", name=words("Asiakas paikalla nyt", "Walk-in now")).first.click()
    assert page.get_by_label(words("Varaustapa", "Booked by")).input_value() == "walk_in"
    assert not page.get_by_label(words("Lähetä vahvistus", "Send the confirmation")).is_checked()
    page.get_by_role("textbox", name=re.compile("^(Nimi|Name):")).fill("Paikalla Oleva")
    page.get_by_role("textbox", name=re.compile("^(Puhelin|Phone)")).fill("040 111 2222")
    shot("staff-04-walk-in")
    axe_check("walk-in form")
    page.get_by_role("button", name=re.compile("^(Varaa|Book)")).click()
    override = page.get_by_label(words("Varaa silti, koska", "Book anyway, because"))
    if override.count():  # a public holiday, or the five minutes before midnight
        override.fill("asiakas paikalla")
        page.get_by_role("button", name=words("Varaa silti", "Book anyway")).click()
    appointment = Appointment.objects.get()
    assert appointment.source == "walk_in" and appointment.service == quick
    assert abs(appointment.start - timezone.now()) < timedelta(minutes=10)


def test_reception_moves_a_visit_and_cancels_one_with_a_reason(page, shot, axe_check, practice):
    vet, _other, checkup = practice
    make_staff("reception", roles.RECEPTION)
    day = next_open_weekday()
    to_move = make_appointment(checkup, vet, at(day, 9))
    to_cancel = make_appointment(checkup, vet, at(day, 13), customer=make_customer(email=""))
    sign_in(page, "reception")

    page.goto(f"/admin/calendar/?date={day.isoformat()}")
    page.get_by_role("link", name=re.compile(to_move.display_reference)).click()  # its panel
    page.get_by_role("link", name=words("Avaa ajanvaraus", "Open the appointment")).click()
    page.get_by_label(words("Aika", "Time")).first.fill("14:30")
    page.get_by_role("button", name=re.compile("^(Siirrä|Move)$")).click()
    page.wait_for_load_state()
    to_move.refresh_from_db()
    assert to_move.start == at(day, 14, 30)
    shot("staff-05-moved")

    page.goto(f"/admin/calendar/?date={day.isoformat()}")
    page.get_by_role("link", name=re.compile(to_cancel.display_reference)).click()
    page.get_by_role("link", name=words("Peru ajanvaraus", "Cancel appointment")).click()
    to_cancel.refresh_from_db()
    assert to_cancel.status == "confirmed"  # the confirm step first
    page.get_by_label(words("Syy", "Reason")).fill("eläinlääkäri sairas")
    shot("staff-06-cancel-confirm")
    axe_check("cancel confirm")
    page.get_by_role("button", name=words("Kyllä, peru", "Yes, cancel")).click()
    page.wait_for_load_state()
    to_cancel.refresh_from_db()
    assert to_cancel.status == "cancelled" and to_cancel.cancel_reason == "eläinlääkäri sairas"
    # Back on the calendar the cancel came from, which says to phone the client (no email).
    assert "/admin/calendar/" in page.url
    expect(page.locator("ul.messagelist")).to_contain_text(words("puhelimitse", "by phone"))
    shot("staff-07-cancelled")


def test_the_administrator_closes_a_day_and_moves_or_cancels_its_visits(page, shot, axe_check, practice):
    vet, other, checkup = practice
    make_staff("admin", roles.ADMINISTRATOR)
    day = next_open_weekday()
    to_move = make_appointment(checkup, vet, at(day, 9))
    to_cancel = make_appointment(checkup, vet, at(day, 10))
    sign_in(page, "admin")
    page.goto("/admin/bookings/closure/add/")
    page.get_by_label(words("Alkaa", "From")).fill(f"{day.isoformat()}T00:00")
    page.get_by_label(words("Päättyy", "Until")).fill(f"{(day + timedelta(days=1)).isoformat()}T00:00")
    page.get_by_label(words("Ammattilainen", "Practitioner")).select_option(label="Aino Virtanen")
    page.get_by_label(words("Syy (sisäinen)", "Reason (internal)")).fill("koulutus")
    page.get_by_role("button", name=re.compile("^(Tallenna|Save)$")).click()

    assert Closure.objects.count() == 1 and "/calendar/affected/" in page.url
    expect(page.get_by_text(to_move.display_reference).first).to_be_visible()
    shot("staff-08-affected")
    axe_check("affected appointments")
    page.locator(f"#a{to_cancel.pk}").select_option(value="cancel")
    move_option = page.locator(f"#a{to_move.pk} option", has_text="Mikko Korhonen").first
    page.locator(f"#a{to_move.pk}").select_option(value=move_option.get_attribute("value"))
    page.get_by_label(words("Perumisen syy", "Reason for cancelling")).fill("klinikka suljettu")
    page.get_by_role("button", name=words("Jatka", "Continue")).click()
    shot("staff-09-affected-confirm")
    axe_check("affected confirm")
    page.get_by_role("button", name=words("Vahvista", "Confirm")).click()
    expect(page.get_by_text(words("siirretty tai peruttu", "moved or cancelled")).first).to_be_visible()

    to_move.refresh_from_db()
    to_cancel.refresh_from_db()
    assert to_move.practitioner == other and to_move.status == "confirmed"
    assert to_cancel.status == "cancelled" and to_cancel.cancel_reason == "klinikka suljettu"
    shot("staff-10-affected-done")


def test_a_vet_marks_a_visit_arrived_and_completed(page, shot, axe_check, practice):
    vet, _other, checkup = practice
    make_staff("vet", roles.PRACTITIONER)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    visit = make_appointment(checkup, vet, start)
    sign_in(page, "vet")
    page.goto(f"/admin/calendar/?date={timezone.localdate(start).isoformat()}")
    shot("staff-11-vet-calendar")
    axe_check("vet's calendar")
    page.get_by_role("link", name=re.compile(visit.display_reference)).click()
    page.get_by_role("button", name=re.compile("^(Saapunut|Arrived)$")).click()
    page.wait_for_load_state()
    visit.refresh_from_db()
    assert visit.status == "arrived"
    page.get_by_role("button", name=re.compile("^(Käyty|Completed)$")).click()
    page.wait_for_load_state()
    visit.refresh_from_db()
    assert visit.status == "completed"
    shot("staff-12-completed")
    axe_check("appointment after the visit")


def test_every_staff_page_passes_axe(page, axe_check, practice):
    """The staff pages, each as a role that uses it: no serious or critical axe violation."""
    from auditlog.models import LogEntry

    from privacy.erasure import erase_person
    from privacy.models import DataSubjectRequest, ErasureReceipt

    vet, _other, checkup = practice
    day = next_open_weekday()
    customer = make_customer(name="Axe Asiakas")
    appointment = make_appointment(checkup, vet, at(day, 9), customer=customer)
    closure = Closure.objects.create(start=at(day, 0), end=at(day, 23), reason="koulutus")
    request = DataSubjectRequest.objects.create(kind="rectification", channel="email", customer=customer)
    gone = make_customer(name="Poistettava")
    receipt = erase_person(customers=[gone], reason=ErasureReceipt.Reason.REQUEST)
    make_staff("reception", roles.RECEPTION)
    make_staff("dpo", roles.DATA_PROTECTION_OFFICER)
    make_staff("admin", roles.ADMINISTRATOR)
    make_staff("vet", roles.PRACTITIONER)
    pages = {
        "reception": [
            "/admin/",
            f"/admin/calendar/?date={day.isoformat()}",
            f"/admin/calendar/?view=week&practitioner={vet.pk}&date={day.isoformat()}",
            "/admin/calendar/book/",
            "/admin/customers/customer/",
            f"/admin/customers/customer/{customer.pk}/change/",
            "/admin/customers/customer/?q=Axe",  # the confirm step of a search from a link
            "/admin/bookings/appointment/",
            f"/admin/bookings/appointment/{appointment.pk}/move/",
            f"/admin/bookings/appointment/{appointment.pk}/cancel/",
            f"/admin/calendar/affected/?closure={closure.pk}",
            "/admin/reports/",
        ],
        "dpo": [
            "/admin/privacy/",
            "/admin/privacy/find/",
            "/admin/privacy/datasubjectrequest/",
            f"/admin/privacy/datasubjectrequest/{request.pk}/change/",
            f"/admin/privacy/erasurereceipt/{receipt.pk}/change/",
            "/admin/auditlog/logentry/",
            f"/admin/auditlog/logentry/{LogEntry.objects.first().pk}/change/",
            "/admin/axes/accesslog/",
            "/admin/axes/accessfailurelog/",
        ],
        "admin": [
            "/admin/bookings/closure/add/",
            f"/admin/bookings/practitioner/{vet.pk}/change/",
            f"/admin/bookings/service/{checkup.pk}/change/",
            "/admin/auth/user/add/",
            "/admin/axes/accessattempt/",
            "/admin/2fa/",
        ],
        "vet": ["/admin/customers/customer/"],  # the staff 403 page
    }
    for username, urls in pages.items():
        page.context.clear_cookies()
        sign_in(page, username)
        for url in urls:
            page.goto(url)
            axe_check(f"{username} {url}")
