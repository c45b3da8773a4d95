"""A digest worker: a process that only runs the digest queue's consumers, so digests never slow Slack's acks.

`digestbot worker` serves the queue until SIGTERM or SIGINT; running jobs get the queue's grace to finish.
`digestbot serve` starts DIGESTBOT_WORKERS of them (bot/runtime/workers.py's WorkerPool) with --parent-pid.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from functools import partial

from bot.runtime.queue import STOP_GRACE_S
from bot.runtime.workers import WorkerPool, lower_priority, stop_when_orphaned
from bot.service import warm_up
from handlers.bot import SlackBot
from handlers.listeners import give_up_job, run_job
from handlers.settings import SlackSettings

log = logging.getLogger(__name__)

EXIT_GRACE_S = STOP_GRACE_S + 5  # a stopping worker's jobs get STOP_GRACE_S, then it closes its clients


def worker_pool(settings: SlackSettings) -> WorkerPool:
    """serve's DIGESTBOT_WORKERS children, each `digestbot worker` under this interpreter."""
    return WorkerPool(settings.workers, [sys.executable, "-m", "handlers.cli", "worker"], EXIT_GRACE_S)


async def work(settings: SlackSettings, parent_pid: int | None = None, ready_fd: int | None = None) -> None:
    """Run this process's digest consumers until SIGTERM, SIGINT or (with parent_pid) the parent's exit; once they
    run, say so on `ready_fd`."""
    if parent_pid:
        lower_priority(settings.worker_niceness)
    warm_up()
    bot = await SlackBot.open(settings)
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    watch = asyncio.create_task(stop_when_orphaned(parent_pid, stopping)) if parent_pid else None
    await bot.queue.start(partial(run_job, bot=bot), partial(give_up_job, bot=bot))
    log.info("digest worker %d running %d consumers", os.getpid(), settings.queue_consumers)
    if ready_fd is not None:  # tell serve (bot/runtime/workers.py): its /readyz waits for this
        os.write(ready_fd, b"1")
        os.close(ready_fd)
    try:
        await stopping.wait()
    finally:
        if watch:
            watch.cancel()
        await bot.close()
    log.info("digest worker %d stopped", os.getpid())
