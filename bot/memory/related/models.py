"""What related reading is given (an article shared, a reader's query) and what it returns (hits)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RelatedItem(BaseModel):
    team_id: str
    canonical_url: str
    title: str = ""
    summary: str = ""
    text: str = ""
    domain: str = ""
    channel_id: str
    channel_is_private: bool = False
    shared_at: datetime
    language: str | None = None  # ISO 639-1, as the digest detected it: the article is analysed in it


class RelatedQuery(BaseModel):
    team_id: str
    channel_id: str  # the reader's channel
    canonical_url: str
    title: str = ""
    text: str = ""
    exclude_urls: list[str] = Field(default_factory=list)
    language: str | None = None  # None (a search's words): tried in the languages the index holds


class RelatedHit(BaseModel):
    canonical_url: str
    title: str
    one_line: str
    domain: str
    shared_at: datetime  # first share
    score: float  # ranking score: cosine with the query expanded by its top matches, plus neighbourhood agreement
    similarity: float  # direct cosine with the query (SHOW_SURE and a search's threshold apply to it)
    shown: bool = True  # whether a card shows it (ranking() lists the ones it does not, too)
