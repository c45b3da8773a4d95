"""The processes a benchmark measures: find them, and count the CPU they (and their descendants) used."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil


class CpuMeter:
    """CPU seconds used by named parts (each read by a function of the CPU seconds used so far), summed over the
    spans counted."""

    def __init__(self, readers: dict[str, Callable[[], float]]) -> None:
        self._readers = readers
        self.used = dict.fromkeys(readers, 0.0)

    @contextmanager
    def counting(self) -> Iterator[None]:
        start = self._now()
        yield
        for part, seconds in self._now().items():
            self.used[part] += seconds - start[part]

    def _now(self) -> dict[str, float]:
        return {part: read() for part, read in self._readers.items()}


def tree_cpu(process: psutil.Process) -> float:
    """CPU seconds of a process and its descendants, exited ones included once a process of the tree reaped them
    (a recycled extraction process's time moves into its parent's children_* fields)."""
    total = 0.0
    for member in [process, *_children(process)]:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def own_cpu(process: psutil.Process) -> float:
    """CPU seconds of this process alone."""
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def cpu_wait(process: psutil.Process) -> float:
    """Seconds the process's threads spent runnable but waiting for a CPU (Linux's schedstat; NaN elsewhere).

    Only threads alive at the reading count: measure a span over which the process keeps its threads."""
    waited, found = 0, False
    for tid in _threads(process):
        try:
            waited += int(Path(f"/proc/{process.pid}/task/{tid}/schedstat").read_text().split()[1])
            found = True
        except (OSError, IndexError, ValueError):  # the thread ended meanwhile, or no schedstat here
            continue
    return waited / 1e9 if found else math.nan


def _threads(process: psutil.Process) -> list[str]:
    try:
        return os.listdir(f"/proc/{process.pid}/task")
    except OSError:
        return []


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def redis_server(url: str) -> psutil.Process | None:
    """The redis-server of this machine that `url` (redis://host:port/db) names, if this user may see it
    (redis-server retitles itself `redis-server host:port`, with ` [cluster]` after it on a cluster node)."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    title = re.compile(rf":{port}(\s|$)")
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "redis-server" and title.search(" ".join(process.info["cmdline"] or [])):
            return process
    return None


def bot_pid(base: str) -> int:
    """The `digestbot serve` process this one started, serving at `base`."""
    port = base.rsplit(":", 1)[1]
    for child in psutil.Process().children(recursive=True):
        if "serve" in child.cmdline() and port in child.cmdline():
            return child.pid
    raise LookupError("the bot process was not found")
