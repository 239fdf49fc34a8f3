"""Lighthouse (mobile preset) on the client's four booking pages of a running demo server: the start
page, the slot picker, the details form and the confirmation. Writes the scores to bench/lighthouse.md
(and the full reports to bench/out/lighthouse/).

    make demo                                   # or any running server with demo data
    python bench/lighthouse.py --base http://127.0.0.1:8000 [--runs 3]

It installs the npm package `lighthouse` into bench/.lighthouse/ (git-ignored) on first use and
runs Debian's Chromium (CHROME_PATH, default /usr/bin/chromium). The confirmation page needs a
booking: the script books the first free time of the first service, as a person would with the
form (this writes one booking, with a made-up client, into the demo database).
With --runs N each page is measured N times and the median score is reported (mobile performance
is noisy on a small machine).
"""

import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIX = HERE / ".lighthouse"
OUT = HERE / "out" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 95}


def lighthouse_bin() -> Path:
    binary = PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        PREFIX.mkdir(exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "lighthouse@12"],
            check=True,
        )
    return binary


class Browser:
    """Just enough of a browser to walk the booking flow: cookies, GET, form POST."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, data: dict) -> str:
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": self.base + path, "Origin": self.base},
        )
        with self.opener.open(request, timeout=30) as response:
            return response.geturl()


def pages(base: str) -> dict[str, str]:
    browser = Browser(base)
    _, start = browser.get("/")
    picker = html.unescape(re.search(r'href="(/book/\d+/)"', start).group(1))
    _, picker_page = browser.get(picker + "?week=first")
    details = html.unescape(
        re.search(r'class="btn btn-outline-primary slot[^"]*" href="([^"]+)"', picker_page).group(1)
    )
    _, form = browser.get(details)
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|request_key)" value="([^"]+)"', form))
    confirmation = browser.post(
        details,
        {
            **fields,
            "name": "Lighthouse Testi",
            "phone": "040 000 0000",
            "email": "lighthouse@example.com",
            "message": "",
        },
    )
    if "/manage/" not in confirmation:
        sys.exit(f"booking did not reach the confirmation page: {confirmation}")
    return {
        "start page": base.rstrip("/") + "/",
        "slot picker": base.rstrip("/") + picker,
        "details form": base.rstrip("/") + details,
        "confirmation": confirmation,
    }


def run(binary: Path, url: str, name: str, n: int) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"{name.replace(' ', '-')}-{n}.json"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        check=True,
        env=env,
    )
    result = json.loads(report.read_text())
    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
    failing = sorted(
        audit["id"]
        for audit in result["audits"].values()
        if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") == "binary"
    )
    return {"scores": scores, "failing": failing, "transfer": _transfer(result)}


def _transfer(result: dict) -> int:
    items = result["audits"].get("network-requests", {}).get("details", {}).get("items", [])
    return sum(item.get("transferSize", 0) for item in items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    binary = lighthouse_bin()
    rows = []
    for name, url in pages(args.base).items():
        runs = [run(binary, url, name, n) for n in range(args.runs)]
        scores = {c: statistics.median(r["scores"][c] for r in runs) for c in CATEGORIES}
        failing = sorted({a for r in runs for a in r["failing"]})
        rows.append((name, scores, runs[0]["transfer"], failing))
        print(name, scores, f"{runs[0]['transfer'] / 1024:.1f} KB", failing, flush=True)
    write(rows, args.runs)


def write(rows, runs: int) -> None:
    lines = [
        "# Lighthouse, mobile preset",
        "",
        f"`python bench/lighthouse.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Lighthouse 12, Debian Chromium,"
        f" headless; median of {runs} run(s) per page. Targets: performance ≥ 95, accessibility 100,"
        " best practices 100, SEO ≥ 95. Transfer: every request of the page load (gzip/brotli).",
        "",
        "| Page | Performance | Accessibility | Best practices | SEO | Transfer | Audits not passed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, scores, transfer, failing in rows:
        marks = [f"{scores[c]:g}{'' if scores[c] >= TARGETS[c] else ' ✗'}" for c in CATEGORIES]
        lines.append(
            f"| {name} | {' | '.join(marks)} | {transfer / 1024:.1f} KB | {', '.join(failing) or '–'} |"
        )
    (HERE / "lighthouse.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
