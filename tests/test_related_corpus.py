"""`digestbot related --corpus FILE.jsonl`, run as a real process: on a configured Redis (a unique prefix, deleted
afterwards) and without one (a scratch server that leaves no file behind)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.test_related import ARTICLES

TAX = {"id": "tax", "title": "Changes to the income tax filing deadline",
       "text": "Taxpayers who file late returns owe interest and penalties to the revenue agency, and accountants "
               "advise keeping receipts for deductions."}  # fmt: skip


def corpus_rows() -> list[dict[str, object]]:
    """Fifteen articles in three topics (ids like "space-2"; the football ones with a URL), then one on taxes."""
    rows: list[dict[str, object]] = []
    for topic, articles in ARTICLES.items():
        for n, (title, text) in enumerate(articles):
            row: dict[str, object] = {"id": f"{topic}-{n}", "title": title, "text": text}
            if topic == "football":
                row["url"] = f"https://football.example/{n}"
            rows.append(row)
    return [*rows, TAX]


def write_corpus(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def related(corpus: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handlers.cli", "related", "--corpus", str(corpus), *args],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=120)  # fmt: skip


def keys_under(url: str, prefix: str) -> list[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return list(client.scan_iter(match=f"{prefix}*"))
    finally:
        client.close()


def check_lines(stdout: str, rows: list[dict[str, object]], k: int) -> list[dict[str, object]]:
    """One line per input in input order, k others each, best first, and every item shown on the query's topic
    (in an index this small, the one of a workspace's first days, unrelated articles used to be shown)."""
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert [line["id"] for line in lines] == [r["id"] for r in rows]
    for line in lines:
        ranked = line["related"]
        assert len(ranked) == k and line["id"] not in {r["id"] for r in ranked}
        assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
        topic = str(line["id"]).split("-")[0]
        assert all(str(r["id"]).startswith(topic) for r in ranked if r["shown"])
    return lines


@pytest.fixture
def prefix(redis_url: str) -> str:
    prefix = f"test:corpus:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


def test_on_the_configured_redis_every_article_gets_its_line_and_no_key_stays(
    tmp_path: Path, redis_url: str, prefix: str
) -> None:
    rows = corpus_rows()
    result = related(write_corpus(tmp_path / "c.jsonl", rows), "--k", "3", REDIS_URL=redis_url,
                     DIGESTBOT_REDIS_PREFIX=prefix)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = check_lines(result.stdout, rows, 3)
    by_id = {line["id"]: line["related"] for line in lines}
    for topic in ARTICLES:  # a card on each article shows another of its topic
        assert all(any(r["shown"] for r in by_id[f"{topic}-{n}"]) for n in range(5))
    assert not any(r["shown"] for r in by_id["tax"])  # nothing else is about taxes: nothing shown, still listed
    assert keys_under(redis_url, prefix) == []


def test_without_redis_a_scratch_server_leaves_no_file(tmp_path: Path) -> None:
    rows = corpus_rows()
    data, scratch = tmp_path / "data", tmp_path / "tmp"
    scratch.mkdir()
    result = related(write_corpus(tmp_path / "c.jsonl", rows), REDIS_URL="", DIGESTBOT_DATA_DIR=str(data),
                     TMPDIR=str(scratch))  # fmt: skip
    assert result.returncode == 0, result.stderr
    check_lines(result.stdout, rows, 5)
    assert not data.exists() and list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "x", "title": "no text"}', "line 3: text: Field required"),
        ('{"id": "x", "text": "unfinished', "line 3: line: Invalid JSON: EOF while parsing a string"),
        ('{"id": "space-0", "text": "again"}', "line 3: the same id or url as line 1"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_indexed(
    tmp_path: Path, redis_url: str, prefix: str, line: str, problem: str
) -> None:
    corpus = write_corpus(tmp_path / "c.jsonl", corpus_rows()[:2])
    corpus.write_text(corpus.read_text() + line + "\n")
    result = related(corpus, REDIS_URL=redis_url, DIGESTBOT_REDIS_PREFIX=prefix)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"digestbot: {corpus}, {problem}")
    assert keys_under(redis_url, prefix) == []
