"""How many fetches one process runs at once, so that one slow site cannot hold up everyone else's links.

A fetch talks to a site (scheme, host and port) only while it holds one of that site's `per_host` slots and one
of the process's `total`; it waits for the site's slot first, so links queued behind a slow site never hold a slot
another site could use. A site that proved slow (a fetch to it ran out of time within the last `slow_for_s`) gets
a lane of its own instead of the process's slots: `slow_lane` slots shared by every such site, so many slow sites
at once still leave the rest free. Every wait counts against the fetch's deadline (bot/pipeline/fetch.py).

One FetchSlots belongs to one process's DigestService (bot/service.py) and its event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from time import monotonic

import httpx

MAX_CONCURRENT_FETCHES = 8
SLOW_LANE_FETCHES = 2
SLOW_FOR_S = 600.0  # how long a site that ran out of time stays in the slow lane


Site = tuple[str, str, int | None]  # scheme, host, port: what a browser counts connections per


def site(url: httpx.URL) -> Site:
    return url.scheme, url.host, url.port


class FetchSlots:
    """The slots of one process (see the module's docstring); `hold(url)` around each hop of a fetch."""

    def __init__(
        self, per_host: int, total: int = MAX_CONCURRENT_FETCHES, slow_lane: int = SLOW_LANE_FETCHES,
        slow_for_s: float = SLOW_FOR_S,
    ) -> None:  # fmt: skip
        self._per_host = per_host
        self._general = asyncio.Semaphore(total)
        self._slow_lane = asyncio.Semaphore(slow_lane)
        self._slow_for_s = slow_for_s
        self._sites: dict[Site, tuple[asyncio.Semaphore, int]] = {}  # its slots, fetches holding or awaiting one
        self._slow_until: dict[Site, float] = {}  # monotonic time

    def is_slow(self, url: httpx.URL) -> bool:
        return self._slow_until.get(site(url), 0.0) > monotonic()

    def _proved_slow(self, key: Site) -> None:
        now = monotonic()
        self._slow_until = {k: until for k, until in self._slow_until.items() if until > now}  # forget the past
        self._slow_until[key] = now + self._slow_for_s

    @asynccontextmanager
    async def hold(self, url: httpx.URL) -> AsyncIterator[None]:
        """Hold a slot of `url`'s site and one of the process's (or the slow lane's) while talking to it."""
        key = site(url)
        slots, fetches = self._sites.get(key) or (asyncio.Semaphore(self._per_host), 0)
        self._sites[key] = (slots, fetches + 1)
        try:
            async with slots, self._slow_lane if self.is_slow(url) else self._general:
                try:
                    yield
                except (asyncio.CancelledError, httpx.TimeoutException):  # the deadline, or httpx's read timeout
                    self._proved_slow(key)
                    raise
        finally:
            slots, fetches = self._sites[key]
            if fetches > 1:
                self._sites[key] = (slots, fetches - 1)
            else:
                del self._sites[key]  # no entry per site ever seen: only per site being fetched
