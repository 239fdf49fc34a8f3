"""The opening rush: hundreds of distinct clients arrive within seconds, each loads the start page,
the picker twice and a details form, and books one of the week's free times (many collide).

Each client is a thread of its own with its own cookies (session, CSRF) and form key, started at
its arrival time; every request is timed from connect to the last byte. A client whose time was
taken follows the redirect to the picker and checks that the time it lost is no longer offered,
and so does a new visitor without cookies, who is served from the shared page cache (no stale slot
after a booking committed).
"""

import random
import re
import threading
import time
from dataclasses import dataclass, field

import loadgen

STEPS = ("start", "picker 1", "picker 2", "details", "booking POST", "picker after taken")
SLOW_MS = 2000
_SLOT_LINK = re.compile(r'href="(/book/\d+/(?:any|\d+)/(\d{8}T\d{4}Z)/)"')


@dataclass
class Rush:
    clients: int
    seconds: float
    latencies: dict = field(default_factory=lambda: {step: [] for step in STEPS})
    outcomes: dict = field(default_factory=dict)
    statuses: dict = field(default_factory=dict)  # unexpected status codes and errors, per step
    stale: int = 0  # a lost time still offered right after the loss
    elapsed: float = 0.0

    def note(self, step: str, what: str) -> None:
        key = f"{step}: {what}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def summary(self) -> dict:
        rows = {}
        for step, values in self.latencies.items():
            ordered = sorted(values)
            rows[step] = {
                "requests": len(ordered),
                "p50": loadgen.percentile(ordered, 50) * 1000 if ordered else None,
                "p95": loadgen.percentile(ordered, 95) * 1000 if ordered else None,
                "p99": loadgen.percentile(ordered, 99) * 1000 if ordered else None,
                "slow": sum(1 for v in ordered if v * 1000 > SLOW_MS),
            }
        return {
            "clients": self.clients,
            "seconds": self.seconds,
            "elapsed": self.elapsed,
            "steps": rows,
            "outcomes": dict(sorted(self.outcomes.items())),
            "errors": dict(sorted(self.statuses.items())),
            "server_errors": sum(v for k, v in self.statuses.items() if " 5" in k),
            "stale": self.stale,
        }


def _cookies(response, jar: dict) -> None:
    for line in response.headers.get("set-cookie", "").split("\n"):
        name, _, rest = line.partition("=")
        if name and rest:
            jar[name.strip()] = rest.split(";")[0]


def one_practitioners_picker(port: int, picker_path: str) -> str:
    """The picker of the service's first practitioner: there a time lost to someone else must vanish
    (with "any", another practitioner may rightly still offer it)."""
    page = loadgen.send(port, loadgen.request_bytes("GET", picker_path, port)).body.decode(errors="replace")
    first = re.search(r'<option value="(\d+)"', page).group(1)
    return f"{picker_path}&practitioner={first}"


def opening_rush(
    port: int, picker_path: str, *, clients: int, seconds: float, tag: str, seed: int = 1
) -> Rush:
    """`picker_path` should show one practitioner's times (see one_practitioners_picker)."""
    rush = Rush(clients=clients, seconds=seconds)
    lock = threading.Lock()
    rng = random.Random(seed)
    choices = [rng.random() for _ in range(clients)]

    def get(step: str, path: str, jar: dict, expected=(200,)):
        response = loadgen.send(port, loadgen.request_bytes("GET", path, port, cookies=jar), timeout=120)
        _cookies(response, jar)
        with lock:
            rush.latencies[step].append(response.seconds)
            if response.status not in expected:
                rush.note(step, str(response.status))
        return response

    def client(n: int) -> None:
        jar: dict = {}
        try:
            get("start", "/", jar)
            get("picker 1", picker_path, jar)
            page = get("picker 2", picker_path, jar).body.decode(errors="replace")
            slots = _SLOT_LINK.findall(page)
            if not slots:
                with lock:
                    rush.outcomes["no free time shown"] = rush.outcomes.get("no free time shown", 0) + 1
                return
            path, start = slots[int(choices[n] * min(len(slots), 12))]  # most people take an early time
            form = get("details", path, jar, expected=(200, 302))  # 302: taken meanwhile, back to the picker
            if form.status != 200:
                with lock:
                    rush.outcomes["taken before the form"] = rush.outcomes.get("taken before the form", 0) + 1
                return
            hidden = dict(loadgen._HIDDEN.findall(form.body.decode(errors="replace")))
            fields = {
                **hidden,
                "name": f"Rush Client {n}",
                "phone": f"050{n:07d}",
                "email": f"rush-{tag}-{n}@example.com",
                "message": "",
            }
            raw = loadgen.request_bytes("POST", path, port, form=fields, cookies=jar)
            response = loadgen.send(port, raw, timeout=120)
            _cookies(response, jar)
            outcome = loadgen.classify_booking(response)
            with lock:
                rush.latencies["booking POST"].append(response.seconds)
                rush.outcomes[outcome] = rush.outcomes.get(outcome, 0) + 1
                if outcome.startswith(("server", "unexpected")):
                    rush.note("booking POST", str(response.status))
            if outcome == "taken":
                # The form again with other free times (409), or a redirect to the picker: neither,
                # nor the picker the client then opens, nor a new visitor's (no cookies: the shared
                # page cache), may offer the lost time.
                location = response.headers.get("location", "")
                pages = [response] if response.status == 409 else []
                again = location[location.index("/book/") :] if "/book/" in location else picker_path
                pages.append(get("picker after taken", again, jar))
                pages.append(get("picker after taken", again, {}))
                for page in pages:
                    offered = {when for _path, when in _SLOT_LINK.findall(page.body.decode(errors="replace"))}
                    if start in offered:
                        with lock:
                            rush.stale += 1
        except OSError as error:
            with lock:
                rush.note("connection", type(error).__name__)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for n, thread in enumerate(threads):
        # Arrivals spread evenly over the window.
        delay = started + n * seconds / clients - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread.start()
    for thread in threads:
        thread.join()
    rush.elapsed = time.perf_counter() - started
    return rush
