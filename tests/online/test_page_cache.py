"""The shared page cache (online/page_cache.py): served from the cache while nothing changed, never
a time that a committed booking took, never anything personal."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.calendar import monday_of
from bookings.models import Appointment, WorkingHours
from bookings.services import book_appointment, cancel_appointment, move_appointment
from online import page_cache
from online.converters import SlotStartConverter
from online.manage import DRAFT_KEY
from tests.factories import (
    at,
    make_appointment,
    make_closure,
    make_practitioner,
    make_service,
    next_open_weekday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return next_open_weekday()


def picker(client, service, day, practitioner="any"):
    url = reverse("online:slots", kwargs={"service_id": service.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"week": monday_of(day).isoformat(), "practitioner": practitioner})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def offered(page: str, start) -> bool:
    return f"/{SlotStartConverter().to_url(start)}/" in page


def test_the_picker_is_rendered_once_and_then_served_from_the_cache(client, checkup, day):
    first, first_queries = picker(client, checkup, day)
    again, again_queries = picker(client, checkup, day)
    assert offered(first, at(day, 9)) and again == first
    assert again_queries < first_queries and again_queries == 1  # the versions of its practitioners


def test_a_booking_takes_its_time_off_the_cached_picker_at_once(client, checkup, vet, day):
    assert offered(picker(client, checkup, day)[0], at(day, 9))
    book_appointment(
        service=checkup, start=at(day, 9), name="Maija M", phone="0401234567", email="m@example.com"
    )
    page, _ = picker(client, checkup, day)
    assert not offered(page, at(day, 9)) and offered(page, at(day, 10))


def test_cancelling_and_moving_change_the_cached_picker_at_once(client, checkup, vet, day):
    appointment = make_appointment(checkup, vet, at(day, 9))
    assert not offered(picker(client, checkup, day)[0], at(day, 9))
    move_appointment(appointment=appointment, start=at(day, 11), by_client=False)
    page, _ = picker(client, checkup, day)
    assert offered(page, at(day, 9)) and not offered(page, at(day, 11))
    cancel_appointment(appointment=Appointment.objects.get(), by_client=False, notify=False)
    assert offered(picker(client, checkup, day)[0], at(day, 11))


def test_a_move_to_another_practitioner_frees_the_old_ones_calendar_for_every_service(
    client, checkup, vet, day
):
    """Aino's other service's page shows only Aino: the move must change her version too."""
    other = make_practitioner("Mikko Mäkelä")
    checkup.practitioners.add(other)
    only_aino = make_service([vet], name="Hammashoito")
    appointment = make_appointment(checkup, vet, at(day, 9))
    assert not offered(picker(client, only_aino, day)[0], at(day, 9))
    move_appointment(appointment=appointment, start=at(day, 9), practitioner=other, by_client=False)
    assert offered(picker(client, only_aino, day)[0], at(day, 9))


def test_closures_and_working_hours_change_the_cached_picker_at_once(client, checkup, vet, day):
    assert offered(picker(client, checkup, day)[0], at(day, 9))
    closure = make_closure(at(day, 0), at(day, 23))
    assert not offered(picker(client, checkup, day)[0], at(day, 9))
    closure.delete()
    assert offered(picker(client, checkup, day)[0], at(day, 9))
    WorkingHours.objects.filter(practitioner=vet).delete()
    assert not offered(picker(client, checkup, day)[0], at(day, 9))


def test_the_start_page_follows_the_services(client, checkup):
    assert "Terveystarkastus" in client.get("/").content.decode()
    checkup.name = "Vuositarkastus"
    checkup.save()
    page = client.get("/").content.decode()
    assert "Vuositarkastus" in page and "Terveystarkastus" not in page


def test_each_language_gets_its_own_page(client, checkup, day):
    finnish, _ = picker(client, checkup, day)
    client.get(reverse("choose_language", args=["sv"]))
    swedish, _ = picker(client, checkup, day)
    assert '<html lang="fi">' in finnish and '<html lang="sv">' in swedish


def test_a_visitor_with_a_pending_message_gets_a_fresh_page_that_is_not_kept(client, checkup, day):
    """The message ("that time was just taken") is theirs: nobody else may see it."""
    url = reverse("online:slots", kwargs={"service_id": checkup.pk})
    warned = client.get(url, {"week": day.isoformat(), "practitioner": "nobody"}).content.decode()
    assert "Valitse" in warned  # "Choose a practitioner from the list."
    other = client.__class__()
    fresh = other.get(url, {"week": day.isoformat(), "practitioner": "any"}).content.decode()
    assert "alert-warning" not in fresh


def test_a_page_with_a_csrf_token_in_it_is_not_kept(rf):
    request = rf.get("/form")
    page_cache.serve(request, versions="1", render=lambda: HttpResponse(get_token(request)))
    assert (
        page_cache.serve(rf.get("/form"), versions="1", render=lambda: HttpResponse("fresh")).content
        == b"fresh"
    )


def test_a_plain_page_is_kept(rf):
    page_cache.serve(rf.get("/plain"), versions="1", render=lambda: HttpResponse("kept"))
    assert (
        page_cache.serve(rf.get("/plain"), versions="1", render=lambda: HttpResponse("x")).content == b"kept"
    )
    assert (
        page_cache.serve(rf.get("/plain"), versions="2", render=lambda: HttpResponse("new")).content == b"new"
    )


def test_pages_that_set_cookies_or_queue_messages_are_not_kept(rf):
    def with_cookie():
        response = HttpResponse("mine")
        response.set_cookie("booked", "ABC123")
        return response

    request = rf.get("/x")
    page_cache.serve(request, versions="1", render=with_cookie)
    assert (
        page_cache.serve(rf.get("/x"), versions="1", render=lambda: HttpResponse("fresh")).content == b"fresh"
    )

    request = rf.get("/y")
    request._messages = _Storage()
    page_cache.serve(
        request, versions="1", render=lambda: messages.info(request, "hi") or HttpResponse("mine")
    )
    assert (
        page_cache.serve(rf.get("/y"), versions="1", render=lambda: HttpResponse("fresh")).content == b"fresh"
    )


@pytest.mark.parametrize("cookie", ["session", "messages"])
def test_a_visitor_with_a_session_or_a_message_is_never_served_from_the_cache(rf, settings, cookie):
    page_cache.serve(rf.get("/s"), versions="1", render=lambda: HttpResponse("everyone's"))
    request = rf.get("/s")
    request.COOKIES[settings.SESSION_COOKIE_NAME if cookie == "session" else "messages"] = "x"
    assert page_cache.serve(request, versions="1", render=lambda: HttpResponse("theirs")).content == b"theirs"


class _Storage:
    """The least of a message storage: what messages.info() and the cache look at."""

    level = messages.INFO

    def __init__(self):
        self._queued_messages, self.added_new = [], False

    def add(self, level, message, extra_tags=""):
        self._queued_messages.append(message)
        self.added_new = True


def test_the_minute_is_part_of_the_key(rf, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(page_cache.time, "time", lambda: clock[0])
    page_cache.serve(rf.get("/z"), versions="1", render=lambda: HttpResponse("first"))
    assert page_cache.serve(rf.get("/z"), versions="1", render=lambda: HttpResponse("x")).content == b"first"
    clock[0] += timedelta(minutes=1).total_seconds()
    assert (
        page_cache.serve(rf.get("/z"), versions="1", render=lambda: HttpResponse("next")).content == b"next"
    )


def test_the_details_form_of_a_time_taken_meanwhile_is_not_offered(client, checkup, vet, day):
    """Whether a time is offered is remembered per calendar version too."""
    url = reverse(
        "online:details", kwargs={"service_id": checkup.pk, "practitioner": None, "start": at(day, 9)}
    )
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not any("bookings_workinghours" in query["sql"] for query in queries.captured_queries)
    make_appointment(checkup, vet, at(day, 9))
    response = client.get(url)
    assert response.status_code == 302 and "/book/" in response["Location"]


def test_made_up_query_parameters_are_rendered_but_never_kept(rf):
    """Otherwise anyone could fill the cache with copies of one page (?x=1, ?x=2, …)."""
    for query in ("?x=1", "?week=2026-12-07&week=2026-12-14", "?week=2026-12-07&x="):
        page_cache.serve(
            rf.get("/p" + query), versions="1", render=lambda: HttpResponse("a"), params=("week",)
        )
        again = page_cache.serve(
            rf.get("/p" + query), versions="1", render=lambda: HttpResponse("b"), params=("week",)
        )
        assert again.content == b"b", query
    page_cache.serve(
        rf.get("/p?week=2026-12-07"), versions="1", render=lambda: HttpResponse("a"), params=("week",)
    )
    kept = page_cache.serve(
        rf.get("/p?week=2026-12-07"), versions="1", render=lambda: HttpResponse("b"), params=("week",)
    )
    assert kept.content == b"a"


def test_the_pickers_day_links_are_served_from_the_cache_too(client, checkup, day):
    """Each day of the phone's strip is a link with ?day=: those pages are shared like the week."""
    url = reverse("online:slots", kwargs={"service_id": checkup.pk})
    query = {"week": monday_of(day).isoformat(), "practitioner": "any", "day": day.isoformat()}
    client.get(url, query)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, query)
    assert again.status_code == 200 and len(queries) == 1


# The details form: shared like the picker, with each visitor's own CSRF token and form key.


def details(service, start):
    return reverse("online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": start})


def hidden(page: bytes, name: str) -> str:
    return re.search(rb'name="' + name.encode() + rb'" value="([^"]+)"', page).group(1).decode()


def test_every_visitor_gets_their_own_token_and_key_in_the_shared_details_form(checkup, vet, day):
    url = details(checkup, at(day, 9))
    pages = []
    for _ in range(3):
        visitor = Client(enforce_csrf_checks=True)
        with CaptureQueriesContext(connection) as queries:
            response = visitor.get(url)
        assert response.status_code == 200
        assert b"~csrf_token~" not in response.content and b"~request_key~" not in response.content
        # (Whether this visitor must solve a challenge reads the rate-limit counters.)
        page = [q for q in queries.captured_queries if "ratelimitcounter" not in q["sql"]]
        pages.append((response, visitor, len(page)))
    assert pages[1][2] == pages[2][2] == 1 < pages[0][2]  # served from the cache: the versions only
    tokens = {hidden(r.content, "csrfmiddlewaretoken") for r, _, _ in pages}
    keys = {hidden(r.content, "request_key") for r, _, _ in pages}
    assert len(tokens) == 3 and len(keys) == 3
    assert all(r.cookies[settings.CSRF_COOKIE_NAME].value for r, _, _ in pages)

    # A visitor served from the cache books with it: their token passes the CSRF check.
    response, visitor, _ = pages[2]
    form = {
        "csrfmiddlewaretoken": hidden(response.content, "csrfmiddlewaretoken"),
        "request_key": hidden(response.content, "request_key"),
        "name": "Maija Meikäläinen",
        "phone": "0401234567",
        "email": "maija@example.com",
    }
    booked = visitor.post(url, form)
    assert booked.status_code == 302 and "/manage/" in booked["Location"], booked.content[:500]
    assert Appointment.objects.get().start == at(day, 9)

    # The time is taken now: nobody is served the cached form of it any more.
    again = Client().get(url)
    assert again.status_code == 302 and "/book/" in again["Location"]


def test_a_visitor_with_details_kept_in_their_session_gets_them_and_nobody_else_does(
    client, checkup, vet, day
):
    url = details(checkup, at(day, 9))
    Client().get(url)  # the shared copy
    session = client.session
    session[DRAFT_KEY] = {"name": "Maija Meikäläinen", "email": "maija@example.com"}
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    assert "Maija Meikäläinen" in client.get(url).content.decode()
    assert "Maija" not in Client().get(url).content.decode()


def test_a_visitor_who_must_solve_a_challenge_gets_their_own_page(checkup, vet, day, settings):
    url = details(checkup, at(day, 9))
    assert b"data-proof-of-work" not in Client().get(url).content
    settings.PROOF_OF_WORK = "always"
    challenges = [
        re.search(rb'data-proof-of-work="([^"]+)"', Client().get(url).content).group(1) for _ in range(2)
    ]
    assert challenges[0] != challenges[1]  # each their own, not one shared


def test_a_form_page_is_filled_in_per_request_also_when_it_is_not_kept(rf):
    """A render that cannot be shared (it set a cookie) still gets real values, never markers."""
    made = iter(["one", "two"])

    def render(values):
        response = HttpResponse(f"token={values['csrf_token']}")
        response.set_cookie("booked", "ABC123")
        return response

    fresh = {"csrf_token": lambda: next(made)}
    first = page_cache.serve_form(rf.get("/f"), versions="1", render=render, fresh=fresh)
    second = page_cache.serve_form(rf.get("/f"), versions="1", render=render, fresh=fresh)
    assert (first.content, second.content) == (b"token=one", b"token=two")


def kept(client, url) -> bool:
    """Whether a second new visitor is served this URL from the cache (a single query)."""
    first = client.get(url)
    assert first.status_code in (200, 302), (url, first.status_code)
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    return len([q for q in queries.captured_queries if "ratelimitcounter" not in q["sql"]]) == 1


def test_only_the_spellings_our_own_links_write_are_kept(client, checkup, vet, day):
    """Else every "?species=01", "?week=<a Tuesday>" or "?day=junk" is one more copy of a page, and
    a flood of them pushes everything else out of the cache."""
    picker_url = reverse("online:slots", kwargs={"service_id": checkup.pk})
    monday = monday_of(day)
    canonical = f"{picker_url}?practitioner=any&week={monday}&day={day}"
    assert kept(Client(), canonical)
    for made_up in (
        f"{picker_url}?practitioner=any&week={monday + timedelta(days=1)}",  # not a Monday
        f"{picker_url}?practitioner=any&week=2099-01-05",  # beyond the last week shown
        f"{picker_url}?practitioner=any&week={monday}&day={monday + timedelta(days=9)}",  # another week's day
        f"{picker_url}?practitioner=any&week={monday}&day=junk",
        f"{picker_url}?practitioner=any&day={day}",  # a day without its week: our links never
        f"/book/0{checkup.pk}/?practitioner=any&week={monday}",  # the same page, another spelling
        f"{picker_url}?practitioner=01&week={monday}",
        "/?species=01",
        "/?species=%EF%BC%91",  # a full-width one
    ):
        assert not kept(Client(), made_up), made_up


def test_one_query_in_another_order_or_encoding_is_one_page(checkup, vet, day):
    picker_url = reverse("online:slots", kwargs={"service_id": checkup.pk})
    monday = monday_of(day)
    Client().get(f"{picker_url}?practitioner=any&week={monday}")
    for same in (
        f"{picker_url}?week={monday}&practitioner=any",
        f"{picker_url}?%77eek={monday}&practitioner=any",
    ):
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(same).status_code == 200
        assert len(queries) == 1, same


@pytest.mark.parametrize("value", ["¹", "١", "１", "0", "-1", "9" * 20])
def test_a_species_number_in_other_digits_is_a_message_not_an_error(checkup, vet, day, value):
    """str.isdigit() takes "¹", int() does not: that was a 500 from a query string."""
    for url in (
        "/",
        reverse("online:slots", kwargs={"service_id": checkup.pk}),
        details(checkup, at(day, 9)),
    ):
        response = Client().get(url, {"species": value})
        assert response.status_code in (200, 302), (url, value, response.status_code)
