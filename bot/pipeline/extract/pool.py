"""Bounded extraction: the worker processes that read pages for the bot (and PDFs, and other tasks run_in_worker names).

pebble's ProcessPool runs each page in a warm worker process (forkserver: no inherited threads or sockets from
the bot) and kills the worker of a task that overruns its timeout, so a page can never stall the bot. Measured
beside the hand-written pool it replaced (`python -m bench pool`): the same time for the extraction set's pages,
about 0.1 ms more per task, which a page's ~50 ms of extraction hides.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pebble

from bot.config import Settings
from bot.models import Article
from bot.pipeline.extract import extract_page
from bot.pipeline.metadata import extract_metadata
from bot.runtime.logs import configure_logging
from bot.runtime.metrics import EXTRACT_SECONDS

log = logging.getLogger(__name__)
T = TypeVar("T")


TIMEOUT_WARNING = "the page was too large to read in time; showing its metadata only"
_MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))
_TASKS_PER_WORKER = 500  # recycle now and then: lxml/trafilatura caches only ever grow


class ExtractionPool:
    """The worker processes of one bot process, started by start() or on first use, and stopped by shutdown()."""

    def __init__(self, workers: int = _MAX_WORKERS) -> None:
        self._workers = workers
        self.log_setup: Callable[[], None] = _serve_logging  # run first in every worker: see set_worker_logging
        self._pool: pebble.ProcessPool | None = None
        self._lock = threading.Lock()

    def _running(self) -> pebble.ProcessPool:
        with self._lock:
            if self._pool is None or not self._pool.active:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_preload())
                self._pool = pebble.ProcessPool(self._workers, _TASKS_PER_WORKER, self.log_setup, context=context)
            return self._pool

    def start(self) -> None:
        """Start the workers now and wait for one to answer: the fork server's first start waits for its preload (the
        extractor's imports and warm-up, 1-2 s), which inside an async caller's first digest holds its event loop."""
        self._running().schedule(os.getpid).result()

    async def run(self, function: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        """function(*args) in a worker; TimeoutError past `timeout` (the worker is killed), OSError (pebble's
        ProcessExpired) when the worker died on it. Cancelling the caller kills the task's worker too."""
        return await asyncio.wrap_future(self._running().schedule(function, args, timeout=timeout))

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join()


def _preload() -> list[str]:
    """What the fork server imports once for all its workers: the main module (as __mp_main__, so a forked worker
    need not run it again) and the warmed-up extractor. Not the main module's own name as well: under
    `python -m handlers.cli` that imported it twice, and every worker printed runpy's RuntimeWarning about it."""
    return ["__main__", "bot.pipeline.extract.server"]


def _serve_logging() -> None:
    # A fork-server child starts with no logging set up: without this, what the libraries warn about a hostile
    # page would reach serve's stderr as bare text lines between its JSON ones.
    configure_logging("WARNING")


def _extract_dict(html: str, url: str | None, max_chars: int) -> dict[str, Any]:
    return extract_page(html, url, max_chars).model_dump()


def _call(function: str, args: tuple[Any, ...]) -> Any:
    module, name = function.split(":")
    return getattr(importlib.import_module(module), name)(*args)


_POOL = ExtractionPool()  # the process's pool; a process that digests runs one


async def extract_article_bounded(html: str, url: str | None, settings: Settings) -> Article:
    """extract_article in a warm worker process that is killed after settings.extract_timeout_s.

    On timeout (or a crashed worker) the article degrades to the page's metadata, with a warning.
    """
    with EXTRACT_SECONDS.time():
        try:
            answer = await _POOL.run(_extract_dict, (html, url, settings.extract_max_chars), settings.extract_timeout_s)
        except (TimeoutError, OSError) as error:
            log.warning("extraction of %s stopped (%s); using metadata only", url, type(error).__name__)
            article = extract_metadata(html, url)
            article.warning = TIMEOUT_WARNING
            return article
    return Article.model_validate(answer)


def metadata_only(html: str, url: str | None) -> dict[str, Any]:
    """A worker task: a page's metadata without its main text (a video's page, whose text is not wanted)."""
    return extract_metadata(html, url).model_dump()


async def run_in_worker(function: str, args: tuple[Any, ...], timeout: float) -> Any:
    """`module:function(*args)` in a warm extraction worker, killed after `timeout` seconds (TimeoutError); a
    worker that dies on it (a library abort, a memory limit) raises OSError."""
    return await _POOL.run(_call, (function, args), timeout)


def set_worker_logging(setup: Callable[[], None]) -> None:
    """Have the extraction workers started from now on set up their logging with `setup` (pickled to each: a
    module-level function, or a functools.partial of one) instead of serve's JSON lines, so a command line's
    workers log as it does. Call it before the first digest: workers already running keep theirs."""
    _POOL.log_setup = setup


def start_workers() -> None:
    """Start the extraction workers before the first digest needs them (a digesting process's warm-up)."""
    _POOL.start()


def shutdown_workers() -> None:
    """Stop the extraction workers (tests, and the app on exit)."""
    _POOL.shutdown()
