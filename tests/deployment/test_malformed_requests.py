"""Requests gunicorn cannot parse get a 4xx from gunicorn itself, and the worker lives on: its
error path hands the access logger whatever it has (often no URL at all), and our logger must not
fall over on that. A client that sends such a request every 50 ms must not keep the site down."""

import re
import socket
import threading
import time

import pytest

from tests.deployment.test_faults import worker_pids
from tests.servers import Gunicorn, collected_static

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]

MALFORMED = {
    "bad Content-Length": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
    "invalid request line": b"GARBAGE\r\n\r\n",
    "invalid method": b"G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "invalid HTTP version": b"GET / HTTP/9.x\r\nHost: 127.0.0.1\r\n\r\n",
    "bad header name bytes": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-B\x01d: 1\r\n\r\n",
    "bad header value bytes": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\x00b\r\n\r\n",
    "not UTF-8 path": b"GET /\xff\xfe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "over-long request line": b"GET /" + b"a" * 8000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "over-long header": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: " + b"b" * 9000 + b"\r\n\r\n",
    "too many headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: 1\r\n" * 150 + b"\r\n",
    "bad chunk size": (
        b"POST /manage/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n"
    ),
    "an email in a bad path": b"GET /a@b.example\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
}
NORMAL = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def send(port: int, raw: bytes, timeout: float = 10) -> int:
    """Send raw bytes on a new connection; the status the server answers (0: none, connection broken)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(raw)
            status_line = sock.makefile("rb").readline()
    except OSError:
        return 0
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", status_line)
    return int(match[1]) if match else 0


@pytest.mark.parametrize(
    "threads, seconds",
    [(1, 10), (4, 4)],
    ids=["sync workers (the product's default)", "threaded workers"],
)
def test_malformed_requests_neither_kill_workers_nor_keep_normal_requests_waiting(
    tmp_path_factory, threads, seconds
):
    static_root = collected_static(tmp_path_factory.mktemp("static"))
    # The product's gunicorn.conf.py with its access log on: the logger is what used to fail.
    with Gunicorn(static_root, workers=2, threads=threads, GUNICORN_ACCESS_LOG="-") as server:
        master = server.process.pid
        workers_before = worker_pids(master)
        malformed_answers: dict[str, set[int]] = {name: set() for name in MALFORMED}
        normal_answers: list[int] = []
        stop = threading.Event()

        def attacker():
            while not stop.is_set():
                for name, raw in MALFORMED.items():
                    malformed_answers[name].add(send(server.port, raw))
                    time.sleep(0.05)
                    if stop.is_set():
                        break

        attack = threading.Thread(target=attacker)
        attack.start()
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                normal_answers.append(send(server.port, NORMAL, timeout=5))
                time.sleep(0.2)
        finally:
            stop.set()
            attack.join(timeout=30)
        workers_after = worker_pids(master)
        normal_answers.append(send(server.port, NORMAL, timeout=5))

    log = server.output
    exits = log.count("exited with code")
    report = f"normal={normal_answers} malformed={malformed_answers} worker exits={exits}\n{log[-3000:]}"
    print(
        f"{len(normal_answers)} normal requests answered {normal_answers.count(200)} × 200; worker exits {exits}"
    )
    assert len(normal_answers) >= seconds * 3, report
    assert set(normal_answers) == {200}, report  # every normal request answered
    assert workers_after == workers_before and len(workers_before) == 2, report  # no worker exited
    assert "exited with code" not in log and "Traceback" not in log, report
    assert len(re.findall(r"Booting worker", log)) == 2, report  # none was replaced
    for name, answers in malformed_answers.items():
        assert answers and answers <= {400, 403, 414, 431}, (name, answers, report[-1500:])
    # The access log has a line for requests gunicorn could not parse, with nothing personal in it.
    assert '" 400 ' in log, report
    assert "a@b.example" not in log and "ip=127.0.0.1" not in log, report
