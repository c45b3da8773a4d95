"""Redis load per digested message on each topology: commands, memory and how they spread over the nodes.

    python -m bench.topology            # BENCH_TOPOLOGIES=single,cluster  BENCH_TOPOLOGY_MESSAGES=300

For each topology (tests/support/topologies.py; `single` is a throwaway server) the real `digestbot serve`
digests MESSAGES links, each a distinct article (the soak's), spread over 20 channels of one workspace, one at a
time (each waits for its card). Every master's INFO commandstats and used_memory are read before and after; the
commands the bot's idle consumers issue anyway (blocking reads, claims), measured over a quiet spell first, are
subtracted, and so are the commands the harness and the replicas send (INFO, REPLCONF, PING, CLUSTER). Printed:
commands and memory per message in all, and each master's share.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from bench.soak import article
from tests.support.bot_process import SECRET, running_bot
from tests.support.http_server import LocalServer, Reply
from tests.support.redis_server import RedisServer
from tests.support.slack_standin import JSON, SlackStandIn, event_body, message_event, post_signed
from tests.support.topologies import Cluster, SentinelSet

NOT_THE_BOTS = ("info", "replconf", "ping", "cluster", "config", "psync", "sync")
CHANNELS = 20


@contextlib.contextmanager
def topology(name: str, tmp: Path) -> Iterator[tuple[str, list[int]]]:
    """(REDIS_URL, ports of the masters) of a freshly started topology, stopped afterwards."""
    servers = {"single": RedisServer, "cluster": Cluster, "sentinel": SentinelSet}[name](tmp / name)
    servers.start()
    try:
        if isinstance(servers, Cluster):
            yield servers.url, sorted(servers.masters())
        elif isinstance(servers, SentinelSet):
            yield servers.url, [servers.master_port()]
        else:
            yield servers.url, [servers.port]
    finally:
        servers.stop()


def bot_commands(port: int) -> int:
    """Commands this master has run, less the harness's and the replication's."""
    client = redis.Redis(port=port)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return sum(v["calls"] for k, v in stats.items() if k.removeprefix("cmdstat_").split("|")[0] not in NOT_THE_BOTS)


def used_memory(port: int) -> int:
    client = redis.Redis(port=port)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def measure(name: str, messages: int) -> dict[str, object]:
    routes = {f"/a/{n}": Reply(headers=[("Content-Type", "text/html; charset=utf-8")], body=article(n))
              for n in range(messages)}  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="digestbot-topology-") as tmp,
        topology(name, Path(tmp)) as (url, masters),
        LocalServer(routes) as pages,
        SlackStandIn() as slack,
        running_bot(slack.base_url, url, Path(tmp)) as (base, _),
    ):
        before = {port: bot_commands(port) for port in masters}
        time.sleep(quiet_s := 10.0)
        idle = {port: (bot_commands(port) - before[port]) / quiet_s for port in masters}
        memory = {port: used_memory(port) for port in masters}
        start, started = {port: bot_commands(port) for port in masters}, time.monotonic()
        for n in range(messages):
            channel = f"C{n % CHANNELS:03d}"
            event = message_event(f"<{pages.url(f'/a/{n}')}>", channel=channel, ts=f"1767000000.{n:06d}")
            assert post_signed(f"{base}/slack/events", event_body(event), SECRET, JSON).status_code == 200
            slack.wait_for_posts(channel, n // CHANNELS + 1, timeout=120)
        spent = time.monotonic() - started
        per_node = {port: bot_commands(port) - start[port] - idle[port] * spent for port in masters}
        grown = sum(used_memory(port) - memory[port] for port in masters)
    total = sum(per_node.values())
    return {
        "topology": name,
        "messages": messages,
        "commands_per_message": round(total / messages, 1),
        "memory_per_message_bytes": round(grown / messages),
        "share_of_commands_per_master": [round(c / total, 2) for c in sorted(per_node.values(), reverse=True)],
        "idle_commands_per_s": round(sum(idle.values()), 1),
    }


def main() -> None:
    messages = int(os.environ.get("BENCH_TOPOLOGY_MESSAGES", "300"))
    for name in os.environ.get("BENCH_TOPOLOGIES", "single,cluster").split(","):
        print(measure(name.strip(), messages), flush=True)


if __name__ == "__main__":
    main()
