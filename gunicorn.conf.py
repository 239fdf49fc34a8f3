"""gunicorn settings; every value can be overridden from the environment."""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
limit_request_line = 4094
limit_request_fields = 100
# No shared control socket: several instances on one host (tests, blue/green) must not collide.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log: method, path (link secrets masked), status, size and time. No client address, query
# string or user agent: they would be personal data or could carry it.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger without personal data, and one that never raises: gunicorn calls it on
    its error path with whatever it has (no URL for a request it could not parse), and an
    exception there would end the worker."""

    def setup(self, cfg):
        from inuvet.logs import RedactingFilter

        super().setup(cfg)
        self.error_log.addFilter(RedactingFilter())

    def atoms(self, resp, req, environ, request_time):
        from inuvet.logs import access_atoms

        return access_atoms(resp, environ, request_time)

    def access(self, resp, req, environ, request_time):
        try:
            super().access(resp, req, environ, request_time)
        except Exception:  # no log line is worth a worker
            self.error("Access log line could not be written")


logger_class = RedactingLogger


def post_worker_init(worker):
    """Before serving, each worker runs the app's start-up checks (inuvet/checks.py): static
    files that were never collected stop the server now, with the reason, not at the first page."""
    import sys

    from django.apps import apps
    from django.core.checks import run_checks
    from gunicorn.arbiter import Arbiter

    if not apps.is_installed("inuvet"):
        return  # another Django site served with this file (bench/baresite)
    from inuvet.checks import STARTUP

    errors = [error for error in run_checks(tags=[STARTUP]) if error.is_serious()]
    for error in errors:
        worker.log.error("Cannot start: %s", error)
    if errors:
        sys.exit(Arbiter.WORKER_BOOT_ERROR)  # the master stops instead of starting new workers
