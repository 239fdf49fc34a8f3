"""Can an outsider tell from the answer's timing whether an address has data? (issue 12, point 8)

    .venv/bin/python bench/enumeration.py [--tries 200]

Serves the app with gunicorn -w 2 (the product's config, rate limits off) on a fresh SQLite
database holding one client, then POSTs /privacy/request/ alternately with the client's address
and with unknown addresses, each attempt a fresh visitor (own CSRF cookie). Reports status codes,
body sizes and the median and p90 of each, and their difference. Results go to
bench/enumeration.md.
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

CLIENT_EMAIL = "known.client@example.com"


def one_attempt(url: str, email: str) -> tuple[int, int, float]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/privacy/request/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email}).encode()
    request = urllib.request.Request(url + "/privacy/request/", data=body, headers={"Referer": url + "/"})
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
        manage(
            env,
            "shell",
            "-c",
            "from customers.models import Customer; "
            f"Customer.objects.create(name='Known Client', phone='+358401112233', email='{CLIENT_EMAIL}')",
        )
        with Server(env, work / "gunicorn.log", workers=2) as server:
            for n in range(20):  # warm both workers
                one_attempt(server.url, f"warm{n}@example.com")
            known, unknown = [], []
            for n in range(args.tries):
                known.append(one_attempt(server.url, CLIENT_EMAIL))
                unknown.append(one_attempt(server.url, f"nobody{n}@example.com"))

    def summary(rows):
        times = sorted(t for _, _, t in rows)
        return {
            "statuses": sorted({s for s, _, _ in rows}),
            "sizes": sorted({b for _, b, _ in rows}),
            "median": statistics.median(times),
            "p90": times[int(len(times) * 0.9)],
        }

    k, u = summary(known), summary(unknown)
    lines = [
        "# Does the answer of /privacy/request/ tell whether an address has data?",
        "",
        f"`python bench/enumeration.py --tries {args.tries}`: gunicorn -w 2, SQLite, each attempt a fresh "
        "visitor; the client's address and unknown addresses alternate.",
        "",
        "| Address | Status codes | Body sizes (bytes, tokens removed) | Median ms | p90 ms |",
        "|---|---|---|---|---|",
        f"| has data | {k['statuses']} | {k['sizes']} | {k['median']:.2f} | {k['p90']:.2f} |",
        f"| no data | {u['statuses']} | {u['sizes']} | {u['median']:.2f} | {u['p90']:.2f} |",
        "",
        f"Median difference: **{abs(k['median'] - u['median']):.2f} ms** (target: under 2 ms).",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
