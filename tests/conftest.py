"""Shared fixtures: a real Redis (tests/support/redis_server.py), real Redis Cluster and Sentinel topologies
(tests/support/topologies.py) and a Slack stand-in per module (tests/support/slack_standin.py) for every test module
that asks for one, and a started `digestbot serve` (tests/support/bot_process.py) on it."""

pytest_plugins = [
    "tests.support.redis_server",
    "tests.support.topologies",
    "tests.support.slack_standin",
    "tests.support.bot_process",
]
