"""Shared fixtures: a real Redis (tests/support/redis_server.py) and real Redis Cluster and Sentinel topologies
(tests/support/topologies.py) for every test module that asks for one."""

pytest_plugins = ["tests.support.redis_server", "tests.support.topologies"]
