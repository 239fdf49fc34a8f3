"""Browser tests in a real headless Chromium (Debian's package) driven by Playwright.

They skip with a message when Chromium or Playwright is missing; CI installs both.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


@pytest.fixture(scope="session")
def browser():
    if sync_playwright is None:
        pytest.skip("Playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def viewport():
    """A phone by default (clients); staff tests override it with DESKTOP."""
    return PHONE


@pytest.fixture
def page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, locale="fi-FI", base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def screenshots(page, name: str) -> None:
    """Full-page screenshots of the page as it is, on a phone and on a desktop, under
    test-output/e2e/ (NAME-phone.png, NAME-desktop.png); the page is left at its own size."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=OUTPUT / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=OUTPUT / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(size)


@pytest.fixture
def shot(page):
    """shot("name") saves full-page screenshots, phone and desktop, under test-output/e2e/."""
    return lambda name: screenshots(page, name)


@pytest.fixture
def axe_check(page):
    """Run axe-core on the current page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(name: str):
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
        assert not bad, f"{name}: {summary}"

    return check
