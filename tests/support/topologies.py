"""Real Redis topologies for tests: a 3-master Redis Cluster with a replica each, and master + replica + Sentinel.

Both are session fixtures built from `redis-server` processes (data dirs under the session's tmp dir) and torn
down however the session ends. A test may kill a master (`Cluster.fail_over`, `SentinelSet.fail_over`): the
replica is promoted, then the old master is started again and rejoins as a replica, so the topology the next
test gets is whole again. `switch_over` is the graceful failover an operator runs (`CLUSTER FAILOVER`,
`SENTINEL FAILOVER`): the two swap roles. `redis_url_for(topology, request)` is what a module parametrized over
TOPOLOGIES uses; `sync_client(url)` inspects any of them from a test, whatever its REDIS_URL form.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster
from redis.sentinel import Sentinel

from tests.support.redis_server import RedisServer, free_port

TOPOLOGIES = ("single", "cluster", "sentinel")
SERVICE = "digestbot"  # the Sentinel service (master) name
READY_S = 60  # a topology not whole by then is broken, not slow
CLUSTER_NODE_TIMEOUT_MS = 1000  # how long a silent master takes to be failed over (a few times this)
BUS_PORT_OFFSET = 10_000  # a cluster node also listens on port + 10000 for its peers


def cluster_port(taken: set[int]) -> int:
    """A free port whose cluster bus port (port + 10000) is also free and below 65536."""
    while True:
        port = free_port()
        if port in taken or port + BUS_PORT_OFFSET > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + BUS_PORT_OFFSET))
            except OSError:
                continue
        taken.add(port)
        return port


def wait_until(check: object, what: str, timeout_s: float = READY_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis topology: {what} did not happen within {timeout_s} s")
        time.sleep(0.1)


def sync_client(url: str) -> redis.Redis | RedisCluster:
    """A synchronous client for any REDIS_URL form the bot takes (single, cluster, sentinel), for inspection."""
    if url.startswith("redis+cluster://"):
        return RedisCluster.from_url(url.replace("+cluster", "", 1))
    if url.startswith("redis+sentinel://"):
        host_port, service = url.removeprefix("redis+sentinel://").split("/", 1)
        host, port = host_port.rsplit(":", 1)
        return Sentinel([(host, int(port))], socket_timeout=1).master_for(service, socket_timeout=1)
    return redis.Redis.from_url(url)


def _info(port: int, section: str) -> dict[str, object]:
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        return client.info(section)
    finally:
        client.close()


def _role(port: int) -> str | None:
    try:
        return str(_info(port, "replication").get("role"))
    except (redis.RedisError, OSError):
        return None


class Cluster:
    """`masters` masters with one replica each, on loopback; `url` names one node (the client finds the rest)."""

    def __init__(self, base_dir: Path, masters: int = 3) -> None:
        taken: set[int] = set()
        self.nodes = [
            RedisServer(base_dir / f"node-{n}", cluster_port(taken), extra=self._node_args(base_dir / f"node-{n}"))
            for n in range(masters * 2)
        ]

    @staticmethod
    def _node_args(data_dir: Path) -> list[str]:
        return [
            "--cluster-enabled", "yes",
            "--cluster-config-file", str(data_dir / "nodes.conf"),
            "--cluster-node-timeout", str(CLUSTER_NODE_TIMEOUT_MS),
            "--cluster-replica-validity-factor", "0",  # a replica may always take over: tests kill masters
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> Cluster:
        for node in self.nodes:
            node.start()
        self.form()
        return self

    def form(self) -> None:
        """Make the running nodes one cluster: slots spread over the masters, a replica for each."""
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        subprocess.run(
            ["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"],
            check=True, capture_output=True, timeout=READY_S,
        )  # fmt: skip
        self.wait_whole()

    def wait_whole(self) -> None:
        """Every node up and agreeing: all slots served, each master with a replica in sync."""
        wait_until(lambda: all(self._node_ok(node.port) for node in self.nodes), "every cluster node ok")
        wait_until(lambda: len(self.masters()) * 2 == len(self.nodes), "a replica for every master")
        wait_until(lambda: all(self._replica_synced(n.port) for n in self.nodes if n.port not in self.masters()),
                   "every replica in sync")  # fmt: skip

    def _node_ok(self, port: int) -> bool:
        info = _info(port, "default")
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            state = client.execute_command("CLUSTER", "INFO").decode()
        finally:
            client.close()
        fields = dict(line.split(":", 1) for line in state.split() if ":" in line)
        whole = fields.get("cluster_state") == "ok" and fields.get("cluster_slots_ok") == "16384"
        return bool(info) and whole and fields.get("cluster_known_nodes") == str(len(self.nodes))

    @staticmethod
    def _replica_synced(port: int) -> bool:
        return _info(port, "replication").get("master_link_status") == "up"

    def masters(self) -> set[int]:
        """Ports of the running nodes that are masters now."""
        return {node.port for node in self.nodes if node.running and _role(node.port) == "master"}

    def master_of(self, key: str) -> RedisServer:
        """The node serving `key`'s slot now."""
        client = sync_client(self.url)
        try:
            assert isinstance(client, RedisCluster)
            port = client.get_node_from_key(key).port
        finally:
            client.close()
        [node] = [n for n in self.nodes if n.port == port]
        return node

    def replica_of(self, key: str) -> RedisServer:
        """The replica of the node serving `key`'s slot now."""
        port = int(_info(self.master_of(key).port, "replication")["slave0"]["port"])  # type: ignore[index]
        [node] = [n for n in self.nodes if n.port == port]
        return node

    def switch_over(self, key: str) -> None:
        """A graceful failover (`CLUSTER FAILOVER` on the replica of `key`'s master): the two swap roles."""
        old, replica = self.master_of(key), self.replica_of(key)
        client = redis.Redis(port=replica.port, socket_timeout=1)
        try:
            client.execute_command("CLUSTER", "FAILOVER")
        finally:
            client.close()
        wait_until(lambda: _role(old.port) == "slave" and _role(replica.port) == "master", "the switch-over")
        self.wait_whole()

    def kill_master_of(self, key: str) -> RedisServer:
        """SIGKILL the master serving `key` (its replica takes over within a few node timeouts)."""
        dead = self.master_of(key)
        dead.kill()
        return dead

    def recover(self, dead: RedisServer) -> None:
        """Wait until a replica took over from `dead`; start `dead` again, to rejoin as a replica."""
        wait_until(lambda: len(self.masters() - {dead.port}) == len(self.nodes) // 2, "a replica promoted")
        dead.start()
        self.wait_whole()

    def fail_over(self, key: str) -> None:
        """kill_master_of(key), then recover()."""
        self.recover(self.kill_master_of(key))

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class SentinelSet:
    """A master, its replica and one Sentinel watching them (quorum 1); `url` is the bot's redis+sentinel URL."""

    def __init__(self, base_dir: Path) -> None:
        self.master = RedisServer(base_dir / "master")
        self.replica = RedisServer(base_dir / "replica", extra=["--replicaof", "127.0.0.1", str(self.master.port)])
        self.sentinel_port = free_port()
        self._sentinel_dir = base_dir / "sentinel"
        self._sentinel_dir.mkdir(parents=True, exist_ok=True)
        self._sentinel: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.sentinel_port}/{SERVICE}"

    def start(self) -> SentinelSet:
        self.master.start()
        self.replica.start()
        config = self._sentinel_dir / "sentinel.conf"
        config.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {self._sentinel_dir}\n"
            f"logfile {self._sentinel_dir / 'sentinel.log'}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 5000\n"
        )
        self._sentinel = subprocess.Popen(
            ["redis-server", str(config), "--sentinel"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.wait_whole()
        return self

    def master_port(self) -> int:
        client = redis.Redis(port=self.sentinel_port, socket_timeout=1)
        try:
            _, port = client.sentinel_get_master_addr_by_name(SERVICE)
        finally:
            client.close()
        return int(port)

    def wait_whole(self) -> None:
        """The Sentinel knows the master and a replica in sync that it could promote."""

        def replica_ready() -> bool:
            client = redis.Redis(port=self.sentinel_port, socket_timeout=1, decode_responses=True)
            try:
                replicas = client.sentinel_slaves(SERVICE)
            finally:
                client.close()
            return any(not r["is_sdown"] and not r["is_disconnected"] and r.get("master-link-status") == "ok"
                       for r in replicas)  # fmt: skip

        wait_until(replica_ready, "the Sentinel seeing a replica it could promote")
        _, replica = self.roles()
        wait_until(lambda: _info(replica.port, "replication").get("master_link_status") == "up", "replica in sync")

    def roles(self) -> tuple[RedisServer, RedisServer]:
        """(the master now, its replica)."""
        return (self.master, self.replica) if self.master_port() == self.master.port else (self.replica, self.master)

    def kill_master(self) -> RedisServer:
        """SIGKILL the master, once the Sentinel could promote its replica (the Sentinel fails over in ~2 s)."""
        self.wait_whole()
        old, _ = self.roles()
        old.kill()
        return old

    def switch_over(self) -> None:
        """A graceful failover (`SENTINEL FAILOVER`): the replica is promoted, the old master made its replica.

        A failover still running (an earlier test's, reconfiguring its replicas, or one a loaded machine set off)
        makes the Sentinel answer INPROG: the request is made again once it is over, from the roles then."""
        self.wait_whole()
        masters: list[RedisServer] = []

        def failover_started() -> bool:
            old, _ = self.roles()
            client = redis.Redis(port=self.sentinel_port, socket_timeout=1)
            try:
                client.execute_command("SENTINEL", "FAILOVER", SERVICE)  # a ResponseError (INPROG) is tried again
            finally:
                client.close()
            masters.append(old)
            return True

        wait_until(failover_started, "the Sentinel starting a failover")
        old = masters[-1]
        wait_until(lambda: self.master_port() != old.port, "the Sentinel's failover")
        wait_until(lambda: _info(old.port, "replication").get("master_link_status") == "up", "the old master in sync")

    def fail_over(self) -> None:
        """kill_master(), then recover()."""
        self.recover(self.kill_master())

    def recover(self, old: RedisServer) -> None:
        """Wait until the Sentinel promoted the replica; start the old master again as the new one's replica.

        The restarted node is pointed at the new master at once (the Sentinel would do it within ~10 s); the
        Sentinel itself sees it as a replica it could promote later, which the next kill_master() waits for.
        """
        wait_until(lambda: self.master_port() != old.port, "the Sentinel's failover")
        old.start()
        client = redis.Redis(port=old.port, socket_timeout=1)
        try:
            client.replicaof("127.0.0.1", self.master_port())
        finally:
            client.close()
        wait_until(lambda: _info(old.port, "replication").get("master_link_status") == "up", "the old master in sync")

    def stop(self) -> None:
        if self._sentinel is not None:
            self._sentinel.terminate()
            self._sentinel.wait(timeout=10)
        self.master.stop()
        self.replica.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SentinelSet]:
    sentinel = SentinelSet(tmp_path_factory.mktemp("sentinel"))
    try:
        yield sentinel.start()
    finally:
        sentinel.stop()


def redis_url_for(topology: str, request: pytest.FixtureRequest, single_url: str) -> str:
    """The REDIS_URL of a topology: `single_url` (the session's Redis), or the cluster's or the Sentinel's."""
    if topology == "cluster":
        return request.getfixturevalue("redis_cluster").url
    if topology == "sentinel":
        return request.getfixturevalue("redis_sentinel").url
    return single_url
