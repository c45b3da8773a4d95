"""What one page or one link can do to the cache that everyone reads: nothing beyond its own entry.

Run through the `digestbot digest` command line against real Redis and local pages, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import ARTICLES, article_html
from tests.support.http_server import LocalServer, html

REPO = Path(__file__).resolve().parent.parent
DigestCli = Callable[..., list[dict[str, Any]]]


@pytest.fixture
def cli(redis_url: str, tmp_path: Path) -> Iterator[DigestCli]:
    """Run `digestbot digest --json` with a shared Redis cache under a fresh prefix; one parsed line per source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    env |= {
        "REDIS_URL": redis_url,
        "DIGESTBOT_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}:",
        "DIGESTBOT_DATA_DIR": str(tmp_path),
        "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true",
    }

    def run(*sources: str, **settings: str) -> list[dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "digest", "--json", *sources],
            capture_output=True, text=True, env=env | settings, cwd=REPO, timeout=600,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    yield run


def _declaring_canonical(key: str, canonical: str) -> str:
    return article_html(key).replace("</head>", f'<link rel="canonical" href="{canonical}"></head>')


def test_a_page_declaring_another_articles_url_does_not_take_over_its_card(cli: DigestCli) -> None:
    routes = {
        "/2026/real-story": html(article_html("rivers")),
        "/user/mallory/post": html(_declaring_canonical("chess", "/2026/real-story")),
    }
    with LocalServer(routes) as pages:
        [mallory] = cli(pages.url("/user/mallory/post"))
        [real] = cli(pages.url("/2026/real-story"))
    assert mallory["title"] == ARTICLES["chess"]["title"]
    assert mallory["canonical_url"] == pages.url("/2026/real-story")  # it may still join repeat detection
    assert real["title"] == ARTICLES["rivers"]["title"]
    assert [r.path for r in pages.requests] == ["/user/mallory/post", "/2026/real-story"]
