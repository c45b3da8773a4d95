"""Logging for `digestbot serve`: JSON lines for log collectors, readable lines at a terminal, no secrets; and the
command line's quiet lines (configure_cli_logging).

Every record passes a redaction filter before it is formatted: Slack tokens (xoxb-, xoxp-, xapp-, ...), the secret
part of a response_url and the configured secrets (signing secret, LLM key) are replaced in the message, its
arguments, string extras, the exception text and the stack. Extras given with
`log.info(..., extra={"channel": ..., "host": ...})` become JSON fields.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console
from rich.logging import RichHandler

# xoxe.xoxb-... (rotating) tokens are caught by their inner xoxb- part.
TOKEN_PATTERN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")
REDACTED = "[REDACTED]"
# A response_url or webhook (hooks.slack.com/commands|actions/T…/<digits>/secret, services/T…/B…/secret): whoever
# has it may post as the bot, and slack_sdk's webhook client logs it whole. Its last segment, the secret, goes, in
# JSON's escaped and URL-encoded spellings too; the team and number shapes spare other sites' paths (/services/TV/…).
_SLASH = r"(?:/|\\/|%2[Ff])"
RESPONSE_URL_PATTERN = re.compile(
    rf"({_SLASH}(?:commands|actions|services){_SLASH}T[A-Z0-9]{{4,}}{_SLASH}(?:\d+|B[A-Z0-9]+){_SLASH})[A-Za-z0-9]+"
)
MIN_SECRET_CHARS = 6  # shorter "secrets" would redact ordinary words

OWN_LOGGERS = ("bot", "handlers")  # digestbot's own; the rest are libraries'

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class RedactingFilter(logging.Filter):
    """Rewrites each record so no token or configured secret reaches a handler; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        longest_first = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, longest_first))) if longest_first else None

    def redact(self, text: str) -> str:
        text = TOKEN_PATTERN.sub(lambda m: f"{m.group(1)}-{REDACTED}", text)
        text = RESPONSE_URL_PATTERN.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
        return self._secrets.sub(REDACTED, text) if self._secrets else text

    def filter(self, record: logging.LogRecord) -> bool:
        # Render the arguments into the message first, so a secret passed as an argument is caught too.
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


def extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, the extras, and exc_info when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **extras(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None) -> None:
    """Send every logger's records to `stream` (stderr): JSON unless it is a terminal; redacted either way."""
    stream = stream or sys.stderr
    handler: logging.Handler
    if stream.isatty():
        # rich's own tracebacks would bypass the redacted exc_text, so they stay off.
        handler = RichHandler(console=Console(file=stream), rich_tracebacks=False, show_path=False)
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # libraries' warnings.warn() calls become records in the same format


class _WithoutTraceback(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return ""


def _own_record(record: logging.LogRecord) -> bool:
    return record.name.partition(".")[0] in OWN_LOGGERS


def configure_cli_logging(verbose: bool = False) -> None:
    """The command line's logging, in its own process and in its extraction workers alike: digestbot's warnings as
    the bare lines Python prints when nothing is set up, without tracebacks, and nothing the libraries log (what
    they say about a page, "discarding data", "empty HTML tree", is the source's own failure line, or nothing). With
    `verbose` (-v), the libraries' warnings too, each line naming its logger, and every traceback."""
    handler = logging.StreamHandler()  # stderr
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s") if verbose else _WithoutTraceback())
    if not verbose:
        handler.addFilter(_own_record)
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)  # libraries' warnings.warn() calls are theirs too: shown only with -v
