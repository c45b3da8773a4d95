"""The embedded Redis (REDIS_URL unset) belongs to the command that started it: stopped when that command ends,
left running for the process that owns it when a command found it running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.memory.connection import EmbeddedRedis
from tests.support.articles import article_html
from tests.support.http_server import LocalServer, html
from tests.support.redis_server import answers as answers_at

REPO = Path(__file__).resolve().parent.parent


def answers(sock: Path) -> bool:
    return answers_at(f"unix://{sock}")


def digest(url: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"DIGESTBOT_DATA_DIR": str(data_dir), "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    done = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", url], capture_output=True,
                          text=True, env=env, timeout=300, cwd=REPO)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_server_lives_as_long_as_the_context_that_started_it(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as sock:
        assert answers(sock)
        with EmbeddedRedis(tmp_path) as joined:  # found running: used, not owned
            assert joined == sock
        assert answers(sock)  # the one that joined left it running
    assert not answers(sock)
    assert (tmp_path / "appendonlydir").is_dir() or (tmp_path / "appendonly.aof").exists()  # it persisted


def test_a_digest_command_stops_the_server_it_started_and_keeps_the_cache(tmp_path: Path) -> None:
    with LocalServer({"/rivers": html(article_html("rivers"))}) as pages:
        first = digest(pages.url("/rivers"), tmp_path)
        sock = tmp_path / "redis.sock"
        assert not answers(sock)  # the command's server stopped with it
        again = digest(pages.url("/rivers"), tmp_path)  # a new server, on the persisted data
        assert again["title"] == first["title"]
        assert [r.path for r in pages.requests] == ["/rivers"]  # cached across the two servers: one fetch


def test_a_digest_command_leaves_a_running_server_running(tmp_path: Path) -> None:
    with LocalServer({"/rivers": html(article_html("rivers"))}) as pages, EmbeddedRedis(tmp_path) as sock:
        digest(pages.url("/rivers"), tmp_path)
        assert answers(sock)  # serve's server, say: the command only used it


def test_a_server_that_cannot_start_leaves_the_digest_uncached_with_one_line(tmp_path: Path) -> None:
    too_long = tmp_path / ("d" * 120)  # a unix socket path holds about 100 bytes
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"DIGESTBOT_DATA_DIR": str(too_long), "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    with LocalServer({"/rivers": html(article_html("rivers"))}) as pages:
        done = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", pages.url("/rivers")],
                              capture_output=True, text=True, env=env, timeout=300, cwd=REPO)  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout)["title"]
    assert done.stderr.startswith("digestbot: DIGESTBOT_DATA_DIR is too long for a unix socket")
    assert done.stderr.rstrip().endswith("digesting without the cache") and "Traceback" not in done.stderr
