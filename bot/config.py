"""Every setting in one place, read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.providers import DEFAULT_URLS


def usable_cpus() -> int:
    """CPUs this process may run on (a container's CPU quota is not seen here: set DIGESTBOT_WORKERS there)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Fetching
    allow_private_networks: bool = Field(False, alias="DIGESTBOT_ALLOW_PRIVATE_NETWORKS")
    fetch_deadline_s: float = Field(15.0, alias="DIGESTBOT_FETCH_DEADLINE")
    fetch_max_bytes: int = Field(2 * 1024 * 1024, alias="DIGESTBOT_FETCH_MAX_BYTES")
    max_redirects: int = Field(5, alias="DIGESTBOT_MAX_REDIRECTS")
    user_agent: str = Field(
        "Mozilla/5.0 (compatible; digestbot/0.1; +https://github.com/digestbot/digestbot)",
        alias="DIGESTBOT_USER_AGENT",
    )

    # Extraction
    extract_max_chars: int = Field(1024 * 1024, alias="DIGESTBOT_EXTRACT_MAX_CHARS")
    extract_timeout_s: float = Field(10.0, alias="DIGESTBOT_EXTRACT_TIMEOUT")

    # Links that are not HTML articles (bot/kinds.py)
    pdf_max_bytes: int = Field(20 * 1024 * 1024, alias="DIGESTBOT_PDF_MAX_BYTES")
    pdf_max_pages: int = Field(50, alias="DIGESTBOT_PDF_MAX_PAGES")
    # Endpoint base URLs by name (bot/providers.py), as JSON: {"youtube": "http://127.0.0.1:8080/yt"}. Only for
    # tests and mirrors; every such URL is fetched through the same SSRF guard as any link.
    provider_urls: dict[str, str] = Field(default_factory=dict, alias="DIGESTBOT_PROVIDER_URLS")

    # Optional LLM summarizer (any OpenAI-compatible endpoint)
    llm_url: str | None = Field(None, alias="DIGESTBOT_LLM_URL")
    llm_model: str | None = Field(None, alias="DIGESTBOT_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(None, alias="DIGESTBOT_LLM_API_KEY")
    llm_timeout_s: float = Field(20.0, alias="DIGESTBOT_LLM_TIMEOUT")

    # Redis
    redis_url: str | None = Field(None, alias="REDIS_URL")
    redis_prefix: str = Field("digestbot:", alias="DIGESTBOT_REDIS_PREFIX")
    data_dir: Path = Field(Path(user_data_dir("digestbot")), alias="DIGESTBOT_DATA_DIR")
    cache_ttl_days: int = Field(30, alias="DIGESTBOT_CACHE_TTL_DAYS")
    negative_cache_minutes: int = Field(10, alias="DIGESTBOT_NEGATIVE_CACHE_MINUTES")

    # Digest work queue
    queue_consumers: int = Field(32, alias="DIGESTBOT_QUEUE_CONSUMERS")
    queue_visibility_timeout_s: float = Field(60.0, alias="DIGESTBOT_QUEUE_VISIBILITY_TIMEOUT")
    workers: int = Field(default_factory=usable_cpus, alias="DIGESTBOT_WORKERS")

    # Slack
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(3000, alias="PORT")
    ignore_domains: str = Field("", alias="DIGESTBOT_IGNORE_DOMAINS")
    max_links_per_message: int = Field(3, alias="DIGESTBOT_MAX_LINKS_PER_MESSAGE")
    roundup_quiet_line: bool = Field(False, alias="DIGESTBOT_ROUNDUP_QUIET_LINE")

    @field_validator("provider_urls")
    @classmethod
    def _known_endpoints(cls, urls: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(urls) - set(DEFAULT_URLS)):
            raise ValueError(f"unknown endpoint names {unknown}; known: {', '.join(DEFAULT_URLS)}")
        return urls


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
