"""Page text made safe once, wherever a Digest comes from: built by any kind of link, or read from the cache."""

from __future__ import annotations

import json

from bot.memory.store import Store
from bot.models import TITLE_MAX_CHARS, Digest, visible

URL = "https://news.example/2026/story"


def test_every_format_character_goes_but_zwnj_and_zwj() -> None:
    hostile = "a\u202eb\u202cc\u200bd\u2066e\u2069f\ufeffg\u00adh\u2060i\U000e0041j\u061ck"
    assert visible(hostile) == "abcdefghijk"
    assert visible("می\u200cخواهم 👩\u200d💻") == "می\u200cخواهم 👩\u200d💻"  # Persian words and emoji need them


async def test_a_record_cached_before_the_cleaning_is_read_back_clean(store: Store) -> None:
    await store.cache.put(Digest(source=URL, url=URL, canonical_url=URL, title="placeholder"))
    key = store.cache.keys.url("digest", URL)
    # A record planted by anyone who can write to Redis (or stored before the cleaning): bidi and a huge title.
    planted = {"v": 2, "source": URL, "url": URL, "canonical_url": URL, "title": "Evil\u202e " + "word " * 5000,
               "summary": "sum\u200bmary", "quotes": ["quo\u2066te"], "text": "te\ufeffxt"}  # fmt: skip
    await store.cache.r.set(key, json.dumps(planted))
    digest = await store.cache.get(URL)
    assert digest is not None
    assert digest.title is not None and digest.title.startswith("Evil word") and len(digest.title) <= TITLE_MAX_CHARS
    assert (digest.summary, digest.quotes, digest.text) == ("summary", ["quote"], "text")
