"""Logging for every component: one logger per component, JSON lines, PII redacted.

The request id and job id of the work at hand ride in context variables, so every
log line written while serving a job carries them without each call passing them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
job_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")

# Ordered: keys before cards so a long key is not half-matched as a card number.
_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(api[_-]?key|authorization|x-api-key|bearer|token|secret|password)\b(\s*[:=]\s*|\s+)[^\s,;\"']+"), r"\1\2[REDACTED]"),
    (re.compile(r"\b(AIza[0-9A-Za-z_\-]{20,}|sk-[0-9A-Za-z_\-]{16,})\b"), "[REDACTED-KEY]"),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[REDACTED-EMAIL]"),
    (re.compile(r"\b(?:\d[ \-]?){13,19}\b"), "[REDACTED-CARD]"),
    (re.compile(r"(?<![\w.])\+?\d{1,3}?[\s.\-]?\(?\d{2,4}\)?[\s.\-]?\d{3,4}[\s.\-]?\d{3,4}\b"), "[REDACTED-PHONE]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts emails, phone and card numbers and API keys from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Stamps the current request id and job id onto the record."""

    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def filter(self, record: logging.LogRecord) -> bool:
        record.component = self.component
        record.request_id = request_id_var.get()
        record.job_id = job_id_var.get()
        return True


def setup_logging(component: str, level: str = "INFO", fmt: str = "json") -> None:
    """Configures the root logger once per process for `component`."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(component)s %(request_id)s %(job_id)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(job_id)s] %(message)s"))
    handler.addFilter(ContextFilter(component))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "google_genai", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
