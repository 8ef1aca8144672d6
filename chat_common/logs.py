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
    (
        re.compile(r"(?i)\b(api[_-]?key|authorization|x-api-key|bearer|token|secret|password)\b(\s*[:=]\s*|\s+)[^\s,;\"']+"),
        r"\1\2[REDACTED]",
    ),
    (
        re.compile(
            r"\b(AIza[0-9A-Za-z_\-]{20,}|sk-[0-9A-Za-z_\-]{16,}|(?:sk|pk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"
            r"|gh[pousr]_[0-9A-Za-z]{20,}|xox[abprs]-[0-9A-Za-z\-]{10,}|AKIA[0-9A-Z]{16})\b"
        ),
        "[REDACTED-KEY]",
    ),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[REDACTED-EMAIL]"),
    (re.compile(r"\b(?:\d[ \-]?){13,19}\b"), "[REDACTED-CARD]"),
    (re.compile(r"(?<![\w.])\+?\d{1,3}?[\s.\-]?\(?\d{2,4}\)?[\s.\-]?\d{3,4}[\s.\-]?\d{3,4}\b"), "[REDACTED-PHONE]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# Set by ContextFilter: our own ids, nothing to redact.
_CONTEXT_ATTRS = frozenset({"component", "request_id", "job_id"})


def _redact_value(value: object, depth: int = 0) -> object:
    if isinstance(value, str):
        return redact(value)
    if depth > 4:
        return value
    if isinstance(value, dict):
        return {k: _redact_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_redact_value(v, depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return redact(bytes(value).decode("utf-8", "replace"))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Redacts emails, phone and card numbers and API keys from every record.

    Covers the formatted message (msg % args), fields passed with `extra=`, the exception
    with its traceback and the stack info. Put it on the handler, so records of every
    logger that reach the handler pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break the caller
            message = f"{record.msg!r} (unformattable log arguments dropped)"
        record.msg = redact(message)
        record.args = None
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS and name not in _CONTEXT_ATTRS:
                record.__dict__[name] = _redact_value(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Formatters (JsonFormatter among them) would format exc_info again, unredacted.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
    # Libraries whose debug output is noise, or carries content (an HTTP client's DEBUG can
    # log bodies): never below WARNING.
    for noisy in ("httpx", "httpcore", "google_genai", "urllib3", "python_multipart", "multipart"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
