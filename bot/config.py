"""The core's settings in one place, read from the environment and an optional `.env` file, and checked there.

Every range and format rule lives on the fields below, so `digestbot digest`, `serve` and `doctor` refuse the
same values with the same words. The Slack settings extend these in `handlers/settings.py`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Self, TypeVar
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel", "redis+cluster", "rediss+cluster")
ENV_FILE = ".env"  # read from the working directory; the environment wins over it
_FIELD_NAMED = re.compile(r'field "(\w+)"')  # pydantic_settings' SettingsError names the field only in its text


def usable_cpus() -> int:
    """CPUs this process may run on (a container's CPU quota is not seen here: set DIGESTBOT_WORKERS there)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def http_url(value: str, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL, not {value[:80]!r}")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    # Fetching
    allow_private_networks: bool = Field(False, alias="DIGESTBOT_ALLOW_PRIVATE_NETWORKS")
    fetch_deadline_s: float = Field(15.0, gt=0, alias="DIGESTBOT_FETCH_DEADLINE")
    fetch_max_bytes: int = Field(2 * 1024 * 1024, ge=1024, alias="DIGESTBOT_FETCH_MAX_BYTES")
    max_redirects: int = Field(5, ge=0, le=20, alias="DIGESTBOT_MAX_REDIRECTS")
    # Fetches one process runs at once to one site (scheme, host, port), of its 8 (bot/pipeline/slots.py).
    fetches_per_host: int = Field(2, ge=1, le=8, alias="DIGESTBOT_FETCHES_PER_HOST")
    user_agent: str = Field(
        "Mozilla/5.0 (compatible; digestbot/0.1; +https://github.com/digestbot/digestbot)",
        min_length=1,
        alias="DIGESTBOT_USER_AGENT",
    )

    # Extraction
    extract_max_chars: int = Field(1024 * 1024, ge=1024, alias="DIGESTBOT_EXTRACT_MAX_CHARS")
    extract_timeout_s: float = Field(10.0, gt=0, alias="DIGESTBOT_EXTRACT_TIMEOUT")

    # Links that are not HTML articles (bot/pipeline/kinds.py)
    pdf_max_bytes: int = Field(20 * 1024 * 1024, ge=1024, alias="DIGESTBOT_PDF_MAX_BYTES")
    pdf_max_pages: int = Field(50, ge=1, alias="DIGESTBOT_PDF_MAX_PAGES")
    # Endpoint base URLs by name (bot/pipeline/providers.py), as JSON: {"youtube": "http://127.0.0.1:8080/yt"}.
    # Only for tests and mirrors; every such URL is fetched through the same SSRF guard as any link.
    provider_urls: dict[str, str] = Field(default_factory=dict, alias="DIGESTBOT_PROVIDER_URLS")

    # Optional LLM summarizer (any OpenAI-compatible endpoint)
    llm_url: str | None = Field(None, alias="DIGESTBOT_LLM_URL")
    llm_model: str | None = Field(None, alias="DIGESTBOT_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(None, alias="DIGESTBOT_LLM_API_KEY")
    llm_timeout_s: float = Field(20.0, gt=0, alias="DIGESTBOT_LLM_TIMEOUT")

    # Redis
    redis_url: str | None = Field(None, alias="REDIS_URL")
    redis_prefix: str = Field("digestbot:", alias="DIGESTBOT_REDIS_PREFIX")
    data_dir: Path = Field(Path(user_data_dir("digestbot")), alias="DIGESTBOT_DATA_DIR")
    cache_ttl_days: int = Field(30, ge=1, alias="DIGESTBOT_CACHE_TTL_DAYS")
    negative_cache_minutes: int = Field(10, ge=0, alias="DIGESTBOT_NEGATIVE_CACHE_MINUTES")

    # Digest work queue
    queue_consumers: int = Field(32, ge=1, le=1024, alias="DIGESTBOT_QUEUE_CONSUMERS")
    queue_visibility_timeout_s: float = Field(60.0, ge=1, alias="DIGESTBOT_QUEUE_VISIBILITY_TIMEOUT")
    workers: int = Field(default_factory=usable_cpus, ge=0, le=64, alias="DIGESTBOT_WORKERS")
    worker_niceness: int = Field(3, ge=0, le=19, alias="DIGESTBOT_WORKER_NICENESS")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None  # an empty REDIS_URL= in .env means the embedded server, like an unset one
        parts = urlsplit(value)
        if parts.scheme not in REDIS_SCHEMES:
            schemes = ", ".join(f"{s}://" for s in REDIS_SCHEMES)
            raise ValueError(f"REDIS_URL must start with one of {schemes}")
        if parts.scheme.endswith("+sentinel") and not parts.path.strip("/"):
            raise ValueError("REDIS_URL for Sentinel needs a service name: redis+sentinel://host:26379/mymaster")
        if parts.scheme == "unix":
            return value
        for node in parts.netloc.rpartition("@")[2].split(","):  # Sentinel lists several nodes
            try:
                host, port = urlsplit(f"//{node}").hostname, urlsplit(f"//{node}").port
            except ValueError as exc:
                raise ValueError(f"REDIS_URL does not parse: {exc}") from None
            if not host or port == 0:
                raise ValueError(f"REDIS_URL names no host and port in {node or 'its address'!r}")
        return value

    @field_validator("provider_urls")
    @classmethod
    def _known_endpoints(cls, urls: dict[str, str]) -> dict[str, str]:
        from bot.pipeline.providers import DEFAULT_URLS  # the provider table, loaded only when endpoints are named

        if unknown := sorted(set(urls) - set(DEFAULT_URLS)):
            raise ValueError(f"unknown endpoint names {unknown}; known: {', '.join(DEFAULT_URLS)}")
        return {name: http_url(url, "DIGESTBOT_PROVIDER_URLS") for name, url in urls.items()}

    @field_validator("llm_url")
    @classmethod
    def _llm_url(cls, value: str | None) -> str | None:
        return http_url(value, "DIGESTBOT_LLM_URL") if value else None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if bool(self.llm_url) != bool(self.llm_model):
            raise ValueError("DIGESTBOT_LLM_URL and DIGESTBOT_LLM_MODEL go together: set both or neither")
        return self

    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, keys), for the log redaction."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()]

    def data_dir_problem(self) -> str | None:
        """Why the embedded Redis could not keep its files in DIGESTBOT_DATA_DIR, if it cannot; None if it can."""
        try:
            self.data_dir.expanduser().mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"DIGESTBOT_DATA_DIR {self.data_dir} cannot be created ({exc.strerror}): set it or REDIS_URL"
        if not os.access(self.data_dir.expanduser(), os.W_OK | os.X_OK):
            return f"DIGESTBOT_DATA_DIR {self.data_dir} is not writable: set it to a folder you own, or set REDIS_URL"
        return None


S = TypeVar("S", bound=Settings)


class SettingsProblem(Exception):
    """Settings that cannot be read or used: one line per problem, naming the variable or the file, never a value."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def read_settings(kind: type[S]) -> S:
    """The settings from the environment and .env, or SettingsProblem for whatever stops them: a value the fields
    refuse, a JSON setting that does not parse (pydantic_settings fails those before validation, with a
    SettingsError), or a .env file that cannot be read."""
    try:
        return kind()
    except ValidationError as error:
        raise SettingsProblem(problems(error)) from None
    except SettingsError as error:
        raise SettingsProblem([unreadable(kind, error)]) from None
    except UnicodeDecodeError as error:
        raise SettingsProblem([f"{ENV_FILE} is not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    except OSError as error:
        raise SettingsProblem([f"{ENV_FILE} cannot be read: {error.strerror or error}"]) from None


def unreadable(kind: type[Settings], error: SettingsError) -> str:
    """The variable a SettingsError is about and why, without its value (a JSON error gives only a position)."""
    field = _FIELD_NAMED.search(str(error))
    info = kind.model_fields.get(field.group(1)) if field else None
    if info is None:
        return str(error)
    why = "is not valid JSON" if isinstance(error.__cause__, json.JSONDecodeError) else "cannot be read"
    return f"{info.alias}: {why} ({error.__cause__})"


def problems(error: ValidationError) -> list[str]:
    """One line per bad setting, naming the variable and never echoing its value back."""
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return lines
