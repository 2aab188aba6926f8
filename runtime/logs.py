"""Operator-readable log lines: the ids a line is about (campaign, delivery, attempt, call...)
ride on the record (`extra=ids(...)`) and are printed as key=value after the message, or as
fields of one JSON object per line with LOG_FORMAT=json."""

import json
import logging
from typing import Any

FIELDS = ("campaign", "delivery", "attempt", "call", "to", "status", "worker", "job")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def ids(**fields: object) -> dict[str, object]:
    """`extra=` for a log call: the given ids, None ones left out."""
    return {k: v for k, v in fields.items() if v is not None}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None}


class KeyValueFormatter(logging.Formatter):
    """`... message campaign=3 delivery=17 attempt=42 call=CA...`"""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _fields(record)
        if not fields:
            return line
        pairs = " ".join(f"{k}={v}" for k, v in fields.items())
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        return f"{head} {pairs}{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else KeyValueFormatter()


def configure(log_format: str = "text") -> None:
    """Log to stderr at INFO with the project's formatter, unless logging is already set up
    (by gunicorn's or pytest's handlers, which then get the formatter too)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for each in root.handlers:
        if each.formatter is None or type(each.formatter) in (
            logging.Formatter,
            KeyValueFormatter,
            JsonFormatter,
        ):
            each.setFormatter(formatter(log_format))
