"""Two app servers behind one load balancer, against one PostgreSQL (SPEC §5, Scale): no double
booking, no lost session, and rate limits that count across both when they share Redis."""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from bookings.models import Appointment
from inuvet import roles
from tests.factories import at, make_practitioner, make_service, make_staff, next_open_weekday
from tests.servers import Gunicorn, collected_static
from tests.webclient import Visitor

pytestmark = [
    pytest.mark.race,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several app servers run against PostgreSQL only (SQLite is the one-server setup)",
    ),
]

ATTEMPTS = 200
REDIS_DB = 7  # a database of the local Redis that only these tests use (flushed first)


def details_path(service, practitioner, start) -> str:
    return reverse(
        "online:details",
        kwargs={"service_id": service.pk, "practitioner": practitioner and practitioner.pk, "start": start},
    )


def logs(*servers) -> str:
    """The end of each server's log, for assertion messages (while it runs, or after)."""
    return "\n".join(f"--- {server.url}\n{server.output[-3000:]}" for server in servers)


def two_servers(stack: ExitStack, static_root, **env) -> tuple[Gunicorn, Gunicorn]:
    return tuple(stack.enter_context(Gunicorn(static_root, workers=2, threads=4, **env)) for _ in "AB")


def test_two_hundred_visitors_on_two_servers_get_one_booking_per_slot(tmp_path_factory):
    vets = [make_practitioner("Aino"), make_practitioner("Eero")]
    service = make_service(vets)
    day = next_open_weekday()
    paths = [details_path(service, vet, at(day, hour)) for vet in vets for hour in (9, 10)]
    static_root = collected_static(tmp_path_factory.mktemp("static"))

    with ExitStack() as stack:
        servers = two_servers(stack, static_root)
        # Attempt n goes to server n % 2 for the slot n % 4: every slot is fought over on both.
        attempts = [(Visitor(servers[n % 2].url), paths[n % 4]) for n in range(ATTEMPTS)]
        with ThreadPoolExecutor(16) as pool:
            forms = list(pool.map(lambda attempt: attempt[0].get(attempt[1]), attempts))
        assert [status for status, _, _ in forms] == [200] * ATTEMPTS
        barrier = threading.Barrier(ATTEMPTS)
        outcomes = [None] * ATTEMPTS

        def submit(n):
            (visitor, path), (_, _, page) = attempts[n], forms[n]
            fields = {"name": f"Racer {n}", "phone": f"040 {n:07d}", "email": f"racer{n}@example.com"}
            barrier.wait()
            status, headers, body = visitor.follow(*visitor.post_form(path, page, fields))
            if status >= 500:
                outcomes[n] = f"server error {status}"
            elif 'class="manage-link"' in body:  # the booking's own page
                outcomes[n] = "booked"
            elif status == 409 and 'class="alternatives"' in body:  # the form again, "just taken"
                outcomes[n] = "taken"
            else:
                outcomes[n] = f"unexpected {status}"

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(ATTEMPTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert Counter(outcomes) == Counter(booked=4, taken=ATTEMPTS - 4), logs(*servers)
    booked = Appointment.objects.values_list("practitioner_id", "start")
    assert Counter(booked) == Counter({(vet.pk, at(day, hour)): 1 for vet in vets for hour in (9, 10)})
    for server in servers:
        assert "Traceback" not in server.output, logs(server)


def test_typed_details_kept_on_one_server_prefill_the_form_on_the_other(tmp_path_factory):
    vet = make_practitioner("Aino")
    service = make_service([vet])
    day = next_open_weekday()
    lost, other = details_path(service, vet, at(day, 9)), details_path(service, vet, at(day, 10))

    with ExitStack() as stack:
        a, b = two_servers(stack, collected_static(tmp_path_factory.mktemp("static")))
        client, rival = Visitor(a.url), Visitor(b.url)
        _, _, page = client.get(lost)
        _, _, rival_page = rival.get(lost)
        rival_details = {"name": "Rival Client", "phone": "040 1111111", "email": "rival@example.com"}
        assert 'class="manage-link"' in rival.follow(*rival.post_form(lost, rival_page, rival_details))[2]

        details = {"name": "Draft Client", "phone": "040 2222222", "email": "draft@example.com"}
        status, _, taken = client.follow(*client.post_form(lost, page, details))
        assert status == 409 and 'class="alternatives"' in taken  # just taken, on server A

        client.base_url = b.url  # the load balancer sends the next request to B
        status, _, form = client.get(other)
        assert status == 200
        prefilled = dict(re.findall(r'name="(name|phone|email)" value="([^"]*)"', form))
        assert prefilled.keys() == details.keys(), logs(a, b)
        assert (prefilled["name"], prefilled["email"]) == ("Draft Client", "draft@example.com")
        # The client only presses "Confirm booking": B books with what was typed on A.
        assert 'class="manage-link"' in client.follow(*client.post_form(other, form, prefilled))[2]

    mine = Appointment.objects.select_related("customer").get(start=at(day, 10))
    assert (mine.customer.name, mine.customer.phone, mine.customer.email) == (
        "Draft Client",
        "+358402222222",
        "draft@example.com",
    )


def test_staff_signed_in_on_one_server_stay_signed_in_on_the_other(tmp_path_factory, staff_roles):
    user = make_staff("reception", roles.RECEPTION)
    # The servers run the production hashers; the test settings' fast MD5 is not among them.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode("correct-horse-battery", hasher.salt(), iterations=1000)
    user.save()

    with ExitStack() as stack:
        a, b = two_servers(stack, collected_static(tmp_path_factory.mktemp("static")))
        staff = Visitor(a.url)
        _, _, login = staff.get("/admin/login/?next=/admin/")
        credentials = {"username": "reception", "password": "correct-horse-battery"}
        status, headers, _ = staff.post_form("/admin/login/?next=/admin/", login, credentials)
        assert (status, headers.get("Location")) == (302, "/admin/"), logs(a)

        staff.base_url = b.url
        status, headers, body = staff.get("/admin/")
        assert status == 200, (status, headers.get("Location"))
        assert 'action="/admin/logout/"' in body

        stranger = Visitor(b.url)  # without the cookie: the sign-in page, so the check can fail
        assert stranger.get("/admin/")[0] == 302


@pytest.fixture
def shared_redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (apt-get install redis-server)")
    yield f"redis://127.0.0.1:6379/{REDIS_DB}"
    client.flushdb()
    client.close()


def test_rate_limit_counts_posts_to_both_servers_when_they_share_redis(tmp_path_factory, shared_redis):
    env = {"DJANGO_CACHE_URL": shared_redis, "DJANGO_RATE_LIMITS": "on", "DJANGO_RATE_LIMIT_LOOKUP": "4/3600"}

    with ExitStack() as stack:
        a, b = two_servers(stack, collected_static(tmp_path_factory.mktemp("static")), **env)
        visitor = Visitor(a.url)
        _, _, form = visitor.get("/manage/")
        fields = {"reference": "K7M-4QX", "contact": "client@example.com"}
        answers = []
        for server in (a, b, a, b, a, b):
            visitor.base_url = server.url
            status, _, body = visitor.post_form("/manage/", form, fields)
            answers.append((status, 'name="reference"' in body))  # the form again: not processed

    # Four lookups in the hour for this address, wherever they landed; then 429 on A and on B.
    assert answers == [(200, False)] * 4 + [(429, False)] * 2, logs(a, b)


def test_a_time_booked_on_one_server_leaves_the_cached_picker_of_both_at_once(tmp_path_factory, shared_redis):
    """Both servers share the page cache (Redis): each keeps the picker and the details form it
    rendered, and a booking on A must never leave B (or A) offering the taken time, not even for
    the rest of the minute."""
    vet = make_practitioner("Aino")
    service = make_service([vet])
    day = next_open_weekday()
    picker = reverse("online:slots", kwargs={"service_id": service.pk}) + f"?week={day}&practitioner=any"
    starts = [at(day, hour) for hour in (9, 10, 11, 13)]

    def offered(server, start) -> bool:
        status, _, page = Visitor(server.url).get(picker)  # a new visitor: no session, no cookies
        assert status == 200
        return details_path(service, None, start) in page

    with ExitStack() as stack:
        a, b = two_servers(
            stack, collected_static(tmp_path_factory.mktemp("static")), DJANGO_CACHE_URL=shared_redis
        )
        for n, start in enumerate(starts):
            booking, checking = (a, b) if n % 2 == 0 else (b, a)
            assert offered(checking, start) and offered(booking, start)  # both pages are now cached
            assert Visitor(checking.url).get(details_path(service, None, start))[0] == 200  # and the form
            client = Visitor(booking.url)  # served the form the other server rendered, with its own token
            _, _, form = client.get(details_path(service, None, start))
            details = {"name": f"Client {n}", "phone": f"040 123456{n}", "email": f"c{n}@example.com"}
            assert (
                'class="manage-link"'
                in client.follow(*client.post_form(details_path(service, None, start), form, details))[2]
            )
            assert not offered(checking, start), logs(a, b)
            assert not offered(booking, start), logs(a, b)
            status, headers, _ = Visitor(checking.url).get(details_path(service, None, start))
            assert status == 302 and "/book/" in headers["Location"], logs(a, b)  # "not available"
    assert Appointment.objects.count() == len(starts)
