"""The Nu HTML checker (vnu) finds no error on any public page, in any state, nor in any email.

It catches what the test client cannot: a <form> nested in another (browsers drop the inner
one and its button submits nothing), duplicate ids, bad attributes. Needs Java and the npm
package vnu-jar (`.ci/run` installs both); skips with a message without them.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import next_open_weekday
from tests.public_pages import every_email, every_page, public_url_names

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = Path(
    os.environ.get("VNU_JAR", ROOT / ".vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not VNU_JAR.exists() or not shutil.which("java"),
        reason=f"the Nu HTML checker is not installed: needs Java (apt-get install default-jre-headless) "
        f"and {VNU_JAR} (npm install --prefix .vnu vnu-jar)",
    ),
]


def html_errors(documents: dict[str, str], folder: Path) -> list[str]:
    """vnu's errors, as "name: line:column message", for every document at once (one JVM)."""
    names = {}
    for n, (name, html) in enumerate(documents.items()):
        path = folder / f"doc-{n:03d}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--exit-zero-always",
            *sorted(map(str, folder.glob("*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: {m.get('lastLine')}:{m.get('firstColumn')} {m['message']} "
        f"[{m.get('extract', '').strip()[:120]}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_every_public_page_in_every_state_has_no_html_error(settings, tmp_path):
    pages = every_page(next_open_weekday(), settings)
    assert public_url_names() <= {url_name for url_name, _ in pages.values()}, "a page is missing here"
    errors = html_errors({name: html for name, (_, html) in pages.items()}, tmp_path)
    assert not errors, "\n".join(errors)


def test_every_email_in_every_language_has_no_html_error(tmp_path):
    emails = every_email(next_open_weekday())
    kinds = {
        path.stem
        for path in (ROOT / "templates" / "notifications").glob("*.html")
        if not path.stem.startswith("_")
    }
    for language in ("fi", "sv", "en"):
        client_kinds = {k for k in kinds if not k.startswith(("dpo_", "reception_"))}
        assert {f"{kind} ({language})" for kind in client_kinds} <= set(emails), sorted(emails)
    assert {f"{kind} (fi)" for kind in kinds} <= set(emails), sorted(emails)
    errors = html_errors(emails, tmp_path)
    assert not errors, "\n".join(errors)
