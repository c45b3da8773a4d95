"""Prometheus metrics; `GET /metrics` serves them (exposition()), for serve and its digest workers together."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

EVENTS_RECEIVED = Counter("digestbot_events_received_total", "Slack events received", ["type"])
EVENTS_DUPLICATE = Counter(
    "digestbot_events_duplicate_total", "Slack events with work to do dropped as retries or replays"
)
DIGESTS = Counter("digestbot_digests_total", "Digests by outcome (ok, cached, failed reason)", ["outcome"])
DIGEST_SECONDS = Histogram("digestbot_digest_seconds", "Time to produce a digest, fetch included")
SLACK_CALLS = Counter("digestbot_slack_calls_total", "Slack Web API calls", ["method", "ok"])
SLACK_RATE_LIMITED = Counter("digestbot_slack_rate_limited_total", "Slack 429 answers that were retried")
ROUNDUPS_POSTED = Counter("digestbot_roundups_posted_total", "Weekly roundups posted")
DIGEST_CACHE = Counter("digestbot_digest_cache_total", "Digest cache lookups by result (hit, miss)", ["result"])
FETCH_SECONDS = Histogram("digestbot_fetch_seconds", "Time to fetch a page, redirects included")
EXTRACT_SECONDS = Histogram("digestbot_extract_seconds", "Time to extract an article in a worker process")
REDIS_ERRORS = Counter("digestbot_redis_errors_total", "Redis calls that failed (the bot carried on without them)")
UNCONFIRMED_WRITES = Counter(
    "digestbot_redis_unconfirmed_writes_total",
    "Decisive writes (queue: a queued job, share: a share record) on a master with a replica that no replica "
    "confirmed in time (WAIT): a failover now could lose them",
    ["what"],
)
QUEUE_DEPTH = Gauge(
    "digestbot_queue_depth",
    "Digest jobs queued or running (entries in the work stream)",
    multiprocess_mode="mostrecent",  # set by serve alone, when scraped
)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def exposition() -> bytes:
    """/metrics: this process's metrics, and with PROMETHEUS_MULTIPROC_DIR set (serve sets it for itself and its
    digest workers before anything imports prometheus_client) every process's, added up."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def forget_process(pid: int) -> None:
    """A worker exited: its gauges go (its counters stay in the sums, as Prometheus counters must)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)
