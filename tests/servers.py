"""Real app servers for tests: gunicorn on a free port against the test database."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
_static_root = None


def database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collected_static(tmp_root: Path) -> Path:
    """Static files collected once per test run (production storage needs the manifest)."""
    global _static_root
    if _static_root is None:
        _static_root = tmp_root / "static"
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**server_env(), "DJANGO_STATIC_ROOT": str(_static_root)},
            check=True,
            timeout=120,
        )
    return _static_root


def server_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="inuvet.settings",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40),
        DJANGO_HTTPS="off",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_RATE_LIMITS="off",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url(),
        GUNICORN_ACCESS_LOG="",
    )
    env.update(extra)
    return env


class Gunicorn:
    """`with Gunicorn(static_root) as server:` → server.url; stopped (and reaped) on exit."""

    def __init__(self, static_root: Path, *, workers: int = 4, threads: int = 4, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            sys.executable, "-m", "gunicorn", "inuvet.wsgi", "-c", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", str(threads),
        ]  # fmt: skip
        self.env = server_env(DJANGO_STATIC_ROOT=str(static_root), **env)
        self.process = None
        self._output = None

    def __enter__(self):
        # A file, not a pipe: a full pipe would block the server mid-test.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.read_log())
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in 60 s")

    def read_log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._output = self.read_log()
        self.log.close()

    @property
    def output(self) -> str:
        """The server's log so far (while running) or in full (after it stopped)."""
        return self._output if self._output is not None else self.read_log()
