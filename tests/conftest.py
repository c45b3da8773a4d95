"""Shared fixtures: a real Redis (tests/redis_server.py) for every test module that asks for one."""

pytest_plugins = ["tests.support.redis_server"]
