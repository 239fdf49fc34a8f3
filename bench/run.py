"""The benchmark, start to finish, in one command (see bench/README.md):

    .venv/bin/python bench/run.py                                   # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/run.py   # + PostgreSQL

Fresh databases per size, seeded with seed_demo; gunicorn -w 2 serving the app and, in the same
run, a bare Django page (bench/baresite); wrk for the GETs, a bounded Python client for the
booking POSTs and the race; medians of several runs; results in bench/results.md.
"""

import argparse
import contextlib
import itertools
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import rush  # noqa: E402

PYTHON = sys.executable
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Environment ----------------------------------------------------------------------------------------


def base_env(work: Path, database_url: str) -> dict:
    """The app's environment for benchmarks: nothing inherited from the caller's DJANGO_* vars."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="inuvet.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_HTTPS="off",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_RATE_LIMITS="off",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_STATIC_ROOT=str(work / "static"),
        DJANGO_VAR_DIR=str(work),
        DATABASE_URL=database_url,
        GUNICORN_ACCESS_LOG="",
        # Steady state: the product's default (2000) recycles a worker every second or two at
        # these rates, which measures worker boots rather than pages (see README).
        GUNICORN_MAX_REQUESTS=os.environ.get("GUNICORN_MAX_REQUESTS", "0"),
    )
    return env


SECRET_KEY = secrets.token_urlsafe(48)


def manage(env: dict, *args: str, timeout: int = 600) -> str:
    out = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def appside(env: dict, *args: str, timeout: int = 600) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out_path = handle.name
    try:
        out = subprocess.run(
            [PYTHON, str(BENCH / "appside.py"), *args, "--out", out_path],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if out.returncode:
            raise RuntimeError(f"appside {args[0]} failed:\n{out.stdout}\n{out.stderr}")
        return json.loads(Path(out_path).read_text())
    finally:
        os.unlink(out_path)


# Databases --------------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str  # "SQLite" or "PostgreSQL"
    server_url: str | None = None  # PostgreSQL only: the caller's DATABASE_URL
    version: str = ""

    def url(self, work: Path, size: int) -> str:
        if self.server_url is None:
            return f"sqlite:///{work / f'bench_{label(size)}.sqlite3'}"
        parts = urlsplit(self.server_url)
        return urlunsplit(parts._replace(path=f"/bench_{label(size)}"))

    def _admin(self):
        import psycopg

        parts = urlsplit(self.server_url)
        return psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            autocommit=True,
        )

    def create(self, work: Path, size: int) -> None:
        if self.server_url is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work / f'bench_{label(size)}.sqlite3'}{suffix}").unlink(missing_ok=True)
            return
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "bench_{label(size)}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "bench_{label(size)}"')
            self.version = conn.execute("SHOW server_version").fetchone()[0]

    def drop(self, size: int) -> None:
        if self.server_url is not None:
            with self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "bench_{label(size)}" WITH (FORCE)')


# gunicorn -------------------------------------------------------------------------------------------


class Server:
    """gunicorn on a free loopback port; its workers' memory is sampled while it runs."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        *,
        app: str = "inuvet.wsgi",
        workers: int = 2,
        threads: int = 1,
        extra=(),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            PYTHON, "-m", "gunicorn", app, "-c", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", str(threads), *extra,
        ]  # fmt: skip
        self.env, self.log_path = env, log_path
        self.peak_kb: dict[int, int] = {}  # worker pid → VmHWM
        self.rss_kb: dict[int, int] = {}  # worker pid → last VmRSS
        self._stop = threading.Event()

    def __enter__(self):
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_path.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200 and len(self.workers()) >= 1:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer in 60 s")
            time.sleep(0.2)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def sample(self) -> None:
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), int(fields["VmHWM"].split()[0]))
            self.rss_kb[pid] = int(fields["VmRSS"].split()[0])

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __exit__(self, *exc):
        self.sample()
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        text = self.log_path.read_text(errors="replace")
        self.tracebacks = text.count("Traceback")
        first = text.find("Traceback")
        self.first_traceback = text[first : first + 4000] if first >= 0 else ""
        self.worker_boots = text.count("Booting worker")


# Measuring ----------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    seed_seconds: float = 0.0
    plan: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)  # page → [Run]
    post_outcomes: dict = field(default_factory=dict)
    race: dict = field(default_factory=dict)
    verify: dict = field(default_factory=dict)
    rush: dict = field(default_factory=dict)
    peak_rss_kb: int = 0
    rss_kb: list = field(default_factory=list)
    worker_boots: int = 0
    tracebacks: int = 0
    profile: dict = field(default_factory=dict)
    first_traceback: str = ""
    env: dict = field(default_factory=dict, repr=False)
    tag: str = ""
    plan_path: Path | None = None


_people = itertools.count()


def booking_form(n: int, tag: str, hidden: dict) -> dict:
    """A new person each time: one phone and email never reach the cap on active bookings."""
    person = next(_people)
    return {
        **hidden,
        "name": f"Bench Client {n}",
        "phone": f"050{person % 10_000_000:07d}",
        "email": f"bench-{tag}-{person}@example.com",
        "message": "",
        "request_key": secrets.token_urlsafe(24),
    }


def prepare(args, backend: Backend, work: Path, size: int) -> SizeResult:
    """A fresh database of `size` appointments, the plan of what to load, queries per request."""
    result = SizeResult(size=size)
    result.env = base_env(work, backend.url(work, size))
    result.tag = f"{backend.name[:2].lower()}{label(size)}"
    log(f"{backend.name} {label(size)}: create, migrate, seed")
    backend.create(work, size)
    manage(result.env, "migrate", "--noinput", "-v0")
    started = time.monotonic()
    seed = ("seed_demo", "--appointments", str(size), "--seed", str(args.seed), "--password", STAFF_PASSWORD)
    manage({**result.env, "DJANGO_DEMO": "on"}, *seed)  # demo mode: the staff users too
    result.seed_seconds = time.monotonic() - started
    log(f"{backend.name} {label(size)}: plan, queries per request")
    plan_args = [
        "--seed",
        str(args.seed),
        "--post-runs",
        str(args.runs),
        "--post-requests",
        str(args.post_requests),
    ]
    result.plan = appside(result.env, "plan", *plan_args)
    result.plan_path = work / f"plan-{result.tag}.json"
    result.plan_path.write_text(json.dumps(result.plan))
    result.queries = appside(result.env, "queries", "--plan", str(result.plan_path))
    return result


PAGES = ("start", "picker", "details")
STAFF_PASSWORD = "bench-" + secrets.token_hex(8)  # seed_demo's staff users in the benchmark's own databases


def staff_day_path(plan: dict) -> str:
    """The staff calendar's day view (every practitioner, client names) of the picker week's Monday."""
    week = plan["paths"]["picker"].split("week=")[1][:10]
    return f"/admin/calendar/?date={week}"


def measure_backend(args, backend: Backend, work: Path, bare: Server) -> list[SizeResult]:
    """Every size served at once, their runs interleaved with the bare page's: a machine that gets
    busier half-way hits every size and the bare page alike, not just the last one measured."""
    results = [prepare(args, backend, work, size) for size in args.sizes]
    with contextlib.ExitStack() as stack:
        apps = [stack.enter_context(Server(r.env, work / f"gunicorn-{r.tag}.log")) for r in results]
        for r in results:
            r.runs = {name: [] for name in ("bare", *PAGES, "staff", "post", "bare_py")}
        log(f"{backend.name}: GETs with wrk, {args.runs} rounds of {args.seconds} s per page and size")
        for r, app in zip(results, apps, strict=True):
            for page in PAGES:
                loadgen.wrk(app.url + r.plan["paths"][page], seconds=1)  # warm-up, not counted
        # Reception, signed in: the day view of everyone with names (each view leaves an access entry).
        staff = [loadgen.sign_in(app.port, "reception", STAFF_PASSWORD) for app in apps]
        for r, app, cookie in zip(results, apps, staff, strict=True):
            loadgen.wrk(app.url + staff_day_path(r.plan), seconds=1, cookie=cookie)
        loadgen.wrk(bare.url + "/", seconds=1)
        for _ in range(args.runs):
            bare_run = loadgen.wrk(bare.url + "/", seconds=args.seconds)
            for page in PAGES:
                for r, app in zip(results, apps, strict=True):
                    r.runs[page].append(loadgen.wrk(app.url + r.plan["paths"][page], seconds=args.seconds))
            for r, app, cookie in zip(results, apps, staff, strict=True):
                url = app.url + staff_day_path(r.plan)
                r.runs["staff"].append(loadgen.wrk(url, seconds=args.seconds, cookie=cookie))
            for r in results:
                r.runs["bare"].append(bare_run)

        log(f"{backend.name}: booking POSTs with the Python client, {args.runs} rounds")
        bare_requests = [loadgen.request_bytes("GET", "/", bare.port)] * args.bare_py_requests
        loadgen.load(bare.port, bare_requests[:200])  # warm-up
        forms = []
        for r, app in zip(results, apps, strict=True):
            hidden, cookies = loadgen.open_form(app.port, r.plan["paths"]["details"])
            forms.append(({"csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"]}, cookies))
            r.post_outcomes = {}
        for round_ in range(args.runs):
            bare_run = loadgen.load(bare.port, bare_requests, concurrency=args.connections)[0]
            for r, app, (hidden, cookies) in zip(results, apps, forms, strict=True):
                r.runs["bare_py"].append(bare_run)
                per_run = min(args.post_requests, len(r.plan["posts"]) // args.runs)
                batch = [
                    loadgen.request_bytes(
                        "POST", path, app.port, form=booking_form(n, r.tag, hidden), cookies=cookies
                    )
                    for n, path in enumerate(r.plan["posts"][round_ * per_run : (round_ + 1) * per_run])
                ]
                run, got = loadgen.load(
                    app.port, batch, concurrency=args.connections, check=loadgen.classify_booking
                )
                r.runs["post"].append(run)
                for outcome in got:
                    r.post_outcomes[outcome] = r.post_outcomes.get(outcome, 0) + 1
        time.sleep(0.6)
        for app in apps:
            app.sample()
    for r, app in zip(results, apps, strict=True):
        r.peak_rss_kb = max(app.peak_kb.values(), default=0)
        r.rss_kb = sorted(app.rss_kb.values())
        r.worker_boots, r.tracebacks = app.worker_boots, app.tracebacks
        r.first_traceback = app.first_traceback

    for r in results:
        log(f"{backend.name} {label(r.size)}: the race ({args.race_single} at 1 slot, {args.race_ten} at 10)")
        log_path = work / f"gunicorn-race-{r.tag}.log"
        with Server(r.env, log_path, workers=args.race_workers, threads=args.race_threads) as racer:
            r.race["single"] = race(racer.port, r.plan["race_single"], args.race_single, f"{r.tag}r1")
            r.race["ten"] = race(racer.port, r.plan["race_ten"], args.race_ten, f"{r.tag}r10")
        r.tracebacks += racer.tracebacks
        r.first_traceback = r.first_traceback or racer.first_traceback
        r.verify = appside(r.env, "verify", "--plan", str(r.plan_path))

    if args.rush_clients:
        r = results[0]  # the smallest calendar: its week has the most free times to fight over
        log(
            f"{backend.name} {label(r.size)}: the opening rush ({args.rush_clients} clients in {args.rush_seconds} s)"
        )
        with Server(r.env, work / f"gunicorn-rush-{r.tag}.log", workers=2) as server:
            picker = rush.one_practitioners_picker(server.port, r.plan["paths"]["picker"])
            outcome = rush.opening_rush(
                server.port, picker, clients=args.rush_clients, seconds=args.rush_seconds, tag=f"{r.tag}rush"
            )
        r.rush = outcome.summary() | {
            "picker": picker,
            "tracebacks": server.tracebacks,
            "overlapping_upcoming": appside(r.env, "verify", "--plan", str(r.plan_path))[
                "overlapping_upcoming"
            ],
        }

    if args.profile:
        r = results[-1]
        log(
            f"{backend.name} {label(r.size)}: profiling the start page, the slot picker, the details form and the booking POST"
        )
        out_dir, name = str(BENCH / "profiles"), f"{backend.name.lower()}-{label(r.size)}"
        r.profile = appside(
            r.env, "profile", "--plan", str(r.plan_path), "--out-dir", out_dir, "--label", name
        )
    return results


def race(port: int, slots: list[dict], attempts: int, tag: str) -> dict:
    """`attempts` visitors, spread evenly over the slots, each with their own form, POST at once."""
    targets = [slots[n % len(slots)]["path"] for n in range(attempts)]

    def open_form(path):
        try:
            return loadgen.open_form(port, path)
        except (OSError, RuntimeError) as error:
            return str(error)  # counted as an error of that attempt

    with ThreadPoolExecutor(max_workers=8) as pool:
        forms = list(pool.map(open_form, targets))
    barrier = threading.Barrier(attempts)
    outcomes: list = [None] * attempts

    def attempt(n: int) -> None:
        if isinstance(forms[n], str):
            barrier.wait()
            outcomes[n] = f"form GET failed: {forms[n].split(' answered ')[-1]}"
            return
        hidden, cookies = forms[n]
        raw = loadgen.request_bytes(
            "POST", targets[n], port, form=booking_form(n, tag, hidden) | {"request_key": hidden["request_key"]},
            cookies=cookies,
        )  # fmt: skip
        barrier.wait()
        try:
            outcomes[n] = loadgen.classify_booking(loadgen.send(port, raw, timeout=120))
        except OSError as error:
            outcomes[n] = f"connection error {type(error).__name__}"

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    booked_per_slot = [
        sum(1 for n, o in enumerate(outcomes) if o == "booked" and targets[n] == s["path"]) for s in slots
    ]
    counts: dict = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return {
        "attempts": attempts,
        "slots": len(slots),
        "booked_per_slot": booked_per_slot,
        "outcomes": counts,
        "errors": sum(v for k, v in counts.items() if k not in {"booked", "taken"}),
        "seconds": elapsed,
        "any_practitioner": sum(1 for s in slots if s["practitioner"] is None),
    }


# Report -------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "inuvet.settings"
    versions = subprocess.run(
        [PYTHON, "-c", "import django, gunicorn, sqlite3, platform; import importlib.metadata as m;"
         "print(platform.python_version(), django.get_version(), gunicorn.__version__, sqlite3.sqlite_version,"
         " m.version('psycopg'))"],
        capture_output=True, text=True, env=env,
    ).stdout.split()  # fmt: skip
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": versions[0] if versions else platform.python_version(),
        "django": versions[1] if len(versions) > 1 else "?",
        "gunicorn": versions[2] if len(versions) > 2 else "?",
        "sqlite": versions[3] if len(versions) > 3 else "?",
        "psycopg": versions[4] if len(versions) > 4 else "?",
        "wrk": loadgen.wrk_version(),
        "git": git + (f" + {len(dirty.splitlines())} uncommitted changes" if dirty.strip() else ""),
        "load_before": Path("/proc/loadavg").read_text().split()[:3],
    }


def fmt_rps(value: float) -> str:
    return f"{value:,.0f}"


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def sql_cell(q: dict) -> str:
    """The request's own queries, plus those of threads it started (the email after commit)."""
    background = (q.get("background") or [0])[-1]
    return f"{steady(q['counts'])}" + (f" + {background} in a thread" if background else "")


def steady(counts: list[int]) -> int:
    return counts[-1]


def write_report(args, info: dict, sections: list[tuple[Backend, list[SizeResult]]], seconds: float) -> str:
    sizes = args.sizes
    small, large = min(sizes), max(sizes)
    lines = [
        "# Benchmark results: Inuvet Ajanvaraus, side by side with a bare Django page",
        "",
        f"Run {info['date']} · `{info['command']}` · {seconds / 60:.1f} minutes · how to read this: "
        "[bench/README.md](README.md)",
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gb']} GB, Linux {info['kernel']}, load "
        f"average before the run {' '.join(info['load_before'])}. Python {info['python']}, Django {info['django']}, "
        f"gunicorn {info['gunicorn']}, SQLite {info['sqlite']}, psycopg {info['psycopg']}"
        + "".join(f", PostgreSQL {b.version}" for b, _ in sections if b.version)
        + f", {info['wrk']}. Code: `{info['git']}`.",
        "",
        f"Servers: gunicorn `-w 2` (sync workers, the product's `gunicorn.conf.py`, access log off, "
        f"`max_requests` {os.environ.get('GUNICORN_MAX_REQUESTS', '0')}) for the app and for the bare page "
        f"(`bench/baresite`). GETs: `wrk -t2 -c{args.connections} -d{args.seconds}s`, {args.runs} runs per page, "
        f"bare page and app pages interleaved, medians. POSTs: the Python client, {args.connections} at a time, "
        f"{args.runs} runs of up to {args.post_requests} bookings each on a different free slot, medians; the bare "
        f"page is measured by the same client between those runs (`bare page (Python client)`).",
        "",
    ]
    for backend, results in sections:
        by = {r.size: r for r in results}
        lines += [f"## {backend.name}", ""]
        p = by[large].plan["picker"]
        lines += [
            "Data: " + "; ".join(
                f"{label(r.size)}: {r.plan['appointments']:,} appointments "
                f"({r.plan['appointments_active_upcoming']:,} upcoming), seeded in {r.seed_seconds:.0f} s, "
                f"picker week {r.plan['picker']['appointments_in_week']} appointments / "
                f"{r.plan['picker']['free_slots_in_week']} free slots shown"
                for r in results
            ) + f". Slot picker: {p['service']} (offered by {p['practitioners']} practitioners), "
            f"any practitioner, week of {p['week']} (`{by[large].plan['paths']['picker']}`).",
            "",
        ]  # fmt: skip
        header = (
            "| Page | Load | "
            + " | ".join(
                f"{label(s)} req/s | {label(s)} p50 ms | {label(s)} p99 ms | {label(s)} SQL" for s in sizes
            )
            + " | ÷ bare "
            + " | ÷ bare ".join(label(s) for s in sizes)
            + f" | {label(large)} ÷ {label(small)} |"
        )
        lines += [header, "|" + "---|" * (header.count("|") - 1)]
        rows = [
            ("bare page", "wrk", "bare", None),
            ("start page `/`", "wrk", "start", "start"),
            ("slot picker (week, any)", "wrk", "picker", "picker"),
            ("details form GET", "wrk", "details", "details"),
            ("staff day view, names, all practitioners", "wrk", "staff", None),
            ("booking POST (complete)", "Python", "post", "post"),
            ("bare page", "Python", "bare_py", None),
        ]
        for title, tool, key, qkey in rows:
            cells = [title, tool]
            meds = {}
            for s in sizes:
                m = loadgen.medians(by[s].runs[key])
                meds[s] = m
                sql = "–" if qkey is None else sql_cell(by[s].queries[qkey])
                cells += [fmt_rps(m.rps), fmt_ms(m.p50), fmt_ms(m.p99), sql]
            for s in sizes:
                base = "bare_py" if tool == "Python" else "bare"
                cells.append(
                    "–"
                    if key in ("bare", "bare_py")
                    else f"{meds[s].rps / loadgen.medians(by[s].runs[base]).rps:.3f}"
                )
            cells.append("–" if key in ("bare", "bare_py") else f"{meds[large].rps / meds[small].rps:.2f}")
            lines.append("| " + " | ".join(cells) + " |")
        lines += [
            "",
            "SQL = queries of one request once the worker is warm, counted in-process with the test client "
            'against the same database ("+ n in a thread": the email the booking sends after commit, from a '
            "thread of the same worker). The three requests in a row: "
            + "; ".join(
                f"{k} {'/'.join(map(str, by[s].queries[k]['counts']))} at {label(s)}"
                for s in sizes
                for k in ("picker", "post")
            )
            + "). Errors (non-2xx/3xx, connect/write/timeout failures, bookings that did not book): "
            + "; ".join(
                f"{label(s)}: " + ", ".join(f"{k} {sum(r.errors for r in by[s].runs[k])}" for k in by[s].runs)
                for s in sizes
            )
            + ". Booking outcomes: "
            + "; ".join(f"{label(s)}: {by[s].post_outcomes}" for s in sizes)
            + ".",
            "",
        ]

        # Targets
        def rps(s, key, by=by):
            return loadgen.medians(by[s].runs[key]).rps

        picker_q = {s: by[s].queries["picker"]["counts"] for s in sizes}
        lines += ["### Against the targets", "", "| Target | Measured | |", "|---|---|---|"]
        # The targets of the opening-rush issue: ratios to the bare page in this same run.
        for title, key, goal in (
            ("start page", "start", 0.50),
            ("slot picker (week, any)", "picker", 0.25),
            ("details form GET", "details", 0.25),
        ):
            for s in sizes:
                ratio = rps(s, key) / rps(s, "bare")
                lines.append(
                    f"| {title} ≥ {goal:.2f} × bare page ({label(s)}) | {ratio:.3f} × | {verdict(ratio >= goal)} |"
                )
        flat = rps(large, "picker") / rps(small, "picker")
        lines.append(
            f"| slot picker at {label(large)} ÷ at {label(small)} ≥ 0.90 | {flat:.2f} | {verdict(flat >= 0.90)} |"
        )
        qs = sorted({steady(c) for c in picker_q.values()})
        lines.append(
            f"| slot picker SQL queries constant and ≤ 8 | {', '.join(map(str, qs))} | {verdict(len(qs) == 1 and qs[0] <= 8)} |"
        )
        for s in sizes:
            strict = rps(s, "post") / rps(s, "bare")
            same = rps(s, "post") / rps(s, "bare_py")
            lines.append(
                f"| booking POST ≥ 0.06 × bare page ({label(s)}) | {strict:.3f} × the wrk bare page "
                f"({same:.3f} × the same client's) | {verdict(strict >= 0.06)} |"
            )
        posts = {s: steady(by[s].queries["post"]["counts"]) for s in sizes}
        lines.append(
            f"| booking POST SQL queries ≤ 10 | {', '.join(sql_cell(by[s].queries['post']) for s in sizes)} "
            f"| {verdict(all(n <= 10 for n in posts.values()))} |"
        )
        for s in sizes:
            r = by[s]
            single, ten = r.race["single"], r.race["ten"]
            ok = (
                single["booked_per_slot"] == [1]
                and ten["booked_per_slot"] == [1] * ten["slots"]
                and single["errors"] == 0
                and ten["errors"] == 0
                and r.verify["race_single"] == [1]
                and r.verify["race_ten"] == [1] * ten["slots"]
                and r.verify["overlapping_upcoming"] == 0
            )
            lines.append(
                f"| race: 1 booking per slot, 0 errors ({label(s)}) | {single['attempts']} at 1 slot: "
                f"{single['booked_per_slot']} booked, {single['errors']} errors; {ten['attempts']} at {ten['slots']} "
                f"slots: {ten['booked_per_slot']} booked, {ten['errors']} errors | {verdict(ok)} |"
            )
        lines.append("")

        # Race detail
        lines += [
            "### The race",
            "",
            f"Against gunicorn `-w {args.race_workers} --threads {args.race_threads}` (more requests in flight "
            "than `-w 2`, so that bookings really collide), every attempt a separate visitor with its own CSRF "
            "cookie and form key, all released by one barrier. A slot is one that only one booking can take: "
            '"any practitioner" at a time when exactly one practitioner is free, else that practitioner\'s own URL.',
            "",
            "| Size | Attempts | Slots (any / own URL) | Booked per slot (HTTP) | Booked per slot (database) | Outcomes | Errors | Overlapping upcoming appointments in the database | Time |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for s in sizes:
            r = by[s]
            for key, vkey in (("single", "race_single"), ("ten", "race_ten")):
                x = r.race[key]
                lines.append(
                    f"| {label(s)} | {x['attempts']} | {x['slots']} ({x['any_practitioner']} / {x['slots'] - x['any_practitioner']}) "
                    f"| {x['booked_per_slot']} | {r.verify[vkey]} | {x['outcomes']} | {x['errors']} "
                    f"| {r.verify['overlapping_upcoming']} of {r.verify['checked_upcoming']:,} | {x['seconds']:.1f} s |"
                )
        lines.append("")

        # The opening rush
        x = by[small].rush
        if x:
            lines += [
                "### The opening rush",
                "",
                f"{x['clients']} distinct clients (own sessions and CSRF tokens) arrive evenly within {x['seconds']:.0f} s "
                f"at gunicorn `-w 2` ({label(small)} appointments); each loads the start page, one practitioner's "
                f"picker twice (`{x['picker']}`) and the details form of one of the week's first free times, and "
                "posts the booking. Whoever lost the time gets the form again with other times, then opens the "
                "picker as themself and as a new visitor without cookies (the shared page cache): none may "
                f"offer the lost time. All done in {x['elapsed']:.1f} s.",
                "",
                "| Step | Requests | p50 ms | p95 ms | p99 ms | over 2 s |",
                "|---|---|---|---|---|---|",
            ]
            for step, row in x["steps"].items():
                if row["requests"]:
                    lines.append(
                        f"| {step} | {row['requests']} | {fmt_ms(row['p50'])} | {fmt_ms(row['p95'])} "
                        f"| {fmt_ms(row['p99'])} | {row['slow']} |"
                    )
            get_p99 = max(
                (
                    row["p99"]
                    for step, row in x["steps"].items()
                    if row["requests"] and step != "booking POST"
                ),
                default=0,
            )
            post_p99 = x["steps"]["booking POST"]["p99"] or 0
            lines += [
                "",
                f"Outcomes: {x['outcomes']}. Unexpected answers: {x['errors'] or 'none'}. Server errors: "
                f"{x['server_errors']}; tracebacks in the log: {x['tracebacks']}. Double bookings (overlapping "
                f"upcoming appointments of one practitioner): {x['overlapping_upcoming']}. A lost time still "
                f"offered right after: {x['stale']}.",
                "",
                "| Target | Measured | |",
                "|---|---|---|",
                f"| p99 of every GET under 1 s | {get_p99:.0f} ms | {verdict(get_p99 < 1000)} |",
                f"| p99 of the booking POST under 2 s | {post_p99:.0f} ms | {verdict(post_p99 < 2000)} |",
                f"| 0 server errors | {x['server_errors']} | {verdict(x['server_errors'] == 0 and not x['tracebacks'])} |",
                f"| 0 double bookings | {x['overlapping_upcoming']} | {verdict(x['overlapping_upcoming'] == 0)} |",
                f"| no stale time offered after a loss | {x['stale']} | {verdict(x['stale'] == 0)} |",
                "",
            ]

        # Memory
        lines += [
            "### Memory",
            "",
            "| Size | Peak RSS of a worker (VmHWM, max over workers) | RSS of the workers at the end | Worker boots | Tracebacks in the logs |",
            "|---|---|---|---|---|",
        ]
        for s in sizes:
            r = by[s]
            lines.append(
                f"| {label(s)} | {r.peak_rss_kb / 1024:.1f} MiB | {', '.join(f'{k / 1024:.1f}' for k in r.rss_kb)} MiB "
                f"| {r.worker_boots} | {r.tracebacks} |"
            )
        lines.append("")

        # Every run
        lines += ["### Every run (req/s; p50/p99 ms)", "", "| Page | " + " | ".join(label(s) for s in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]  # fmt: skip
        for title, tool, key, _ in rows:
            cells = [f"{title} ({tool})"]
            for s in sizes:
                cells.append(
                    "; ".join(f"{fmt_rps(x.rps)} ({fmt_ms(x.p50)}/{fmt_ms(x.p99)})" for x in by[s].runs[key])
                )
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

        for s in sizes:
            if by[s].first_traceback:
                lines += [
                    f"### First traceback in the gunicorn logs ({label(s)})",
                    "",
                    "```",
                    by[s].first_traceback.strip(),
                    "```",
                    "",
                ]
        if by[large].profile:
            lines += ["### Profiles", ""]
            for name, x in by[large].profile.items():
                rel = Path(x["file"]).relative_to(BENCH)
                lines.append(
                    f"- {name}: {x['requests']} requests in-process under {x['tool']}, {x['seconds']:.1f} s "
                    f"({1000 * x['seconds'] / max(x['requests'], 1):.1f} ms each): [{rel}]({rel})"
                )
            lines.append("")
    return "\n".join(lines)


# Main -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,100000", help="appointments to seed, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per page (medians)")
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--post-requests", type=int, default=250, help="bookings per POST run (at most)")
    parser.add_argument("--bare-py-requests", type=int, default=3000)
    parser.add_argument("--race-single", type=int, default=100, help="attempts at one slot")
    parser.add_argument("--race-ten", type=int, default=500, help="attempts at ten slots")
    parser.add_argument("--race-workers", type=int, default=4)
    parser.add_argument("--race-threads", type=int, default=4)
    parser.add_argument("--rush-clients", type=int, default=300, help="the opening rush (0: skip it)")
    parser.add_argument("--rush-seconds", type=float, default=10, help="the window the rush arrives in")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="also profile the largest size (bench/profiles/)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (needs DATABASE_URL)")
    parser.add_argument("--out", help="default bench/results.md")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases and logs (printed at the end)"
    )
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.out = args.out or str(BENCH / "results.md")
    if not loadgen.have_wrk():
        sys.exit("wrk not found: apt-get install wrk")

    backends = [] if args.no_sqlite else [Backend("SQLite")]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        backends.append(Backend("PostgreSQL", server_url=os.environ["DATABASE_URL"]))
    if not backends:
        sys.exit("nothing to run: --no-sqlite needs DATABASE_URL=postgres://…")

    info = machine()
    info["date"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    info["command"] = " ".join(
        (["DATABASE_URL=…"] if any(b.server_url for b in backends) else [])
        + ["python", "bench/run.py", *sys.argv[1:]]
    )
    work = Path(tempfile.mkdtemp(prefix="inuvet-bench-"))
    sections = []
    try:
        log(f"work directory {work}; collecting static files")
        manage(base_env(work, f"sqlite:///{work / 'static.sqlite3'}"), "collectstatic", "--noinput", "-v0")
        bare_env = base_env(work, "") | {"DJANGO_SETTINGS_MODULE": "baresite.settings"}
        bare_env.pop("DATABASE_URL")
        with Server(
            bare_env, work / "gunicorn-bare.log", app="baresite.wsgi", extra=("--pythonpath", str(BENCH))
        ) as bare:
            for backend in backends:
                results = measure_backend(args, backend, work, bare)
                if not args.keep:
                    for size in args.sizes:
                        backend.drop(size)
                sections.append((backend, results))
        report = write_report(args, info, sections, time.monotonic() - STARTED)
        Path(args.out).write_text(report + "\n")
        log(f"wrote {args.out}")
        raw = Path(args.out).with_suffix(".json")
        raw.write_text(
            json.dumps(
                [
                    {
                        "backend": b.name,
                        "version": b.version,
                        "results": [
                            {k: v for k, v in r.__dict__.items() if k not in ("env", "plan_path")} for r in rs
                        ],
                    }
                    for b, rs in sections
                ],
                default=lambda o: o.__dict__,
                indent=1,
            )
        )
    except BaseException:
        log(f"failed: the databases, plans and gunicorn logs are kept in {work}")
        raise
    else:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"done in {(time.monotonic() - STARTED) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
