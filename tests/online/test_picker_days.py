"""The slot picker on a phone: a strip of days, one day's times grouped by morning and afternoon,
the steps of the flow, and public pages that carry no CSRF token and touch no session."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.calendar import monday_of
from online.steps import STEPS, Step, progress
from tests.factories import at, make_appointment, make_practitioner

pytestmark = pytest.mark.django_db


def picker(client, service, **query):
    response = client.get(reverse("online:slots", args=[service.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def strip(page: str) -> str:
    return re.search(r'<nav class="day-strip".*?</nav>', page, re.S).group(0)


def selected_section(page: str) -> str:
    return re.search(r'<section class="day is-selected".*?</section>', page, re.S).group(0)


def test_each_day_shows_its_number_of_free_times_and_full_days_are_not_links(client, checkup, open_day):
    vet = checkup.practitioners.get()
    for hour in range(8, 16):  # the whole day booked, every half hour
        for minute in (0, 30):
            if (hour, minute) != (11, 30):
                make_appointment(checkup, vet, at(open_day, hour, minute))
    page = picker(client, checkup, week=open_day.isoformat())
    days = strip(page)
    full = open_day.isoformat()
    assert f'data-day="{full}"' not in days  # not offered as a link
    assert f"{open_day.day}.{open_day.month}." in days and 'class="day-chip is-empty"' in days
    other = next(d for d in (open_day + timedelta(days=n) for n in (-3, -2, -1, 1, 2, 3)) if d.weekday() < 5)
    if monday_of(other) == monday_of(open_day) and other > timezone.localdate():
        link = re.search(
            rf'<a class="day-chip[^"]*" href="[^"]*day={other.isoformat()}"[^>]*>(.*?)</a>', days, re.S
        )
        assert link and re.search(r"\d+ (free|vapaa)", link.group(1))


def test_first_day_with_free_times_is_preselected_and_a_chosen_day_shows_alone(client, checkup, open_day):
    page = picker(client, checkup, week=open_day.isoformat())
    chosen_link = re.search(r'<a class="day-chip is-selected" href="[^"]*day=([\d-]+)"', page)
    first_with_times = re.search(r'<a class="day-chip[^"]*" href="[^"]*day=([\d-]+)"', page)
    assert chosen_link and chosen_link.group(1) == first_with_times.group(1)
    assert page.count('class="day is-selected') == 1

    later = open_day + timedelta(days=1) if open_day.weekday() < 4 else open_day
    page = picker(client, checkup, week=open_day.isoformat(), day=later.isoformat())
    assert f'id="day-{later.isoformat()}"' in selected_section(page)
    assert 'aria-current="true"' in re.search(rf'<a [^>]*data-day="{later.isoformat()}"[^>]*>', page).group(0)


def test_a_day_asked_for_outside_the_week_or_malformed_falls_back_to_the_first_free_day(
    client, checkup, open_day
):
    expected = picker(client, checkup, week=open_day.isoformat())
    for junk in ["2001-01-01", "yesterday", "2026-13-45", "\x00"]:
        page = picker(client, checkup, week=open_day.isoformat(), day=junk)
        assert selected_section(page) == selected_section(expected)


def test_the_days_times_are_grouped_into_morning_and_afternoon_with_spoken_labels(
    en_client, checkup, open_day
):
    page = picker(en_client, checkup, week=open_day.isoformat(), day=open_day.isoformat())
    section = selected_section(page)
    morning, afternoon = section.index(">Morning<"), section.index(">Afternoon<")
    assert morning < section.index(">08:00<") < afternoon < section.index(">12:00<")
    assert section.index(">11:00<") < afternoon
    assert re.search(r'aria-label="\w+day [^"]* at 12:00"', section)


def test_past_days_are_not_shown(client, checkup):
    today = timezone.localdate()
    page = picker(client, checkup)  # this week
    shown = set(re.findall(r'id="day-([\d-]+)"', page))
    assert shown and all(day >= today.isoformat() for day in shown)
    for past in range((today - monday_of(today)).days):
        day = monday_of(today) + timedelta(days=past)
        assert f'id="day-{day.isoformat()}"' not in page


def test_a_chosen_practitioner_books_that_practitioner_from_every_time_and_day_link(
    client, checkup, open_day
):
    mikko = make_practitioner("Mikko Korhonen")
    checkup.practitioners.add(mikko)
    page = picker(client, checkup, practitioner=str(mikko.pk), week=open_day.isoformat())
    slots = re.findall(r'class="btn btn-outline-primary slot[^"]*" href="([^"]+)"', page)
    assert slots and all(f"/{mikko.pk}/" in url for url in slots)
    day_links = re.findall(r'class="day-chip[^"]*" href="([^"]+)"', page)
    assert day_links and all(f"practitioner={mikko.pk}" in url.replace("&amp;", "&") for url in day_links)


def test_steps_link_back_to_the_steps_before(client, checkup, open_day):
    home = client.get("/").content.decode()
    assert 'aria-current="step"' in home and 'class="step step-done"' not in home
    page = picker(client, checkup, week=open_day.isoformat())
    assert re.search(r'class="step step-done"><a class="step-inner" href="/">', page)
    details = client.get(
        reverse(
            "online:details",
            kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)},
        )
    ).content.decode()
    back_to_time = re.search(
        r'class="step step-done"><a class="step-inner" href="([^"]+)"',
        details.split("step-done", 2)[0] + "step-done" + details.split("step-done", 2)[2],
    )
    assert back_to_time and back_to_time.group(1).startswith(reverse("online:slots", args=[checkup.pk]))
    assert f"day={open_day.isoformat()}" in back_to_time.group(1)


def test_the_steps_are_one_list_and_a_new_step_shows_everywhere(client, checkup, monkeypatch):
    monkeypatch.setattr("online.steps.STEPS", [Step("species", "Animal"), *STEPS])
    assert [step["state"] for step in progress("time", {"species": "/animal/"})] == [
        "done",
        "done",
        "current",
        "todo",
        "todo",
    ]
    page = client.get("/").content.decode()
    assert ">Animal<" in page


@pytest.mark.parametrize("url_name", ["online:home", "online:slots"])
def test_start_page_and_picker_carry_no_csrf_token_and_touch_no_session(client, checkup, url_name):
    url = reverse(url_name, args=[checkup.pk] if url_name == "online:slots" else [])
    response = client.get(url)
    page = response.content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert not response.cookies  # no session, no CSRF cookie
    assert "Cookie" not in response.get("Vary", "").replace("Accept-Language", "")


def test_start_page_and_picker_are_gzipped_and_pages_with_a_secret_are_not(client, checkup, open_day):
    gzip = {"HTTP_ACCEPT_ENCODING": "gzip"}
    for url in ["/", reverse("online:slots", args=[checkup.pk])]:
        assert client.get(url, **gzip).get("Content-Encoding") == "gzip", url
    details = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(open_day, 9)}
    )
    response = client.get(details, **gzip)
    assert "csrfmiddlewaretoken" in response.content.decode() and not response.has_header("Content-Encoding")


def test_dates_are_written_day_first_in_every_language():
    from django.utils import translation

    from bookings.templatetags.booking_format import when

    moment = at(timezone.localdate().replace(year=2026, month=12, day=2), 8)
    expected = {"fi": "ke 2.12.2026 klo 8.00", "sv": "ons 2.12.2026 kl. 8.00", "en": "Wed 2.12.2026 at 8:00"}
    for language, text in expected.items():
        with translation.override(language):
            assert when(moment) == text


def test_the_practices_colour_rule_is_allowed_by_its_hash_and_nothing_else_inline(client, checkup):
    import base64
    import hashlib

    response = client.get("/")
    styles = re.findall(r"<style>(.*?)</style>", response.content.decode(), re.S)
    assert styles == [":root{--brand:#0b5d63}"]
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy and "unsafe-inline" not in policy
