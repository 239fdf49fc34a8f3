"""The settings module read from the environment, in a fresh interpreter each time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "k" * 60
SHOW = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'db': s.DATABASES['default'], 'ssl': getattr(s, 'SECURE_SSL_REDIRECT', False),"
    " 'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), 'cookie': s.SESSION_COOKIE_NAME, 'tz': s.TIME_ZONE,"
    " 'lang': s.LANGUAGE_CODE, 'hashers': s.PASSWORD_HASHERS[:1], 'static': s.STATIC_URL,"
    " 'script': s.FORCE_SCRIPT_NAME}, default=str))"
)


def settings_with(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    clean.update({"DJANGO_SETTINGS_MODULE": "inuvet.settings", "DJANGO_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_environment_refuses_to_start_without_a_secret_key(tmp_path):
    result = settings_with(tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 60])
def test_weak_secret_keys_are_refused(tmp_path, key):
    result = settings_with(tmp_path, DJANGO_SECRET_KEY=key)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_defaults_are_sqlite_under_var_with_serialised_writers_and_production_security(tmp_path):
    result = settings_with(tmp_path, DJANGO_SECRET_KEY=KEY)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["debug"] is False
    db = shown["db"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "inuvet.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "synchronous=FULL" in db["OPTIONS"]["init_command"]
    assert shown["ssl"] is True and shown["hsts"] == 31_536_000
    assert shown["cookie"] == "__Host-sessionid"
    assert (shown["tz"], shown["lang"]) == ("Europe/Helsinki", "fi")
    assert shown["hashers"] == ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def test_https_off_for_plain_http_on_loopback(tmp_path):
    shown = json.loads(settings_with(tmp_path, DJANGO_SECRET_KEY=KEY, DJANGO_HTTPS="off").stdout)
    assert shown["ssl"] is False and shown["cookie"] == "sessionid"


def test_postgres_url_gives_psycopg_with_health_checked_persistent_connections(tmp_path):
    url = "postgres://user:p%40ss@db.example:6543/inuvet?sslmode=require"
    db = json.loads(settings_with(tmp_path, DJANGO_SECRET_KEY=KEY, DATABASE_URL=url).stdout)["db"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "inuvet",
        "user",
        "p@ss",
        "db.example",
        "6543",
    )
    assert db["CONN_MAX_AGE"] > 0 and db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_sqlite_url_with_absolute_path(tmp_path):
    url = f"sqlite:///{tmp_path}/other.sqlite3"
    db = json.loads(settings_with(tmp_path, DJANGO_SECRET_KEY=KEY, DATABASE_URL=url).stdout)["db"]
    assert db["NAME"] == f"{tmp_path}/other.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "mysql://x/y"},
        {"DATABASE_URL": "postgres://host:notaport/db"},
        {"DJANGO_DEBUG": "maybe"},
        {"DJANGO_MAX_ACTIVE_BOOKINGS": "lots"},
        {"DJANGO_MAX_ACTIVE_BOOKINGS": "0"},
        {"DJANGO_CACHE_URL": "memcached://x"},
        {"DJANGO_PRACTICE_COLOUR": "red;}body{display:none"},  # it goes into an inline rule
        {"DJANGO_PRACTICE_COLOUR": "#12345"},
    ],
)
def test_junk_values_are_refused_with_the_variable_named(tmp_path, env):
    result = settings_with(tmp_path, DJANGO_SECRET_KEY=KEY, **env)
    assert result.returncode != 0
    assert next(iter(env)) in result.stderr


def test_script_name_prefixes_links_and_static_files(tmp_path):
    shown = json.loads(
        settings_with(tmp_path, DJANGO_SECRET_KEY=KEY, DJANGO_SCRIPT_NAME="/ajanvaraus/").stdout
    )
    assert shown["script"] == "/ajanvaraus"
    assert shown["static"] == "/ajanvaraus/static/"
    plain = json.loads(settings_with(tmp_path, DJANGO_SECRET_KEY=KEY).stdout)
    assert (plain["script"], plain["static"]) == (None, "/static/")
