"""The product's path for the quality benchmarks: what `digestbot digest PAGE` does with a saved page, in process.

bot.pipeline.digest.digest_source reads the file with the product's charset rules, extracts in a bounded worker process,
checks for walls and summarizes; a page it refuses raises bot.errors.DigestError, which each benchmark scores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.models import Digest
from bot.pipeline.digest import digest_source


def saved_page_digester() -> Callable[[Path], Digest]:
    """A function digesting one saved page as the CLI does, all on one event loop (the extraction workers stay
    warm between pages, as they do in the bot)."""
    settings, loop = Settings(), asyncio.new_event_loop()
    return lambda path: loop.run_until_complete(digest_source(str(path), settings))
