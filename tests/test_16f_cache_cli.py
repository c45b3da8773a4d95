"""Issue 16 through `digestbot digest`, real Redis and local pages: a failing variant of a link never fails the
plain link, a change of the private-address policy takes effect at once, and hostile answers (a redirect to a
non-web scheme, a gzip bomb) are one honest line each while the other sources are still digested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.articles import ARTICLES, article_html
from tests.support.http_server import LocalServer, Reply, html, redirect

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20
RIVERS = ARTICLES["rivers"]["title"]


@dataclass
class Run:
    lines: list[dict[str, Any]]  # with --json: one per source
    stderr: str
    status: int


Cli = Callable[..., Run]


@pytest.fixture
def cli(redis_url: str, tmp_path: Path) -> Iterator[Cli]:
    """`digestbot digest` with one Redis cache (a fresh prefix) for every call; settings as keyword arguments."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL"))}
    env |= {"REDIS_URL": redis_url, "DIGESTBOT_REDIS_PREFIX": f"test-{uuid.uuid4().hex[:8]}:",
            "DIGESTBOT_DATA_DIR": str(tmp_path), "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}  # fmt: skip

    def run(*sources: str, as_json: bool = True, **settings: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "digest", *(["--json"] if as_json else []), *sources],
            capture_output=True, text=True, env=env | settings, cwd=REPO, timeout=600,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        lines = [json.loads(line) for line in done.stdout.splitlines()] if as_json else []
        return Run(lines, done.stderr, done.returncode)

    yield run


# --- failing variants --------------------------------------------------------------------------------


def test_a_variant_refused_for_its_form_never_fails_the_plain_link(cli: Cli) -> None:
    with LocalServer({"/story": html(article_html("rivers"))}) as pages:
        plain = pages.url("/story")
        with_user = plain.replace("http://", "http://x@")
        huge_tracker = f"{plain}?utm_source={'x' * 70_000}"
        variants = cli(with_user, huge_tracker).lines
        [after] = cli(plain).lines
    assert [v["reason"] for v in variants] == ["bad_url", "bad_url"]
    assert "user name or password" in variants[0]["error"] and "too long" in variants[1]["error"]
    assert after["title"] == RIVERS
    assert [r.target for r in pages.requests] == ["/story"]  # neither variant was sent


def test_a_failing_tracker_variant_is_kept_under_itself_only(cli: Cli) -> None:
    routes = {"/story?utm_source=boom": Reply(status=500), "/story": html(article_html("rivers"))}
    with LocalServer(routes) as pages:
        variant = pages.url("/story?utm_source=boom")
        [failed] = cli(variant).lines
        [again] = cli(variant).lines
        [plain] = cli(pages.url("/story")).lines
    assert failed["reason"] == "http_status" and plain["title"] == RIVERS
    assert again == failed  # its own failure, kept for the negative-cache window: not fetched again
    assert [r.target for r in pages.requests] == ["/story?utm_source=boom", "/story"]


def test_a_cached_variant_answers_with_the_link_its_asker_gave(cli: Cli) -> None:
    with LocalServer({"/story": html(article_html("rivers"))}) as pages:
        alices = pages.url("/story?utm_source=alice-newsletter")
        [first] = cli(alices).lines
        [cached] = cli(pages.url("/story?utm_source=bobs-feed")).lines
    assert len(pages.requests) == 1  # one fetch: the second link was answered from the cache
    assert first["source"] == alices and cached["title"] == RIVERS
    assert cached["source"] == pages.url("/story?utm_source=bobs-feed")  # not Alice's link
    assert "alice" not in cached["url"] + cached["canonical_url"]


# --- the private-address policy -------------------------------------------------------------------------


def test_turning_private_networks_on_and_off_takes_effect_at_once(cli: Cli) -> None:
    with LocalServer({"/intranet": html(article_html("rivers"))}) as pages:
        url = pages.url("/intranet")
        [barred] = cli(url, DIGESTBOT_ALLOW_PRIVATE_NETWORKS="false").lines
        [allowed] = cli(url, DIGESTBOT_ALLOW_PRIVATE_NETWORKS="true").lines
        [barred_again] = cli(url, DIGESTBOT_ALLOW_PRIVATE_NETWORKS="false").lines
        [cached] = cli(url, DIGESTBOT_ALLOW_PRIVATE_NETWORKS="true").lines
    assert barred["reason"] == "blocked_address"
    assert allowed["title"] == RIVERS and allowed["private_address"]
    assert barred_again["reason"] == "blocked_address"  # the private digest is not served while barred
    assert cached["title"] == RIVERS
    assert len(pages.requests) == 1  # fetched once: when allowed; the cache answered the last run


# --- hostile answers -----------------------------------------------------------------------------------


def test_a_redirect_to_a_non_web_scheme_is_one_line_and_the_rest_are_digested(cli: Cli) -> None:
    routes = {f"/to-{scheme}": redirect(target) for scheme, target in
              [("data", "data:text/html,<h1>hi</h1>"), ("mailto", "mailto:a@b.example"),
               ("javascript", "javascript:alert(1)"), ("about", "about:blank")]}  # fmt: skip
    routes["/story"] = html(article_html("rivers"))
    with LocalServer(routes) as pages:
        sources = [pages.url(path) for path in ("/to-data", "/to-mailto", "/story", "/to-javascript", "/to-about")]
        run = cli(*sources, as_json=False, COLUMNS="500")  # rich wraps at the terminal's width
    failures = [line for line in run.stderr.splitlines() if line.startswith("✗")]
    assert run.status == 1 and len(failures) == 4, run.stderr
    for line, scheme in zip(failures, ["data", "mailto", "javascript", "about"], strict=True):
        assert f"only http and https links are fetched, not {scheme}:" in line
    assert [r.path for r in pages.requests].count("/story") == 1


def gzip_bomb_of_markup(mib: int) -> Iterator[bytes]:
    """An HTML start, then `mib` MiB of empty paragraphs, gzip-compressed while it is sent."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield packer.compress(b"<!doctype html><html><head><title>x</title></head><body>")
    for _ in range(mib):
        if out := packer.compress(b"<p></p>" * (MIB // 7)):
            yield out
    yield packer.flush()


def test_a_gzip_bomb_is_refused_and_the_other_links_digested(cli: Cli) -> None:
    gzip_headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    routes = {
        "/bomb": Reply(headers=gzip_headers, chunks=gzip_bomb_of_markup(220)),
        "/story": html(article_html("rivers")),
    }
    with LocalServer(routes) as pages:
        bomb, story = cli(pages.url("/bomb"), pages.url("/story")).lines
    assert bomb["reason"] == "too_large"
    assert bomb["error"].startswith("The page is larger than 2,097,152 bytes once decompressed, from only ")
    assert bomb["error"].endswith(" compressed bytes: a compression bomb")
    assert story["title"] == RIVERS
