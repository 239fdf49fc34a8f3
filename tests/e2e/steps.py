"""What a client does in the browser, in words a test reads as a story. Every step clicks, types
or chooses what a person sees on the screen; none posts a form by hand."""

import re
from datetime import date, datetime

from django.conf import settings
from django.core import mail

from online.converters import SlotStartConverter


def choose_service(page, name: str) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile(name)).click()


def go_to_week_of(page, day: date) -> None:
    """Click "next week" until the week showing `day` (a week or two ahead)."""
    for _ in range(6):
        if page.locator(f"a.slot[href*='/{day:%Y%m%d}T']").count():
            return
        page.locator("a[rel=next]").click()
    raise AssertionError(f"no free times shown for {day}")


def slot_at(page, start: datetime):
    """The time button of a start time on the picker."""
    return page.locator(f"a.slot[href*='/{SlotStartConverter().to_url(start)}/']")


def fill_details(page, *, name: str, phone: str, email: str, message: str = "", labels=None) -> None:
    labels = labels or {"name": "Nimi", "phone": "Puhelin", "email": "^Sähköposti", "message": "Viesti"}
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
