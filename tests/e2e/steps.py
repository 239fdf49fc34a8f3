"""What a client does in the browser, in words a test reads as a story. Every step clicks, types
or chooses what a person sees on the screen; none posts a form by hand."""

import re
from datetime import date, datetime

from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from online.converters import SlotStartConverter


def choose_service(page, name: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(name)).click()


def go_to_week_of(page, day: date) -> None:
    """Click "next week" until the week showing `day` (a week or two ahead), then choose the day in
    the strip of days when the screen shows one (a phone shows one day's times at a time)."""
    for _ in range(6):
        if page.locator(f"a.slot[href*='/{day:%Y%m%d}T']").count():
            choose_day(page, day)
            return
        next_week(page)
    raise AssertionError(f"no free times shown for {day}")


def next_week(page) -> None:
    heading = page.locator("#week-heading").inner_text()
    page.locator(".week-nav a[rel=next]").click()
    expect(page.locator("#week-heading")).not_to_have_text(heading)  # in place or a new page


def choose_day(page, day: date) -> None:
    """Tap the day in the strip (phones); on a wide screen the whole week is already shown."""
    page.locator(f"a.slot[href*='/{day:%Y%m%d}T']").first.wait_for(state="attached")  # the week is in
    chip = page.locator(f"a.day-chip[data-day='{day.isoformat()}']")
    if chip.is_visible():
        chip.click()
        expect(chip).to_have_attribute("aria-current", "true")
    expect(page.locator(f"a.slot[href*='/{day:%Y%m%d}T']").first).to_be_visible()


def choose_practitioner(page, label: str, option: str, *, button: str | None = None) -> None:
    """Choose in the list; without JavaScript the button below it shows their times. With it the
    times follow at once (and the address says whose they are)."""
    page.get_by_label(label).select_option(label=option)
    if button:
        page.get_by_role("button", name=button).click()
    value = page.get_by_label(label).input_value()
    expect(page).to_have_url(re.compile(rf"practitioner={value}\b"))


def slot_at(page, start: datetime):
    """The time button of a start time on the picker."""
    return page.locator(f"a.slot[href*='/{SlotStartConverter().to_url(start)}/']")


# The details form's labels, as fill_details(labels=...) finds them.
FINNISH = {"name": "Nimi", "phone": "Puhelin", "email": "^Sähköposti", "message": "Viesti"}
SWEDISH = {"name": "Namn", "phone": "Telefon", "email": "^E-post", "message": "Meddelande"}
ENGLISH = {"name": "Name", "phone": "Phone", "email": "^Email", "message": "Message"}


def fill_details(page, *, name: str, phone: str, email: str, message: str = "", labels=FINNISH) -> None:
    # Anchored: "Eläimen nimi", "Djurets namn" and "Animal's name" are labels too.
    page.get_by_label(re.compile(r"^\s*" + labels["name"].lstrip("^"))).fill(name)
    page.get_by_label(labels["phone"]).fill(phone)
    page.get_by_role("textbox", name=re.compile(labels["email"])).fill(email)
    if message:
        page.get_by_label(re.compile(labels["message"])).fill(message)


def link_in_last_email(pattern: str = r"/manage/") -> str:
    """The path of the newest email's link that matches, as the person's email app opens it."""
    body = mail.outbox[-1].body
    found = [url for url in re.findall(r"https?://\S+", body) if re.search(pattern, url)]
    assert found, f"no link matching {pattern} in: {body[:500]}"
    assert found[0].startswith(settings.PUBLIC_URL), found[0]
    return "/" + found[0][len(settings.PUBLIC_URL) :]


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")
