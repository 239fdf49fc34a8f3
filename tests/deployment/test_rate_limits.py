"""Per-client limits hold as README.md states them against a real gunicorn with two workers:
counted once for the whole machine (not per worker), per client address, in a sliding window (no
double allowance where two fixed windows meet), on the default storage (the database) and on
Redis; a valid manage link is always served; behind the proxy, sign-in lockouts are per client."""

import html
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse

from bookings.models import Appointment
from bookings.tokens import manage_token
from inuvet import roles
from tests.factories import (
    at,
    make_appointment,
    make_practitioner,
    make_service,
    make_staff,
    next_open_weekday,
)
from tests.online.test_proof_of_work import solve
from tests.servers import Gunicorn, collected_static
from tests.webclient import Visitor

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

REDIS_DB = 8  # a database of the local Redis that only these tests use (flushed first)
LOOKUP = {"reference": "K7M-4QX", "email": "client@example.com"}


@pytest.fixture(params=["database", "redis"])
def store(request) -> dict:
    """The server environment of each storage: the default (no cache URL), or a shared Redis."""
    if request.param == "database":
        yield {}
        return
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (apt-get install redis-server)")
    yield {"DJANGO_CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}"}
    client.flushdb()
    client.close()


def limited_server(tmp_path_factory, store, rate: str) -> Gunicorn:
    return Gunicorn(
        collected_static(tmp_path_factory.mktemp("static")),
        workers=2,
        threads=1,  # the product's default: two single-threaded workers
        DJANGO_RATE_LIMITS="on",
        DJANGO_RATE_LIMIT_LOOKUP=rate,
        DJANGO_BEHIND_PROXY="on",  # clients told apart by the address our proxy appends
        **store,
    )


def lookup_form(server, ip: str) -> tuple[Visitor, str]:
    visitor = Visitor(server.url, ip=ip)
    status, _, page = visitor.get("/manage/")
    assert status == 200
    return visitor, page


def test_a_limit_counts_once_for_all_workers_per_client(tmp_path_factory, store):
    with limited_server(tmp_path_factory, store, "10/3600") as server:
        forms = [lookup_form(server, "203.0.113.7") for _ in range(6)]
        barrier = threading.Barrier(len(forms))

        def burst(n: int) -> list[int]:
            visitor, page = forms[n]
            barrier.wait()
            return [visitor.post_form("/manage/", page, LOOKUP)[0] for _ in range(5)]

        with ThreadPoolExecutor(len(forms)) as pool:  # 6 clients at once: both workers answer
            statuses = [status for answers in pool.map(burst, range(len(forms))) for status in answers]
        other_visitor, other_page = lookup_form(server, "198.51.100.4")
        other = [other_visitor.post_form("/manage/", other_page, LOOKUP)[0] for _ in range(11)]
        log = server.output

    print(f"one address: {statuses.count(200)} of {len(statuses)} lookups passed a 10/3600 limit")
    assert sorted(statuses) == [200] * 10 + [429] * 20, log[-3000:]
    assert other == [200] * 10 + [429], log[-3000:]  # another address has its own allowance
    assert "Traceback" not in log, log[-3000:]


def test_a_limit_slides_no_more_than_the_allowance_in_any_window(tmp_path_factory, store):
    limit, window, seconds = 3, 4, 9.5
    with limited_server(tmp_path_factory, store, f"{limit}/{window}") as server:
        visitor, page = lookup_form(server, "203.0.113.8")
        answers = []  # (sent, answered, status), one request every 0.2 s, each on a new connection
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sent = time.monotonic()
            status = visitor.post_form("/manage/", page, LOOKUP)[0]
            answers.append((sent, time.monotonic(), status))
            time.sleep(max(0.0, sent + 0.2 - time.monotonic()))
        log = server.output

    passed = [(sent, answered) for sent, answered, status in answers if status == 200]
    assert {status for _, _, status in answers} == {200, 429}, log[-3000:]
    # Never limit + 1 passes within one window: the server saw them at least `window` apart.
    crowded = [
        round(max(answered for _, answered in passed[i : i + limit + 1]) - passed[i][0], 2)
        for i in range(len(passed) - limit)
    ]
    start = answers[0][0]
    timeline = [(round(sent - start, 1), status) for sent, _, status in answers]
    print(f"{len(passed)} of {len(answers)} passed a {limit}/{window} limit in {seconds} s: {timeline}")
    assert all(span >= window for span in crowded), (crowded, timeline)
    # … and a sliding window frees one use as each old one ages out, not all at a boundary.
    assert 6 <= len(passed) <= 9, timeline
    assert "Traceback" not in log, log[-3000:]


def test_a_valid_manage_link_is_always_served_and_its_changes_are_limited_per_link(tmp_path_factory):
    vet = make_practitioner("Aino")
    booking = make_appointment(make_service([vet]), vet, at(next_open_weekday(), 9))
    valid = f"/manage/{booking.reference}/{manage_token(booking.reference)}/"
    wrong = f"/manage/{booking.reference}/{'a' * 32}/"
    with Gunicorn(
        collected_static(tmp_path_factory.mktemp("static")),
        workers=2,
        threads=1,
        DJANGO_RATE_LIMITS="on",
        DJANGO_RATE_LIMIT_MANAGE="5/3600",
        DJANGO_RATE_LIMIT_MANAGE_ACTIONS="3/3600",
        DJANGO_BEHIND_PROXY="on",
    ) as server:
        owner, neighbour = Visitor(server.url, ip="203.0.113.7"), Visitor(server.url, ip="198.51.100.4")
        guesses = [owner.get(wrong)[0] for _ in range(8)]  # the same address as the owner's
        opened = [owner.get(valid)[0] for _ in range(4)]
        pages = {visitor: visitor.get(valid)[2] for visitor in (owner, neighbour)}  # their CSRF tokens
        changes = [
            visitor.post_form(valid + "consent/", pages[visitor], {})[0]
            for visitor in (owner, neighbour, owner, neighbour)
        ]
        log = server.output

    assert guesses == [404] * 5 + [429] * 3, log[-3000:]
    assert opened == [200] * 4, log[-3000:]
    assert changes == [302, 302, 302, 429], log[-3000:]  # per link, whichever address sends them


def test_behind_the_proxy_one_clients_wrong_passwords_lock_only_that_client(tmp_path_factory, staff_roles):
    user = make_staff("reception", roles.RECEPTION)
    hasher = PBKDF2PasswordHasher()  # the servers run the production hashers, not the tests' MD5
    user.password = hasher.encode("correct-horse-battery", hasher.salt(), iterations=1000)
    user.save()
    with Gunicorn(
        collected_static(tmp_path_factory.mktemp("static")), workers=2, threads=1, DJANGO_BEHIND_PROXY="on"
    ) as server:
        typist, colleague = Visitor(server.url, ip="203.0.113.7"), Visitor(server.url, ip="198.51.100.4")

        def sign_in(visitor, password):
            _, _, page = visitor.get("/admin/login/")
            fields = {"username": "reception", "password": password}
            return visitor.post_form("/admin/login/", page, fields)[0]

        typos = [sign_in(typist, "wrong-password") for _ in range(5)]
        locked = sign_in(typist, "correct-horse-battery")
        signed_in = sign_in(colleague, "correct-horse-battery")
        log = server.output

    assert (typos, locked, signed_in) == ([200] * 4 + [429], 429, 302), log[-3000:]
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_solved_challenge_books_once_across_both_workers(tmp_path_factory, store):
    """One solution of the booking form's proof of work, sent with six bookings at once to two
    workers: one books, five are refused. Its use is kept in the limits' storage; kept in a
    worker's own cache, each worker would have let it through once."""
    vet = make_practitioner("Aino")
    service = make_service([vet])
    day = next_open_weekday()
    paths = [
        reverse("online:details", kwargs={"service_id": service.pk, "practitioner": vet.pk, "start": start})
        for start in (at(day, hour) for hour in (9, 10, 11, 13, 14, 15))
    ]
    with Gunicorn(
        collected_static(tmp_path_factory.mktemp("static")),
        workers=2,
        threads=1,
        DJANGO_RATE_LIMITS="on",
        DJANGO_PROOF_OF_WORK="always",
        DJANGO_BEHIND_PROXY="on",
        **store,
    ) as server:
        forms = []
        for n, path in enumerate(paths):  # six clients, each with their own form and address
            visitor = Visitor(server.url, ip=f"203.0.113.{n + 1}")
            status, _, page = visitor.get(path)
            assert status == 200 and "data-proof-of-work" in page, server.output[-3000:]
            forms.append((visitor, path, page))
        challenge = json.loads(html.unescape(re.search(r'data-proof-of-work="([^"]+)"', forms[0][2])[1]))
        proof = solve(challenge)
        barrier = threading.Barrier(len(forms))

        def book(n: int) -> int:
            visitor, path, page = forms[n]
            details = {"name": f"Asiakas {n}", "phone": f"040 123 456{n}", "email": f"c{n}@example.com"}
            barrier.wait()
            return visitor.post_form(path, page, {**details, "proof_of_work": proof})[0]

        with ThreadPoolExecutor(len(forms)) as pool:
            statuses = list(pool.map(book, range(len(forms))))
        log = server.output

    assert sorted(statuses) == [302] + [400] * 5, (statuses, log[-3000:])
    assert Appointment.objects.count() == 1
    assert "Traceback" not in log, log[-3000:]
