"""Real Redis for tests: a throwaway redis-server on a free port, a silent socket, and store fixtures.

The store fixtures use the CI Redis at 127.0.0.1:6379 when it answers, else one throwaway server for the whole
session; each test gets its own key prefix, and its keys are deleted afterwards. tests/conftest.py loads the
fixtures for every test module.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis
import redis.asyncio

from bot.config import Settings
from bot.memory.connection import redis_server_command
from bot.memory.store import Store

CI_REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=0.3, socket_connect_timeout=0.3)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


class RedisServer:
    """A real redis-server child on 127.0.0.1:port, persisting (AOF) in data_dir; stop and start it at will."""

    def __init__(self, data_dir: Path, port: int | None = None, extra: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self._extra = extra or []  # more redis-server options (cluster mode, replicaof)
        self._process: subprocess.Popen[bytes] | None = None
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(
            [*redis_server_command(self.data_dir, port=self.port), *self._extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not answers(self.url):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.data_dir / 'redis.log'}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the AOF is flushed, the port is freed (SIGKILL if it hangs on the way)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self._process = None

    def kill(self) -> None:
        """SIGKILL: what a crashed host looks like; writes not yet replicated or fsynced are lost."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None


class SilentServer:
    """A TCP port that completes the handshake (the kernel's listen backlog) and never says a word."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        self._sock.close()


def make_settings(url: str, data_dir: Path, **extra: object) -> Settings:
    """Settings pointing at `url` with a fresh key prefix."""
    return Settings.model_validate(
        {"REDIS_URL": url, "DIGESTBOT_REDIS_PREFIX": f"test:{uuid.uuid4().hex}:", "DIGESTBOT_DATA_DIR": data_dir}
        | extra
    )


async def delete_prefix(client: redis.asyncio.Redis, prefix: str) -> None:
    async for key in client.scan_iter(match=f"{prefix}*", count=1000):
        await client.delete(key)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The CI Redis if it answers, else a throwaway server for the session."""
    if answers(CI_REDIS_URL):
        yield CI_REDIS_URL
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """make_settings with this test's tmp_path as the data dir: settings_for(url, **env)."""
    return lambda url, **extra: make_settings(url, tmp_path, **extra)


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nothing listens on: every connection is refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def store_settings(redis_url: str, tmp_path: Path) -> Settings:
    return make_settings(redis_url, tmp_path)


@pytest.fixture
async def store(store_settings: Settings) -> AsyncIterator[Store]:
    """A Store on a unique prefix; every key under it is deleted after the test."""
    s = Store.from_settings(store_settings)
    yield s
    cleanup = redis.asyncio.Redis.from_url(store_settings.redis_url or "")
    await delete_prefix(cleanup, store_settings.redis_prefix)
    await cleanup.aclose()
    await s.close()
