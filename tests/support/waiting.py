"""Waiting for what a test expects, with one ceiling that only a hang reaches.

A busy machine is slow, not stuck: tests never give the bot a time budget. They wait for the event they expect
(a post, a log line, a drained queue) for at most HANG_S, and a wait that reaches it fails saying what was awaited,
with the tail of every running bot's log (bot_process.running_bot registers them), so a real hang is diagnosed
from the report alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HANG_S = 300  # only a hung process takes this long
POLL_S = 0.05
LOG_TAIL_LINES = 40

_running_logs: list[Path] = []


@contextmanager
def watched_log(path: Path) -> Iterator[None]:
    """While inside, a hang report includes the tail of the log at `path`."""
    _running_logs.append(path)
    try:
        yield
    finally:
        _running_logs.remove(path)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(unreadable: {error})"


def hang_report(what: str, ceiling: float = HANG_S) -> str:
    tails = "".join(f"\n--- last lines of {path} ---\n{log_tail(path)}" for path in _running_logs)
    return f"waited {ceiling:.0f} s for {what}: something hangs{tails}"


def wait_until(check: Callable[[], object], what: str, ceiling: float = HANG_S) -> None:
    """Poll `check` until it is true; past `ceiling`, fail with a hang report naming `what`."""
    deadline = time.monotonic() + ceiling
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(hang_report(what, ceiling))
        time.sleep(POLL_S)
