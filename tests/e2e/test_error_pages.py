"""The error pages' inline stylesheet is applied by a real browser under the strict Content
Security Policy (allowed by its hash), and nothing on them is blocked."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_not_found_page_is_styled_under_the_content_security_policy(page, shot, axe_check):
    blocked = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
    )

    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert "'self'" in response.headers["content-security-policy"]
    header = page.locator(".site-header")
    assert header.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(11, 93, 99)"
    assert blocked == []
    shot("error-404")
    axe_check("not found page")
