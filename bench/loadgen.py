"""Load generators: wrk for GETs, a bounded Python client for POSTs and the race.

The Python client sends each request on a fresh connection (gunicorn's sync workers close every
connection after one response, as they do for wrk) from a few threads, and times each request
from connect to the last byte. It is plain sockets: most of its time is spent in C with the GIL
released, so it keeps up with a 2-worker gunicorn on the same machine.
"""

import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from statistics import median
from urllib.parse import urlencode

HOST = "127.0.0.1"

# wrk ----------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (out.stdout + out.stderr).split("\n")[0].strip()


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


@dataclass
class Run:
    """One measured run: throughput, latency percentiles (ms) and what went wrong."""

    rps: float
    p50: float
    p99: float
    requests: int
    errors: int = 0
    statuses: dict = field(default_factory=dict)


def wrk(url: str, *, seconds: int, connections: int = 8, threads: int = 2, cookie: str = "") -> Run:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *header, url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        # Reads failing on a closed connection are wrk's noise with Connection: close servers;
        # connect/write failures and timeouts are real.
        errors += int(m.group(1)) + int(m.group(3)) + int(m.group(4))
    return Run(rps=rps, p50=p50, p99=p99, requests=requests, errors=errors)


# The Python client ------------------------------------------------------------------------------


def request_bytes(
    method: str, path: str, port: int, *, form: dict | None = None, cookies: dict | None = None
) -> bytes:
    body = urlencode(form).encode() if form is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Connection: close",
        "User-Agent: inuvet-bench",
    ]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Response:
    status: int
    headers: dict  # lower-case names; Set-Cookie values joined by "\n"
    body: bytes
    seconds: float


def send(port: int, raw: bytes, timeout: float = 60) -> Response:
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    seconds = time.perf_counter() - started
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}\n{value}" if name in headers else value
    return Response(status, headers, body, seconds)


def classify_booking(response: Response) -> str:
    """What a booking POST came to: booked, taken (the form again, 409, with other free times;
    or back to the picker), or something wrong."""
    location = response.headers.get("location", "")
    if response.status == 302 and "/manage/" in location:
        return "booked"
    if (response.status == 302 and "/book/" in location) or response.status == 409:
        return "taken"
    if response.status >= 500:
        return f"server error {response.status}"
    return f"unexpected {response.status}"


def load(port: int, requests: list[bytes], *, concurrency: int = 8, check=None) -> tuple[Run, list[str]]:
    """Send every request once, `concurrency` at a time; `check(response)` names each outcome."""
    lock = threading.Lock()
    queue = iter(range(len(requests)))
    latencies: list[float] = []
    outcomes: list[str] = []

    def worker():
        while True:
            with lock:
                n = next(queue, None)
            if n is None:
                return
            try:
                response = send(port, requests[n])
            except OSError as error:
                outcome, seconds = f"connection error {type(error).__name__}", None
            else:
                outcome = check(response) if check else str(response.status)
                seconds = response.seconds
            with lock:
                outcomes.append(outcome)
                if seconds is not None:
                    latencies.append(seconds)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    statuses = dict(sorted(_count(outcomes).items()))
    ok = {"booked", "200"}
    return (
        Run(
            rps=len(requests) / elapsed,
            p50=1000 * percentile(latencies, 50),
            p99=1000 * percentile(latencies, 99),
            requests=len(requests),
            errors=sum(v for k, v in statuses.items() if k not in ok),
            statuses=statuses,
        ),
        outcomes,
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def _count(items) -> dict:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


# Forms --------------------------------------------------------------------------------------------

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def open_form(port: int, path: str) -> tuple[dict, dict]:
    """GET a form as a new visitor: (its hidden fields, the cookies it set)."""
    response = send(port, request_bytes("GET", path, port))
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}")
    hidden = dict(_HIDDEN.findall(response.body.decode(errors="replace")))
    cookies = {}
    for line in response.headers.get("set-cookie", "").split("\n"):
        name, _, rest = line.partition("=")
        if name and rest:
            cookies[name.strip()] = rest.split(";")[0]
    return hidden, cookies


def sign_in(port: int, username: str, password: str) -> str:
    """A staff session through the admin's sign-in form: the Cookie header value for wrk."""
    hidden, cookies = open_form(port, "/admin/login/?next=/admin/")
    fields = {**hidden, "username": username, "password": password}
    response = send(
        port, request_bytes("POST", "/admin/login/?next=/admin/", port, form=fields, cookies=cookies)
    )
    for line in response.headers.get("set-cookie", "").split("\n"):
        name, _, rest = line.partition("=")
        if name and rest:
            cookies[name.strip()] = rest.split(";")[0]
    if response.status != 302 or not any("session" in name for name in cookies):
        note = re.search(rb'class="errornote[^>]*>([^<]*)', response.body)
        raise RuntimeError(f"staff sign-in answered {response.status}: {note and note.group(1).strip()}")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def medians(runs: list[Run]) -> Run:
    return Run(
        rps=median(r.rps for r in runs),
        p50=median(r.p50 for r in runs),
        p99=median(r.p99 for r in runs),
        requests=sum(r.requests for r in runs),
        errors=sum(r.errors for r in runs),
    )
