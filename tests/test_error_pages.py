"""Error pages never fail: they render with no static files, no URL configuration, no database
and no request (Django renders 500.html without one). Their few lines of CSS are inline and the
Content Security Policy allows exactly those by hash. And a production start without collected
static files stops at start-up with the reason, instead of failing the first page."""

import base64
import hashlib
import re
import subprocess
import sys

import pytest
from django.template.loader import render_to_string
from django.test import Client

from inuvet.settings import PRACTICE_STYLE_HASH
from tests.servers import ROOT, Gunicorn, collected_static, server_env

ERROR_TEMPLATES = ["400.html", "403.html", "403_csrf.html", "404.html", "500.html", "too_many_requests.html"]
PRODUCTION_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
urlpatterns = []  # ROOT_URLCONF for the test where nothing can be reversed


@pytest.fixture
def uncollected_static(settings, tmp_path):
    """Production's hashed static files, but collectstatic never ran."""
    settings.STORAGES = PRODUCTION_STORAGE
    settings.STATIC_ROOT = tmp_path / "static"
    settings.WHITENOISE_USE_FINDERS = False


def style_hash(html: str) -> str:
    css = re.search(r"<style>(.*?)</style>", html, flags=re.DOTALL)[1]
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("template", ERROR_TEMPLATES)
def test_error_pages_render_without_static_files_urls_database_or_request(
    template, uncollected_static, settings
):
    settings.ROOT_URLCONF = __name__  # no URL at all: reversing any name would raise
    html = render_to_string(template)  # no `db` fixture: a query would raise
    assert 'class="site-header"' in html and "<style>" in html
    assert 'href="/"' in html  # the start page: the app's URL prefix
    assert settings.PRACTICE["phone"] in html  # whom to call, even on the bare 500 page
    assert "/static/" not in html


def test_a_server_error_when_static_files_were_never_collected_still_gets_its_page(
    client, db, uncollected_static
):
    client.raise_request_exception = False
    response = client.get("/")  # the start page links a static file that is not there: 500
    html = response.content.decode()
    assert response.status_code == 500
    assert "Jotain meni vikaan" in html and "Something went wrong" in html
    assert style_hash(html) in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path, status, text",
    [("/no-such-page/", 404, "Sivua ei löytynyt"), ("/manage/K7M4QX/" + "a" * 32 + "/", 404, "Sivua ei")],
)
def test_error_pages_answer_with_their_inline_style_allowed_by_hash(client, db, path, status, text):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == status and text in html
    policy = response.headers["Content-Security-Policy"]
    assert style_hash(html) in policy
    assert "unsafe-inline" not in policy and " style=" not in html


def test_csrf_failure_page_renders_without_request_context(db):
    response = Client(enforce_csrf_checks=True).post("/manage/", {})
    html = response.content.decode()
    assert response.status_code == 403 and "Inuvet" in html and 'class="site-footer"' in html


def test_policy_hash_is_the_hash_of_the_stylesheet_the_pages_carry(settings):
    css = (ROOT / "templates" / "error_page.css").read_bytes()
    expected = "'sha256-" + base64.b64encode(hashlib.sha256(css).digest()).decode() + "'"
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"] == [
        "'self'",
        expected,
        PRACTICE_STYLE_HASH,
    ]
    assert style_hash(render_to_string("404.html")) == expected


# Start-up ---------------------------------------------------------------------------------------


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=server_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["check"], ["migrate", "--plan"]])
def test_production_start_without_collected_static_files_stops_with_the_reason(db, tmp_path, command):
    result = manage(*command, DJANGO_STATIC_ROOT=str(tmp_path / "empty"))
    assert result.returncode != 0
    assert "inuvet.E001" in result.stderr and "collectstatic" in result.stderr


def test_stale_static_files_stop_the_start_too(db, tmp_path, tmp_path_factory):
    collected = collected_static(tmp_path_factory.mktemp("static"))
    manifest = (collected / "staticfiles.json").read_text()
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "staticfiles.json").write_text(manifest.replace('"css/site.css"', '"css/old.css"'))
    result = manage("check", DJANGO_STATIC_ROOT=str(stale))
    assert result.returncode != 0 and "inuvet.E002" in result.stderr and "css/site.css" in result.stderr
    assert manage("check", DJANGO_STATIC_ROOT=str(collected)).returncode == 0


@pytest.mark.django_db(transaction=True)
def test_gunicorn_without_collected_static_files_stops_at_start_with_the_reason(tmp_path):
    with pytest.raises(RuntimeError) as stopped, Gunicorn(tmp_path / "empty", workers=2, threads=1):
        pass
    log = str(stopped.value)
    assert "gunicorn exited" in log and "Worker failed to boot" in log
    assert "Static files are not collected" in log and "collectstatic" in log
