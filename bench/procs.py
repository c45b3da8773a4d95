"""The processes a benchmark measures: find them, and count the CPU they (and their descendants) used."""

from __future__ import annotations

import psutil


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


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.Error:
        return []


def redis_server(port: str) -> psutil.Process | None:
    """The redis-server listening on `port` of this machine, if this user may see it."""
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "redis-server" and any(
            arg.endswith(f":{port}") for arg in process.info["cmdline"] or []
        ):
            return process
    return None


def bot_pid(base: str) -> int:
    """The `digestbot serve` process this one started, serving at `base`."""
    port = base.rsplit(":", 1)[1]
    for child in psutil.Process().children(recursive=True):
        if "serve" in child.cmdline() and port in child.cmdline():
            return child.pid
    raise LookupError("the bot process was not found")
