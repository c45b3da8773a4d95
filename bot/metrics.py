"""Prometheus metrics, one registry for the process; `GET /metrics` serves them."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_RECEIVED = Counter("digestbot_events_received_total", "Slack events received", ["type"])
EVENTS_DUPLICATE = Counter("digestbot_events_duplicate_total", "Slack events dropped as retries or replays")
DIGESTS = Counter("digestbot_digests_total", "Digests by outcome (ok, cached, failed reason)", ["outcome"])
DIGEST_SECONDS = Histogram("digestbot_digest_seconds", "Time to produce a digest, fetch included")
SLACK_CALLS = Counter("digestbot_slack_calls_total", "Slack Web API calls", ["method", "ok"])
SLACK_RATE_LIMITED = Counter("digestbot_slack_rate_limited_total", "Slack 429 answers that were retried")
ROUNDUPS_POSTED = Counter("digestbot_roundups_posted_total", "Weekly roundups posted")
