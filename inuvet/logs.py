"""Logging that carries no personal data: one JSON line per event, with link secrets, email
addresses and phone numbers masked wherever they would appear (messages, paths, tracebacks).

Code never logs names, contact details or client messages in the first place; this is the
second line of defence (for example a database error that quotes a value)."""

import json
import logging
import re
import traceback

_PATTERNS = [
    # The secret part of a manage link, a one-time privacy link and a waiting-list link.
    (re.compile(r"(/manage/[A-Za-z0-9]{6}/)[a-z2-7]{8,}"), r"\1[token]"),
    (re.compile(r"(/privacy/verify/)[^/\s\"']+"), r"\1[token]"),
    (re.compile(r"(/waitlist/(?:offer|leave)/)[^/\s\"']+"), r"\1[token]"),
    # A practitioner's calendar feed (frontdesk/feed.py).
    (re.compile(r"(/calendar-feed/)[^/\s\"']+"), r"\1[token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w.])\+?\d[\d ()-]{6,}\d(?![\w.])"), "[number]"),
]


def redact(text: object) -> str:
    """The text with secrets and contact details masked; anything that is not text becomes text
    first (None: ""), so a caller on an error path never gets an exception from here."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    elif not isinstance(text, str):
        text = str(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_CLIENT_ADDRESS = re.compile(r"\bip=\S+?(?=:\s|\s|$)")


def access_atoms(resp, environ, request_time) -> dict:
    """The values of gunicorn's access log line: method, path (masked), status, size, duration.

    gunicorn hands these over on its error path too, for a request it could not parse: any of
    them may be missing, None or odd, and then the line says "-". No client address, query
    string, user agent or header is taken: they are personal data or could carry it.
    """

    def get(mapping, name):
        try:
            return mapping.get(name)
        except Exception:  # not a mapping at all
            return None

    def text(value) -> str:
        return (redact(value) or "-")[:2000]

    status = getattr(resp, "status", None)
    status = str(status).split(None, 1)[0] if status else "-"
    sent = getattr(resp, "sent", None)
    try:
        millis = int(request_time.total_seconds() * 1000)
    except Exception:
        millis = "-"
    return {
        "m": text(get(environ, "REQUEST_METHOD"))[:20],
        "U": text(get(environ, "PATH_INFO")),
        "s": text(status)[:3],
        "B": sent if isinstance(sent, int) else "-",
        "b": str(sent) if isinstance(sent, int) else "-",
        "M": millis,
    }


class RedactingFilter(logging.Filter):
    """Masks secrets, contact details and client addresses in another library's log records
    (gunicorn's error log says "Invalid request from ip=…: <the bad request line>"). Its
    informational lines (start, workers, signals) carry no client data and stay as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep the format only
            message = str(record.msg)
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg = _CLIENT_ADDRESS.sub("ip=[address]", redact(message))
        record.args = ()
        return True


class JsonLineFormatter(logging.Formatter):
    """{"time": …, "level": …, "logger": …, "message": …[, "error": …]} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            event["error"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(event, ensure_ascii=False)
