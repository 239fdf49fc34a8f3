"""The benchmark's in-process side: runs inside the app's Django setup, against a seeded database.

    python bench/appside.py plan    --out plan.json                # URLs and free slots to use
    python bench/appside.py queries --plan plan.json --out q.json  # SQL queries per request
    python bench/appside.py verify  --plan plan.json --out v.json  # race outcome, from the database
    python bench/appside.py profile --plan plan.json --out-dir DIR # pyinstrument (or cProfile)

Environment: the same as the gunicorn it is measured with (DATABASE_URL, DJANGO_SECRET_KEY, …).
It only reads, except `queries` and `profile`, which book the slots the plan set aside for them
through the ordinary booking form (the test client), exactly as a visitor would.
"""

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inuvet.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings.calendar import bookable_practitioners, find_free_slots, local_tz, monday_of  # noqa: E402
from bookings.models import Appointment, Service  # noqa: E402

HOST = "127.0.0.1"
SLOT_LINK = 'class="btn btn-outline-primary slot"'

# How many free slots each use gets (the POST benchmark takes what is left, up to its maximum).
RACE_SLOTS = 1 + 10
QUERY_POSTS = 3
PROFILE_POSTS = 60


# Planning -----------------------------------------------------------------------------------------


def _local_day(dt) -> date:
    return dt.astimezone(local_tz()).date()


def _details_path(service_id: int, practitioner: int | None, start) -> str:
    return reverse(
        "online:details", kwargs={"service_id": service_id, "practitioner": practitioner, "start": start}
    )


def plan(args) -> dict:
    """Which pages to load and which free slots each booking may take.

    The slot picker shows next week (the seed fills the coming weeks first: at 100 000 appointments
    it is a busy week) for the service that most practitioners offer, "any practitioner". The
    bookings take slots whose occupied times (buffers included) do not overlap one another at
    all, outside that week: however the concurrent requests interleave, each one finds its slot
    free, so every POST is a complete booking.
    """
    rng = random.Random(args.seed)
    today = timezone.localdate()
    services = list(Service.objects.filter(is_active=True, bookable_online=True).order_by("order", "pk"))
    staff = {s.pk: [p.pk for p in bookable_practitioners(s)] for s in services}
    picker = max(services, key=lambda s: (len(staff[s.pk]), -s.order, -s.pk))
    week = monday_of(today) + timedelta(days=7)
    week_slots = find_free_slots(
        picker, practitioner_ids=staff[picker.pk], first_day=week, last_day=week + timedelta(days=6)
    )
    if not week_slots:
        raise SystemExit("the picker week has no free slot: cannot choose one for the details form")
    details_slot = week_slots[len(week_slots) // 2]
    week_busy = (
        Appointment.objects.active()
        .filter(start__date__gte=week, start__date__lte=week + timedelta(days=6))
        .count()
    )

    candidates = []
    for service in services:
        first = today + timedelta(days=2)  # never tomorrow: the run may cross midnight
        last = today + timedelta(days=service.max_days_ahead - 1)
        for slot in find_free_slots(
            service, practitioner_ids=staff[service.pk], first_day=first, last_day=last
        ):
            if week <= _local_day(slot.start) <= week + timedelta(days=6):
                continue
            occupied = (
                slot.start - timedelta(minutes=service.buffer_before),
                slot.end + timedelta(minutes=service.buffer_after),
            )
            candidates.append((occupied, rng.random(), service.pk, slot))
    # Interval scheduling: the most pairwise-disjoint occupied times (ties broken at random, so
    # that the services are mixed).
    candidates.sort(key=lambda c: (c[0][1], c[1]))
    chosen, last_end = [], None
    for occupied, _, service_id, slot in candidates:
        if last_end is None or occupied[0] >= last_end:
            chosen.append((service_id, slot))
            last_end = occupied[1]
    rng.shuffle(chosen)

    # The race needs slots that only one booking can take: "any practitioner" where exactly one
    # is free, else that practitioner's own URL.
    chosen.sort(key=lambda c: len(c[1].practitioner_ids) != 1)
    race = []
    for service_id, slot in chosen[:RACE_SLOTS]:
        practitioner = None if len(slot.practitioner_ids) == 1 else slot.practitioner_ids[0]
        race.append(
            {
                "path": _details_path(service_id, practitioner, slot.start),
                "service_id": service_id,
                "start": slot.start.isoformat(),
                "practitioner": practitioner,
                "free_practitioners": list(slot.practitioner_ids),
            }
        )
    rest = chosen[RACE_SLOTS:]
    rng.shuffle(rest)
    paths = [_details_path(service_id, None, slot.start) for service_id, slot in rest]
    post_max = args.post_runs * args.post_requests
    return {
        "today": today.isoformat(),
        "appointments": Appointment.objects.count(),
        "appointments_active_upcoming": Appointment.objects.active().upcoming().count(),
        "picker": {
            "service_id": picker.pk,
            "service": picker.name_en or picker.name,
            "practitioners": len(staff[picker.pk]),
            "week": week.isoformat(),
            "free_slots_in_week": len(week_slots),
            "appointments_in_week": week_busy,
        },
        "paths": {
            "start": reverse("online:home"),
            "picker": reverse("online:slots", kwargs={"service_id": picker.pk}) + f"?week={week.isoformat()}",
            "details": _details_path(picker.pk, None, details_slot.start),
        },
        "disjoint_free_slots": len(chosen),
        "race_single": race[:1],
        "race_ten": race[1:RACE_SLOTS],
        "query_posts": paths[:QUERY_POSTS],
        "profile_posts": paths[QUERY_POSTS : QUERY_POSTS + PROFILE_POSTS],
        "posts": paths[QUERY_POSTS + PROFILE_POSTS : QUERY_POSTS + PROFILE_POSTS + post_max],
    }


# Queries per request ----------------------------------------------------------------------------


_PHONE_BASE = random.randrange(10_000_000)  # run.py's clients use 050…, these 045…


def booking_fields(n: int, tag: str) -> dict:
    """Form fields of a unique person (the cap on bookings per person never interferes)."""
    return {
        "name": f"Bench Client {n}",
        "phone": f"045{(_PHONE_BASE + n) % 10_000_000:07d}",
        "email": f"bench-{tag}-{n}@example.com",
        "message": "",
        "request_key": f"{tag}-{n}-{random.getrandbits(64):016x}",
    }


class BackgroundQueries:
    """Queries run by threads a request starts (the outbox sends emails from a thread after
    commit): CaptureQueriesContext sees only the request's own connection."""

    def __init__(self):
        from django.db.backends.utils import CursorWrapper

        self.count = 0
        self.lock = threading.Lock()
        for name in ("_execute", "_executemany"):
            original = getattr(CursorWrapper, name)

            def counting(cursor, *args, _original=original):
                if threading.current_thread() is not threading.main_thread():
                    with self.lock:
                        self.count += 1
                return _original(cursor, *args)

            setattr(CursorWrapper, name, counting)

    def around(self, make_request):
        """(response, queries of the threads it started, once they have finished)."""
        before, start = set(threading.enumerate()), self.count
        response = make_request()
        for thread in set(threading.enumerate()) - before:
            thread.join(timeout=30)
        return response, self.count - start


def _client() -> Client:
    return Client(HTTP_HOST=HOST)


def queries(args) -> dict:
    """Queries of each page, three times in a row (the first of a process may warm caches)."""
    p = json.loads(Path(args.plan).read_text())
    client = _client()
    background = BackgroundQueries()
    out: dict = {}
    for name in ("start", "picker", "details"):
        counts, extra, sql, size, slots = [], [], [], 0, 0
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                response, more = background.around(lambda name=name: client.get(p["paths"][name]))
            assert response.status_code == 200, (name, response.status_code)
            counts.append(len(ctx.captured_queries))
            extra.append(more)
            sql = [q["sql"] for q in ctx.captured_queries]
            size = len(response.content)
            slots = response.content.decode().count(SLOT_LINK)
        out[name] = {"counts": counts, "background": extra, "sql": sql, "bytes": size, "slot_links": slots}
    counts, extra, sql, outcomes = [], [], [], []
    for n, path in enumerate(p["query_posts"]):
        fields = booking_fields(n, f"q{time.time_ns()}")
        with CaptureQueriesContext(connection) as ctx:
            response, more = background.around(lambda path=path, fields=fields: client.post(path, fields))
        counts.append(len(ctx.captured_queries))
        extra.append(more)
        sql = [q["sql"] for q in ctx.captured_queries]
        outcomes.append(f"{response.status_code} {response.get('Location', '')[:8]}")
    out["post"] = {"counts": counts, "background": extra, "sql": sql, "outcomes": outcomes}
    return out


# Race verification ------------------------------------------------------------------------------


def verify(args) -> dict:
    """Bookings per raced slot, and any two active appointments of one practitioner that overlap."""
    p = json.loads(Path(args.plan).read_text())
    result = {}
    for key in ("race_single", "race_ten"):
        per_slot = []
        for slot in p[key]:
            # Only these practitioners were free at that time before the race: what they hold
            # there now, the race booked.
            who = [slot["practitioner"]] if slot["practitioner"] else slot["free_practitioners"]
            qs = Appointment.objects.active().filter(start=slot["start"], practitioner_id__in=who)
            per_slot.append(qs.count())
        result[key] = per_slot
    # Every upcoming active appointment, per practitioner in time order: no neighbours overlap.
    by_practitioner = defaultdict(list)
    rows = (
        Appointment.objects.active()
        .filter(occupied_end__gt=timezone.now() - timedelta(days=1))
        .values_list("practitioner_id", "occupied_start", "occupied_end")
    )
    for pid, start, end in rows:
        by_practitioner[pid].append((start, end))
    overlaps = 0
    for intervals in by_practitioner.values():
        intervals.sort()
        latest_end = None
        for start, end in intervals:
            if latest_end is not None and start < latest_end:
                overlaps += 1
            latest_end = end if latest_end is None else max(latest_end, end)
    result["overlapping_upcoming"] = overlaps
    result["checked_upcoming"] = len(rows)
    return result


# Profiles ---------------------------------------------------------------------------------------


def profile(args) -> dict:
    """The start page, the slot picker, the details form and the booking POST under a sampling
    profiler, in-process."""
    p = json.loads(Path(args.plan).read_text())
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    client = _client()
    for _ in range(5):  # warm caches, as a running worker would have them
        client.get(p["paths"]["picker"])

    def picker():
        for _ in range(args.picker_requests):
            assert client.get(p["paths"]["picker"]).status_code == 200

    def posts():
        tag = f"p{time.time_ns()}"
        for n, path in enumerate(p["profile_posts"]):
            response = client.post(path, booking_fields(n, tag))
            assert response.status_code == 302 and "/manage/" in response["Location"], response

    written = {}

    def start():
        for _ in range(args.picker_requests):
            assert client.get(p["paths"]["start"]).status_code == 200

    def details():
        for _ in range(args.picker_requests):
            client.cookies.clear()  # each a new visitor, as wrk's
            assert client.get(p["paths"]["details"]).status_code == 200

    for name, work in (("start", start), ("picker", picker), ("details", details), ("post", posts)):
        started = time.perf_counter()
        try:
            from pyinstrument import Profiler
        except ImportError:
            import cProfile
            import io
            import pstats

            prof = cProfile.Profile()
            prof.runcall(work)
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
            text, tool = buf.getvalue(), "cProfile"
        else:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            work()
            profiler.stop()
            text, tool = profiler.output_text(unicode=False, color=False, show_all=False), "pyinstrument"
        elapsed = time.perf_counter() - started
        requests = len(p["profile_posts"]) if name == "post" else args.picker_requests
        path = out_dir / f"{args.label}-{name}.txt"
        path.write_text(text)
        written[name] = {"file": str(path), "tool": tool, "requests": requests, "seconds": elapsed}
    return written


# -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["plan", "queries", "verify", "profile"])
    parser.add_argument("--plan")
    parser.add_argument("--out")
    parser.add_argument("--out-dir")
    parser.add_argument("--label", default="profile")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--post-runs", type=int, default=3)
    parser.add_argument("--post-requests", type=int, default=250)
    parser.add_argument("--picker-requests", type=int, default=200)
    args = parser.parse_args()
    result = {"plan": plan, "queries": queries, "verify": verify, "profile": profile}[args.command](args)
    text = json.dumps(result, indent=2, default=str)
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
