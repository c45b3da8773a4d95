"""Related reading over anyone's export: `digestbot related --corpus FILE.jsonl [--k 5]`.

Each line of the file is one article, `{"id": ..., "title": ..., "text": ..., "url": ..., "language": ...}`
(`url` and `language`, an ISO 639-1 code, optional).
They are indexed, in file order, as one workspace's public articles in a throwaway index: under a unique key
prefix on the configured Redis, deleted afterwards, or without REDIS_URL in a private redis-server that keeps
nothing. Each article is then looked up as its card looks it up (the same RelatedIndex, query and threshold),
its own URL excluded, and one line is printed per input in input order:
`{"id": ..., "related": [{"id": ..., "score": ..., "shown": true|false}, ...]}`, the k best, best first.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from bot.config import Settings
from bot.memory.connection import Client, connect, scratch_redis
from bot.memory.keys import Keys
from bot.memory.related.index import RelatedIndex
from bot.memory.related.models import RelatedItem, RelatedQuery
from bot.pipeline.urls import domain

TEAM = "TCORPUS"
CHANNEL = "CCORPUS"
SHARED_AT = datetime(2000, 1, 1, tzinfo=UTC)  # cards never rank by age: any one time does


class CorpusError(ValueError):
    """A corpus file that cannot be read as a whole: nothing is indexed."""


class CorpusArticle(BaseModel):
    id: str | int
    title: str = ""
    text: str
    url: str | None = None
    language: str | None = None  # ISO 639-1; English when absent

    @property
    def key(self) -> str:
        """The URL the index knows it by: its own, or one made from its id (json: 1 and "1" stay apart)."""
        return self.url or "corpus:" + json.dumps(self.id)


def read_corpus(path: Path) -> list[CorpusArticle]:
    """Every article of a JSON Lines file (blank lines skipped), or CorpusError naming the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"cannot read {path}: {error}") from error
    articles: list[CorpusArticle] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            article = CorpusArticle.model_validate_json(line)
        except ValidationError as error:
            problem = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in error.errors())
            raise CorpusError(f"{path}, line {number}: {problem}") from None
        if article.key in seen:
            raise CorpusError(f"{path}, line {number}: the same id or url as line {seen[article.key]}")
        seen[article.key] = number
        articles.append(article)
    return articles


async def related_lines(articles: list[CorpusArticle], settings: Settings, k: int) -> AsyncIterator[str]:
    """One JSON line per article, in order, from a throwaway index of all of them that is gone afterwards."""
    ids = {a.key: a.id for a in articles}
    async with _throwaway_index(settings) as index:
        for article in articles:
            await index.add(_item(article))
        for article in articles:
            query = RelatedQuery(team_id=TEAM, channel_id=CHANNEL, canonical_url=article.key, title=article.title,
                                 text=article.text, exclude_urls=[article.key], language=article.language)  # fmt: skip
            hits = await index.ranking(query, k)
            related = [{"id": ids[h.canonical_url], "score": h.score, "shown": h.shown} for h in hits]
            yield json.dumps({"id": article.id, "related": related}, ensure_ascii=False)


def _item(article: CorpusArticle) -> RelatedItem:
    """The article as a card's share indexes it (bot/service.py), in one public channel."""
    return RelatedItem(team_id=TEAM, canonical_url=article.key, title=article.title or article.key,
                       text=article.text, domain=domain(article.url) if article.url else "",
                       channel_id=CHANNEL, shared_at=SHARED_AT, language=article.language)  # fmt: skip


@asynccontextmanager
async def _throwaway_index(settings: Settings) -> AsyncIterator[RelatedIndex]:
    with _client(settings) as client:
        index = RelatedIndex(client, Keys(f"{settings.redis_prefix}corpus-{uuid.uuid4().hex}:"))
        try:
            yield index
        finally:
            await index.drop(TEAM)
            await client.aclose()


def _client(settings: Settings) -> AbstractContextManager[Client]:
    """The configured Redis, or a scratch server: never the embedded one, whose files would keep a trace."""
    return nullcontext(connect(settings)) if settings.redis_url else scratch_redis()
