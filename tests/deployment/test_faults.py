"""Faults an app server meets in production: workers killed mid-request, a database restart,
a request body too big to read. None of them may leave half-written data or a 500 behind."""

import http.client
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse

from bookings.models import Appointment
from customers.models import Customer
from notifications.models import OutboxMessage
from tests.factories import at, make_practitioner, make_service, next_open_weekday
from tests.servers import Gunicorn, collected_static
from tests.webclient import Visitor

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

BOOKINGS = 60  # 4 practitioners × 15 half-hour slots of one day, each wanted by one client
DROPPED = (OSError, http.client.HTTPException)  # what a client sees when its worker is killed


def worker_pids(master: int) -> set[int]:
    """The gunicorn master's live child processes (read from /proc: no psutil needed)."""
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()  # state, ppid, …
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(after_name[1]) == master and after_name[0] != "Z":  # a killed one not yet reaped
            pids.add(int(stat.parent.name))
    return pids


def half_hour_starts(day):
    morning = [at(day, 8 + m // 60, m % 60) for m in range(0, 181, 30)]  # 8:00 … 11:00
    afternoon = [at(day, 12 + m // 60, m % 60) for m in range(0, 211, 30)]  # 12:00 … 15:30
    return morning + afternoon


def test_killing_workers_mid_booking_leaves_no_half_written_booking(tmp_path_factory):
    vets = [make_practitioner(f"Vet {n}") for n in range(4)]
    service = make_service(vets)
    day = next_open_weekday()
    paths = [
        reverse("online:details", kwargs={"service_id": service.pk, "practitioner": vet.pk, "start": start})
        for vet in vets
        for start in half_hour_starts(day)
    ]
    assert len(paths) == BOOKINGS

    with Gunicorn(collected_static(tmp_path_factory.mktemp("static")), workers=3, threads=4) as server:
        master = server.process.pid
        visitors = [Visitor(server.url) for _ in range(BOOKINGS)]
        with ThreadPoolExecutor(12) as pool:
            forms = list(pool.map(lambda n: visitors[n].get(paths[n])[2], range(BOOKINGS)))
        barrier = threading.Barrier(BOOKINGS + 1)
        locations = [None] * BOOKINGS  # where each client was sent: its booking's own page
        dropped = []  # clients whose connection broke, once per attempt
        failures = []

        def book(n):
            visitor, path, form = visitors[n], paths[n], forms[n]
            details = {"name": f"Client {n}", "phone": f"040 {n:07d}", "email": f"client{n}@example.com"}
            barrier.wait()
            # A client whose connection dropped sends the same form again (same one-time key).
            for _attempt in range(5):
                try:
                    status, headers, _ = visitor.post_form(path, form, details)
                    break
                except DROPPED:
                    dropped.append(n)
                    time.sleep(0.5)
            else:
                failures.append(f"client {n}: no answer in 5 attempts")
                return
            location = headers.get("Location", "")
            if status != 302 or not location.startswith("/manage/"):
                failures.append(f"client {n}: {status} {location}")
                return
            locations[n] = location

        threads = [threading.Thread(target=book, args=(n,)) for n in range(BOOKINGS)]
        for thread in threads:
            thread.start()
        barrier.wait()
        # Three rounds: once new answers show that workers are busy, kill every one of them.
        killed, answered_at_kill = [], [0]  # per round: the workers killed, the answers by then
        deadline = time.monotonic() + 60
        while len(answered_at_kill) <= 3 and time.monotonic() < deadline:
            answered = sum(location is not None for location in locations) + len(failures)
            if answered == BOOKINGS:
                break
            victims = worker_pids(master) - set().union(*killed) if answered > answered_at_kill[-1] else set()
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            if victims:
                killed.append(victims)
                answered_at_kill.append(answered)
            time.sleep(0.01)
        for thread in threads:
            thread.join(timeout=120)
        # The confirmation page of each booking, now that the workers stay up.
        pages = [visitors[n].get(locations[n])[2] if locations[n] else "" for n in range(BOOKINGS)]

    report = f"dropped={len(dropped)} killed={killed} answered by then={answered_at_kill[1:]}\n{server.output[-3000:]}"
    print(report)
    assert len(killed) == 3, "the burst ended before three kills: " + report
    assert failures == [], report
    # Every client got its confirmation (some only on a second try), and each booking is stored.
    references = [location.split("/")[2] for location in locations]
    for reference, page in zip(references, pages, strict=True):
        assert 'class="manage-link"' in page and f"{reference[:3]}-{reference[3:]}" in page
    stored = dict(Appointment.objects.values_list("reference", "customer__email"))
    assert {references[n]: f"client{n}@example.com" for n in range(BOOKINGS)} == stored
    # Nothing half-written: no customer without a booking, no booking without its customer …
    assert not Customer.objects.filter(appointments__isnull=True).exists()
    assert not Appointment.objects.filter(customer__isnull=True).exists()
    # … no two bookings of one practitioner at once, and one confirmation email per booking.
    for appointment in Appointment.objects.all():
        same_time = Appointment.objects.active().overlapping(
            appointment.occupied_start, appointment.occupied_end
        )
        assert list(same_time.filter(practitioner=appointment.practitioner_id)) == [appointment]
    confirmed = OutboxMessage.objects.filter(kind="booking_confirmed").values_list("reference", flat=True)
    assert Counter(confirmed) == Counter(list(stored))
    assert "Traceback" not in server.output, report


def pg_isready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False, timeout=10).returncode == 0


def pg_ctlcluster(action: str) -> None:
    """start/restart the machine's local cluster (the one CI runs): needs root."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True, timeout=120
    )
    deadline = time.monotonic() + 60
    while not pg_isready() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: it restarts the local PostgreSQL cluster"
)
def test_server_answers_every_request_after_postgresql_restarts(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster") or not os.path.isdir("/etc/postgresql"):
        pytest.skip("restarting PostgreSQL needs root and a local cluster (pg_ctlcluster)")
    vet = make_practitioner("Aino")
    service = make_service([vet])
    week = next_open_weekday().isoformat()
    pages = ["/", f"/book/{service.pk}/?practitioner=any&week={week}", "/healthz"] * 16
    test_database = connection.settings_dict["NAME"]

    def their_connections() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [test_database],
            )
            return cursor.fetchone()[0]

    # Persistent connections (CONN_MAX_AGE) are what a restart breaks: each worker thread keeps one.
    static_root = collected_static(tmp_path_factory.mktemp("static"))
    with (
        Gunicorn(static_root, workers=2, threads=4, DJANGO_CONN_MAX_AGE="600") as server,
        ThreadPoolExecutor(8) as pool,
    ):
        before = list(pool.map(lambda path: Visitor(server.url).get(path)[0], pages))
        held = their_connections()
        try:
            pg_ctlcluster("restart")
        finally:
            if not pg_isready():  # never leave the machine without its database
                pg_ctlcluster("start")
            connections.close_all()  # this process's own connection died with the restart too
        after = list(pool.map(lambda path: Visitor(server.url).get(path)[0], pages))

    assert before == [200] * len(pages), server.output[-3000:]
    assert held >= 2, "the workers kept no connection open, so the restart tested nothing"
    assert after == [200] * len(pages), f"{Counter(after)}\n{server.output[-3000:]}"
    assert "Traceback" not in server.output, server.output[-3000:]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_five_megabyte_form_is_refused_with_400_not_500(tmp_path_factory, content_type):
    vet = make_practitioner("Aino")
    service = make_service([vet])
    start = at(next_open_weekday(), 9)
    path = reverse("online:details", kwargs={"service_id": service.pk, "practitioner": None, "start": start})
    fields = {
        "name": "Big Client",
        "phone": "040 1234567",
        "email": "big@example.com",
        "message": "x" * 5_000_000,
    }

    with Gunicorn(collected_static(tmp_path_factory.mktemp("static")), workers=1, threads=2) as server:
        visitor = Visitor(server.url)
        status, _, page = visitor.get(path)  # the CSRF cookie and token: the body is what is wrong
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        body, content_type = encode({"csrfmiddlewaretoken": token, **fields}, content_type)
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in visitor.cookies)
        status = post_like_a_browser(
            server.port, path, body, {"Content-Type": content_type, "Cookie": cookies}
        )
        assert visitor.get("/healthz")[0] == 200  # and the worker serves the next request

    assert status in (400, 413), server.output[-3000:]
    assert not Appointment.objects.exists()
    assert "Internal Server Error" not in server.output


def encode(fields: dict, content_type: str) -> tuple[bytes, str]:
    if content_type == "application/x-www-form-urlencoded":
        return urllib.parse.urlencode(fields).encode(), content_type
    boundary = "inuvet-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), f"{content_type}; boundary={boundary}"


def post_like_a_browser(port: int, path: str, body: bytes, headers: dict) -> int:
    """POST and stop sending the body once the server answers, as browsers do; the status.

    (gunicorn answers, drains at most 64 kB of the unread body and closes: a client that insists
    on sending all 5 MB first, like urllib or http.client, only sees a broken pipe.)
    """
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode())
        rest = memoryview(body)
        while rest:
            answered, writable, _ = select.select([sock], [sock], [], 60)
            if answered or not writable:
                break
            try:
                rest = rest[sock.send(rest[:65536]) :]
            except (BrokenPipeError, ConnectionResetError):
                break
        status_line = sock.makefile("rb").readline()  # b"HTTP/1.1 400 Bad Request\r\n"
    return int(status_line.split()[1])
