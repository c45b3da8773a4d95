"""A card on a busy machine: how long a pasted link waits for its card while other processes keep the CPUs busy.

The bot runs for real (`digestbot serve`, Redis at 127.0.0.1:6379, the Slack stand-in and a local article
server in a child process, as in `bench events`). Beside it, 0, 2 or 4 busy loops at normal priority stand for a
shared VM, a loaded node or a CI box. Links are pasted one at a time (each waits for its card), every one a
fresh article, and each is timed from the signed event to the card's chat.postMessage at the stand-in.

Peers, in the same run: the digest workers at the product's default niceness (DIGESTBOT_WORKER_NICENESS)
beside other nicenesses (BENCH_BUSY_NICENESS, default "0,5,10": 0 is no lowering at all). Acks are timed too: a
higher niceness for the workers is what would keep serve's acks prompt while the workers are busy.
BENCH_BUSY_LINKS (default 10) sets the pastes per cell.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.table import Table

from bench.events import CI_REDIS_URL, World, answers, page_path, percentile, running_bot, send_event
from bot.config import Settings

LINKS = int(os.environ.get("BENCH_BUSY_LINKS", "10"))
BUSY_LOOPS = (0, 2, 4)
CARD_CEILING_S = 120.0  # a card later than this is counted as missing
DEFAULT_NICENESS = Settings.model_fields["worker_niceness"].default


def spin() -> None:
    while True:
        pass


@contextmanager
def busy_loops(count: int) -> Iterator[None]:
    context = multiprocessing.get_context("spawn")
    loops = [context.Process(target=spin, daemon=True) for _ in range(count)]
    for loop in loops:
        loop.start()
    try:
        yield
    finally:
        for loop in loops:
            loop.terminate()
            loop.join(5)


async def paste_and_wait(world: World, url: str, link: str, index: int) -> tuple[float, float]:
    """(ack s, event→card s) for one pasted link; the card time is inf when none came within the ceiling."""
    async with aiohttp.ClientSession() as client:
        sent = await send_event(client, url, link, index)
    deadline = time.monotonic() + CARD_CEILING_S
    while time.monotonic() < deadline:
        cards = [p for p in world.posts() if (p.channel, p.thread_ts) == (sent.channel, sent.ts) and p.card]
        if cards:
            return sent.ack_s, cards[0].time - sent.sent_at
        await asyncio.sleep(0.05)
    return sent.ack_s, math.inf


def measure(world: World, niceness: int, loops: int, first_page: int, tmp: Path) -> tuple[list[float], list[float]]:
    settings = {"DIGESTBOT_WORKER_NICENESS": str(niceness), "DIGESTBOT_WORKERS": "2"}
    acks, cards = [], []
    tmp.mkdir(parents=True)
    with running_bot(world.slack_url, CI_REDIS_URL, tmp, **settings) as (base, _):
        url = f"{base}/slack/events"
        asyncio.run(paste_and_wait(world, url, world.pages_url + page_path(first_page), first_page))  # warm-up
        with busy_loops(loops):
            for i in range(first_page + 1, first_page + 1 + LINKS):
                ack, card = asyncio.run(paste_and_wait(world, url, world.pages_url + page_path(i), i))
                acks.append(ack * 1000)
                cards.append(card)
    return acks, cards


def main() -> None:
    if not answers(CI_REDIS_URL):
        print(f"busy benchmark skipped: no Redis at {CI_REDIS_URL}", file=sys.stderr)
        return
    peers = os.environ.get("BENCH_BUSY_NICENESS", "0,5,10")
    nicenesses = sorted({DEFAULT_NICENESS, *(int(n) for n in peers.split(","))})
    cells = [(loops, n) for loops in BUSY_LOOPS for n in nicenesses]
    table = Table(title=f"A pasted link's card beside busy loops ({os.cpu_count()} CPUs, {LINKS} links a cell)")
    for column in ("busy loops", "worker niceness", "card p50 s", "card max s", "missing", "ack p50 ms",
                   "ack max ms"):  # fmt: skip
        table.add_column(column, justify="right")
    with World((LINKS + 1) * len(cells)) as world, tempfile.TemporaryDirectory() as tmp:
        for n, (loops, niceness) in enumerate(cells):
            acks, cards = measure(world, niceness, loops, n * (LINKS + 1), Path(tmp) / str(n))
            came = [c for c in cards if math.isfinite(c)]
            default = " (default)" if niceness == DEFAULT_NICENESS else ""
            table.add_row(
                str(loops), f"{niceness}{default}", f"{percentile(came, 50):.2f}" if came else "–",
                f"{max(came):.2f}" if came else "–", str(len(cards) - len(came)),
                f"{percentile(acks, 50):.2f}", f"{max(acks):.2f}",
            )  # fmt: skip
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
