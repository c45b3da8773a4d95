"""The killable extraction pool beside pebble's ProcessPool: should digestbot keep its own?

Both run the product's extraction task (bot.pipeline.extract's `_extract` on the 181 pages of
../shared/bench/extraction/) in warm forkserver workers, as many as the product uses, fed by as many threads as
there are workers (the product feeds its pool from a thread pool of that size). Measured in alternating rounds in
one run, so both see the same machine: the wall time for all pages, the round trip of a trivial task (the pool's
own overhead), and the cost of a task killed at its timeout (the time until the next task has an answer, which
includes replacing the killed worker). pebble is not a dependency of digestbot: `pip install pebble` to run this.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.extraction import DATA, load_pages
from bot.pipeline import extract

ROUNDS = 4
TRIVIAL_TASKS = 200
KILL_TIMEOUT_S = 0.5
MAX_CHARS = 1_048_576

Task = Callable[[str, tuple[Any, ...], float], Any]  # (module:function, args, timeout) -> answer


def _ours() -> tuple[Task, Callable[[], None]]:
    pool = extract._Pool()

    def run(function: str, args: tuple[Any, ...], timeout: float) -> Any:
        if function == "extract":
            return pool.call(args, timeout)
        return pool.call((extract._CALL, function, args), timeout)

    return run, pool.shutdown


def _pebble() -> tuple[Task, Callable[[], None]]:
    import pebble

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bot.pipeline.extract_server"])
    pool = pebble.ProcessPool(max_workers=extract._MAX_WORKERS, max_tasks=extract._TASKS_PER_WORKER, context=context)

    def run(function: str, args: tuple[Any, ...], timeout: float) -> Any:
        target = extract._extract if function == "extract" else _resolve(function)
        return pool.schedule(target, args=args, timeout=timeout).result()

    def stop() -> None:
        pool.stop()
        pool.join()

    return run, stop


def _resolve(function: str) -> Callable[..., Any]:
    import importlib

    module, name = function.split(":")
    return getattr(importlib.import_module(module), name)


def measure(task: Task, pages: list[Any]) -> dict[str, float]:
    for page in pages[:4]:  # warm every worker
        task("extract", (page.html, page.url, MAX_CHARS), 30)
    started = time.perf_counter()
    with ThreadPoolExecutor(extract._MAX_WORKERS) as feeders:
        list(feeders.map(lambda p: task("extract", (p.html, p.url, MAX_CHARS), 30), pages))
    all_pages = time.perf_counter() - started
    trips = []
    for _ in range(TRIVIAL_TASKS):
        t0 = time.perf_counter()
        task("os:getpid", (), 30)
        trips.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    try:
        task("time:sleep", (60,), KILL_TIMEOUT_S)
    except Exception:  # each pool says "timed out" its own way; both kill the worker
        pass
    task("os:getpid", (), 30)
    kill = time.perf_counter() - t0 - KILL_TIMEOUT_S
    return {"pages_s": all_pages, "trip_ms": statistics.median(trips) * 1000, "kill_s": kill}


def main(argv: list[str] | None = None) -> None:
    console = Console()
    if not DATA.is_dir():
        console.print(f"[red]benchmark data not found at {DATA}[/red]")
        return
    pages = load_pages()
    systems = {"digestbot's pool": _ours, "pebble ProcessPool": _pebble}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in systems}
    for n in range(ROUNDS):
        for name, make in sorted(systems.items(), reverse=n % 2 == 1):  # alternate who goes first
            task, stop = make()
            try:
                results[name].append(measure(task, pages))
            finally:
                stop()
    table = Table(title=f"Extraction pool, {len(pages)} pages, {extract._MAX_WORKERS} workers, median of {ROUNDS} rounds")
    for column in ("pool", "all pages (s)", "trivial task round trip (ms)", "a killed task's cost (s)"):
        table.add_column(column)
    medians = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in results.items()}
    base = medians["digestbot's pool"]
    for name, m in medians.items():
        table.add_row(name, f"{m['pages_s']:.2f} ({m['pages_s'] / base['pages_s']:.2f}x)",
                      f"{m['trip_ms']:.2f} ({m['trip_ms'] / base['trip_ms']:.2f}x)",
                      f"{m['kill_s']:.2f} ({m['kill_s'] / base['kill_s']:.2f}x)")  # fmt: skip
    console.print(table)
