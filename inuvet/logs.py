"""Logging that carries no personal data: one JSON line per event, with link secrets, email
addresses and phone numbers masked wherever they would appear (messages, paths, tracebacks).

Code never logs names, contact details or client messages in the first place; this is the
second line of defence (for example a database error that quotes a value)."""

import json
import logging
import re
import traceback

_PATTERNS = [
    # The secret part of a manage link and of a one-time privacy link.
    (re.compile(r"(/manage/[A-Za-z0-9]{6}/)[a-z2-7]{8,}"), r"\1[token]"),
    (re.compile(r"(/privacy/verify/)[^/\s\"']+"), r"\1[token]"),
    (re.compile(r"(/waitlist/(?:offer|leave)/)[^/\s\"']+"), r"\1[token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?<![\w.])\+?\d[\d ()-]{6,}\d(?![\w.])"), "[number]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
