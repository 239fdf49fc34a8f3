"""A practitioner's calendar feed for their phone: made and revoked from the staff site, the token
stored only hashed, no personal data in the feed, 404 for unknown or revoked links, rate-limited,
logged without the token."""

import logging
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from frontdesk.feed import create_calendar_feed, revoke_calendar_feed
from frontdesk.models import CalendarFeed, hash_feed_token
from inuvet.logs import redact
from tests.factories import at, make_appointment, make_customer, make_practitioner

pytestmark = pytest.mark.django_db
PAGE = reverse("admin:calendar_feed_page")


def parse_ics(body: bytes) -> list[dict]:
    """A small strict RFC 5545 reader, independent of the icalendar library that wrote the file:
    CRLF lines of at most 75 octets, folded lines unfolded, NAME[;PARAM=…]:VALUE, BEGIN/END
    balanced. Returns the components as dicts of their properties (VCALENDAR first)."""
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    raw_lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in raw_lines), "lines must be folded at 75 octets"
    lines: list[str] = []
    for line in raw_lines:
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    stack, components = [], []
    content = re.compile(r"^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:\"[^\"]*\"|[^;:,\"]*)(?:,[^;:]*)*)*):(.*)$")
    for text in lines:
        match = content.match(text)
        assert match, f"not a content line: {text!r}"
        name, _params, value = match.group(1).upper(), match.group(2), match.group(3)
        if name == "BEGIN":
            stack.append({"_type": value})
        elif name == "END":
            component = stack.pop()
            assert component["_type"] == value, "BEGIN/END do not match"
            components.append(component)
        else:
            assert stack, "a property outside any component"
            stack[-1].setdefault(name, []).append(value)
    assert not stack, "unclosed component"
    calendar = components[-1]
    assert calendar["_type"] == "VCALENDAR" and calendar["VERSION"] == ["2.0"] and calendar["PRODID"]
    events = [c for c in components if c["_type"] == "VEVENT"]
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND"):
            assert len(event.get(required, [])) == 1, f"{required} missing or repeated"
        assert re.fullmatch(r"\d{8}T\d{6}Z?", event["DTSTART"][0]) or event["DTSTART"][0]
    return [calendar, *events]


@pytest.fixture
def linked(client, practitioner_user, vet):
    vet.user = practitioner_user
    vet.save()
    client.force_login(practitioner_user)
    return client


def feed_url(response) -> str:
    return re.search(r'value="(https?://[^"]+/calendar-feed/[^"]+\.ics)"', response.content.decode()).group(1)


def test_practitioner_makes_a_link_and_the_feed_has_their_appointments_without_personal_data(
    linked, client, vet, checkup, open_day
):
    other = make_practitioner("Mikko Korhonen")
    person = make_customer(name="Sentinel Secretname", phone="+358401234567", email="sentinel@example.com")
    mine = make_appointment(
        checkup, vet, at(open_day, 9), customer=person, message="Koira Musti ontuu", language="fi"
    )
    make_appointment(checkup, other, at(open_day, 10), customer=person)
    make_appointment(checkup, vet, at(timezone.localdate() + timedelta(days=70), 10))  # beyond 60 days
    made = linked.post(PAGE, {"action": "create"})
    url = feed_url(made)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == hash_feed_token(token) and token not in feed.token_hash
    assert token not in linked.get(PAGE).content.decode()  # shown once only

    client.logout()
    response = client.get(url.split("testserver", 1)[1])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content
    calendar, *events = parse_ics(body)
    assert len(events) == 1
    assert mine.display_reference in events[0]["SUMMARY"][0] and "Terveystarkastus" in events[0]["SUMMARY"][0]
    text = body.decode()
    unfolded = text.replace("\r\n ", "")
    for personal in ("Sentinel", "Secretname", "+358401234567", "401234567", "sentinel@example.com", "Musti",
                     "ontuu"):  # fmt: skip
        assert personal not in unfolded
    assert "Mikko" not in unfolded


def test_revoked_and_unknown_links_get_404(client, vet, checkup):
    _feed, token = create_calendar_feed(practitioner=vet)
    url = reverse("calendar_feed", args=[token])
    assert client.get(url).status_code == 200
    assert client.get(reverse("calendar_feed", args=["x" * 43])).status_code == 404
    assert revoke_calendar_feed(practitioner=vet) == 1
    assert client.get(url).status_code == 404


def test_a_new_link_ends_the_old_one(client, vet):
    _first, old = create_calendar_feed(practitioner=vet)
    _second, new = create_calendar_feed(practitioner=vet)
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.active().count() == 1


def test_revoke_from_the_page(linked, vet):
    linked.post(PAGE, {"action": "create"})
    response = linked.post(PAGE, {"action": "revoke"})
    assert response.status_code == 302 and not CalendarFeed.objects.active().exists()


def test_a_user_without_a_practitioner_gets_no_link(client, reception, vet):
    client.force_login(reception)
    response = client.post(PAGE, {"action": "create"})
    assert response.status_code == 200 and not CalendarFeed.objects.exists()


def test_feed_fetches_are_rate_limited(client, vet, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "feed": (3, 3600)}
    _feed, token = create_calendar_feed(practitioner=vet)
    url = reverse("calendar_feed", args=[token])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(reverse("calendar_feed", args=["guess"])).status_code == 429


def test_fetches_are_logged_without_the_token(client, vet, caplog):
    _feed, token = create_calendar_feed(practitioner=vet)
    with caplog.at_level(logging.INFO, logger="inuvet.feed"):
        client.get(reverse("calendar_feed", args=[token]))
        client.get(reverse("calendar_feed", args=["wrong" * 9]))
    messages = [r.getMessage() for r in caplog.records if r.name == "inuvet.feed"]
    assert len(messages) == 2 and "fetched" in messages[0]
    assert all(token not in m and "wrong" not in m for m in messages)
    # The access log masks the token in the path.
    assert token not in redact(f"GET /ajanvaraus/calendar-feed/{token}.ics 200")
    assert "/calendar-feed/[token]" in redact(reverse("calendar_feed", args=[token]))
