"""Can an outsider tell from the answer's timing whether someone's data exists? (issue 12, point 8)

    .venv/bin/python bench/enumeration.py [--tries 200]

Serves the app with gunicorn -w 2 (the product's config, rate limits off) on a fresh SQLite
database with demo data, then POSTs, alternately for someone who has data and for unknown ones,
each attempt a fresh visitor (own CSRF cookie): /privacy/request/ (an email) and "send my link
again" /manage/ (a booking reference and an email). Reports status codes, body sizes, the median
and p90 of each, and their difference. Results go to bench/enumeration.md.
"""

import argparse
import http.cookiejar
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import Server, base_env, manage  # noqa: E402


def one_attempt(url: str, path: str, fields: dict) -> tuple[int, int, float]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + path, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    request = urllib.request.Request(url + path, data=body, headers={"Referer": url + "/"})
    started = time.perf_counter()
    with opener.open(request, timeout=10) as response:
        content = response.read()
        status = response.status
    return status, len(re.sub(rb'value="[^"]+"', b"", content)), (time.perf_counter() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=200)
    parser.add_argument("--out", default=str(BENCH / "enumeration.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="inuvet-enum-") as tmp:
        work = Path(tmp)
        env = base_env(work, f"sqlite:///{work / 'enum.sqlite3'}")
        env["DJANGO_OUTBOX_DELIVERY"] = "thread"
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--appointments", "200", "--seed", "1")
        known = manage(
            env,
            "shell",
            "-c",
            "from bookings.models import Appointment; "
            "a = Appointment.objects.confirmed().upcoming().exclude(customer__email='').first(); "
            "print(a.reference, a.customer.email)",
        ).split()
        reference, email = known[-2], known[-1]
        pages = {
            "/privacy/request/": (lambda n: {"email": email}, lambda n: {"email": f"nobody{n}@example.com"}),
            "/manage/": (
                lambda n: {"reference": reference, "contact": email},
                lambda n: {"reference": "KKKKKK", "contact": f"nobody{n}@example.com"},
            ),
        }
        results = {}
        with Server(env, work / "gunicorn.log", workers=2) as server:
            for path, (has, hasnt) in pages.items():
                for n in range(20):  # warm both workers
                    one_attempt(server.url, path, hasnt(n))
                rows = ([], [])
                for n in range(args.tries):
                    rows[0].append(one_attempt(server.url, path, has(n)))
                    rows[1].append(one_attempt(server.url, path, hasnt(n)))
                results[path] = rows

    def summary(rows):
        times = sorted(t for _, _, t in rows)
        return {
            "statuses": sorted({s for s, _, _ in rows}),
            "sizes": sorted({b for _, b, _ in rows}),
            "median": statistics.median(times),
            "p90": times[int(len(times) * 0.9)],
        }

    lines = [
        "# Does an answer tell whether someone's data exists?",
        "",
        f"`python bench/enumeration.py --tries {args.tries}`: gunicorn -w 2, SQLite, each attempt a fresh "
        "visitor; attempts for someone with data and for unknown ones alternate.",
        "",
        "| Page | Data | Status codes | Body sizes (bytes, tokens removed) | Median ms | p90 ms | Median difference |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, (has, hasnt) in results.items():
        k, u = summary(has), summary(hasnt)
        difference = abs(k["median"] - u["median"])
        lines += [
            f"| `{path}` | exists | {k['statuses']} | {k['sizes']} | {k['median']:.2f} | {k['p90']:.2f} | "
            f"**{difference:.2f} ms** |",
            f"| `{path}` | none | {u['statuses']} | {u['sizes']} | {u['median']:.2f} | {u['p90']:.2f} | |",
        ]
    lines += ["", "Target: the same status and body, and a median difference under 2 ms."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
