"""Every public page in a real Chromium: screenshots on a phone and a desktop (test-output/e2e/,
looked at by a person), axe-core, and a visible focus ring of at least 3:1 on every control a
keyboard reaches."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.services import cancel_appointment
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import at, make_appointment, next_open_weekday
from tests.public_pages import link, make_practice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The colour of the ring, its width, and the colour just outside it (what the ring must stand out
# from): WCAG 2.2, 1.4.11 non-text contrast and 2.4.13 focus appearance.
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const parse = (c) => {
    const p = c.match(/[\\d.]+/g).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const behind = (node) => {
    for (; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.a > 0.99) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const style = getComputedStyle(el);
  const width = parseFloat(style.outlineWidth) || 0;
  const offset = parseFloat(style.outlineOffset) || 0;
  const rect = el.getBoundingClientRect();
  const x = Math.max(0, rect.left - offset - width - 2), y = rect.top + rect.height / 2;
  const around = document.elementsFromPoint(x, y).find((n) => n !== el && !el.contains(n));
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + (el.innerText || el.name || "").slice(0, 30),
    style: style.outlineStyle, width: width, ring: parse(style.outlineColor), around: behind(around),
  };
}"""


def luminance(c: dict) -> float:
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c["r"]) + 0.7152 * channel(c["g"]) + 0.0722 * channel(c["b"])


def contrast(a: dict, b: dict) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_rings(page, limit: int = 80) -> list[dict]:
    """Tab from the top of the page through every control once; the ring of each."""
    page.locator("body").focus()
    page.evaluate("window.scrollTo(0, 0); document.activeElement.blur()")
    rings, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None or ring["what"] in seen:
            break
        seen.add(ring["what"])
        rings.append(ring)
    return rings


def weak_rings(page) -> list[str]:
    return [
        f"{r['what']}: {r['style']} {r['width']}px, contrast {contrast(r['ring'], r['around']):.2f}"
        for r in focus_rings(page)
        if r["style"] == "none" or r["width"] < 2 or contrast(r["ring"], r["around"]) < 3
    ]


@pytest.fixture
def pages():
    """Name → path of every public page a GET reaches, with a booking in each state."""
    day = next_open_weekday()
    service, aino, mikko = make_practice(day)
    booking = make_appointment(service, aino, at(day, 11), message="Koira ontuu.\nEtujalka.")
    cancelled = make_appointment(service, aino, at(day, 14))
    cancel_appointment(appointment=cancelled, by_client=True)
    near = make_appointment(service, mikko, timezone.now() + timedelta(hours=5))
    make_appointment(service, aino, at(day, 13))
    picker = f"/book/{service.pk}/"
    return {
        "p01-start": "/",
        "p02-picker": f"{picker}?week={day.isoformat()}",
        "p03-picker-empty-week": f"{picker}?week={(day + timedelta(days=400)).isoformat()}",
        "p04-details": reverse(
            "online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": at(day, 9)}
        ),
        "p05-manage": link(booking),
        "p05-confirmation": link(booking) + "?booked",
        "p06-manage-cancelled": link(cancelled),
        "p07-manage-too-late": link(near),
        "p08-cancel": link(booking, "online:manage_cancel"),
        "p09-move": link(booking, "online:manage_move") + f"?week={day.isoformat()}",
        "p10-move-confirm": link(booking, "online:manage_move_confirm", start=at(day, 13)),
        "p11-correct": link(booking, "online:manage_correct"),
        "p12-erase": link(booking, "online:manage_erase"),
        "p13-erase-inside-cutoff": link(near, "online:manage_erase"),
        "p14-lookup": "/manage/",
        "p15-privacy-notice": "/privacy/",
        "p16-privacy-request": "/privacy/request/",
        "p17-privacy-verify": "/privacy/verify/a-link-from-an-email/",
        "p18-not-found": "/manage/K7M4QX/" + "a" * 32 + "/",
    }


def test_screenshots_and_axe_of_every_public_page(page, pages, shot, axe_check):
    for name, path in pages.items():
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        shot(name)
        axe_check(name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_nothing_at_all_on_every_public_page_on_a_phone_and_a_desktop(page, pages, viewport):
    """Every impact counts here, minor ones too."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    found = {}
    for name, path in pages.items():
        page.goto(path)
        violations = axe.run(page).response["violations"]
        if violations:
            found[name] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:2]) for v in violations]
    assert not found, found


@pytest.mark.parametrize("language", ["sv", "en"])
def test_screenshots_of_the_start_and_privacy_pages_in_swedish_and_english(page, pages, shot, language):
    page.goto("/")
    page.get_by_role("link", name={"sv": "Svenska", "en": "English"}[language]).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    shot(f"p01-start-{language}")
    page.goto("/privacy/")
    shot(f"p15-privacy-notice-{language}")


def test_every_control_a_keyboard_reaches_shows_a_ring_of_at_least_3_to_1(page, pages):
    weak = {}
    for name in ("p01-start", "p02-picker", "p05-manage", "p11-correct", "p14-lookup"):
        page.goto(pages[name])
        weak[name] = weak_rings(page)
    page.goto(pages["p04-details"])
    page.get_by_role("button", name="Vahvista varaus").click()  # errors: the summary and its links
    weak["details with errors"] = weak_rings(page)
    assert not any(weak.values()), {name: rings for name, rings in weak.items() if rings}
    assert re.search("Virhe", page.title())
