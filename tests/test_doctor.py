"""`digestbot doctor` against a real Redis and the Slack stand-in: what passes, what fails, and what it prints."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rich.console import Console

from bot.doctor import Check, check_egress, check_settings, exit_code, load_settings, render
from handlers.doctor import check_tokens, run_checks
from handlers.settings import SlackSettings
from tests.support.redis_server import RedisServer, free_port, make_settings
from tests.support.slack_standin import INVALID_TOKEN, SlackStandIn

TOKEN = "xoxb-1111-2222-doctorsecretpart"
SIGNING_SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
LLM_KEY = "sk-doctor-llm-key-value"
REDIS_PASSWORD = "hunter2-redis-password"
SECRETS = (TOKEN.removeprefix("xoxb-"), SIGNING_SECRET, LLM_KEY, REDIS_PASSWORD)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


def settings(url: str | None, standin: SlackStandIn, tmp_path: Path, **extra: object) -> SlackSettings:
    values = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": standin.base_url}
    values |= {
        "DIGESTBOT_LLM_URL": "http://127.0.0.1:9/v1",
        "DIGESTBOT_LLM_MODEL": "m",
        "DIGESTBOT_LLM_API_KEY": LLM_KEY,
    }
    if url is None:
        return SlackSettings.model_validate({"DIGESTBOT_DATA_DIR": tmp_path} | values | extra)
    return SlackSettings.model_validate(make_settings(url, tmp_path).model_dump(by_alias=True) | values | extra)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def printed(checks: list[Check]) -> str:
    out = io.StringIO()
    Console(file=out, width=200).print(render(checks))
    return out.getvalue()


async def test_every_check_passes_against_real_redis_and_slack(
    redis_url: str,
    standin: SlackStandIn,
    tmp_path: Path,
) -> None:
    checks = await run_checks(settings(redis_url, standin, tmp_path), egress=f"127.0.0.1:{standin.port}")

    assert [c for c in checks if not c.ok] == []
    assert exit_code(checks) == 0
    assert set(by_name(checks)) == {
        "settings", "slack bot token", "slack app token", "signing secret", "slack auth.test", "embedded redis",
        "redis", "redis persistence", "redis memory policy", "fetch egress",
    }  # fmt: skip
    assert "workspace Digestbot Test (T1)" in by_name(checks)["slack auth.test"].detail
    assert standin.calls("auth.test")[0].token == TOKEN
    assert by_name(checks)["embedded redis"].detail.startswith("not used")


async def test_bad_token_and_closed_redis_port_fail_with_fixes(standin: SlackStandIn, tmp_path: Path) -> None:
    closed = free_port()
    config = settings(
        f"redis://:{REDIS_PASSWORD}@127.0.0.1:{closed}/0", standin, tmp_path, SLACK_BOT_TOKEN=INVALID_TOKEN
    )

    checks = by_name(await run_checks(config, egress=f"127.0.0.1:{free_port()}"))

    failed = {name for name, c in checks.items() if not c.ok}
    assert failed == {"slack auth.test", "redis", "redis persistence", "redis memory policy", "fetch egress"}
    assert all(checks[name].fix for name in failed)
    assert "invalid_auth" in checks["slack auth.test"].detail and "OAuth" in checks["slack auth.test"].fix
    assert f"127.0.0.1:{closed}" in checks["redis"].detail and "REDIS_URL" in checks["redis"].fix
    assert "no egress" in checks["fetch egress"].fix
    assert exit_code(list(checks.values())) == 1


async def test_secrets_are_never_printed(redis_url: str, standin: SlackStandIn, tmp_path: Path) -> None:
    good = await run_checks(settings(redis_url, standin, tmp_path), egress=f"127.0.0.1:{standin.port}")
    bad_url = f"redis://user:{REDIS_PASSWORD}@127.0.0.1:{free_port()}/0"
    bad = await run_checks(settings(bad_url, standin, tmp_path, SLACK_APP_TOKEN="xapp-1-A1-secretapp"), "x.invalid:1")

    for report in (printed(good), printed(bad)):
        assert not [s for s in (*SECRETS, "secretapp") if s in report]
    assert "xoxb-…" in printed(good) and "xapp-…" in printed(bad) and "user:***@" in printed(bad)


async def test_embedded_server_is_started_and_reported(standin: SlackStandIn, tmp_path: Path) -> None:
    checks = by_name(await run_checks(settings(None, standin, tmp_path), egress=f"127.0.0.1:{standin.port}"))

    assert checks["embedded redis"].ok and str(tmp_path / "redis.sock") in checks["embedded redis"].detail
    assert checks["redis"].ok
    assert checks["redis persistence"].detail.startswith("AOF on")


async def test_eviction_of_all_keys_fails_and_no_persistence_warns(standin: SlackStandIn, tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    try:
        admin = redis.Redis.from_url(server.url)
        admin.config_set("maxmemory-policy", "allkeys-lru")
        admin.config_set("appendonly", "no")
        admin.config_set("save", "")
        admin.close()
        checks = by_name(await run_checks(settings(server.url, standin, tmp_path), f"127.0.0.1:{standin.port}"))
    finally:
        server.stop()

    policy, persistence = checks["redis memory policy"], checks["redis persistence"]
    assert not policy.ok and "allkeys-lru" in policy.detail and "noeviction" in policy.fix
    assert persistence.ok and persistence.fix and "--appendonly yes" in persistence.fix  # a warning
    assert "!" in printed([persistence]) and "✗" not in printed([persistence])


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only what a test sets, from no .env."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL", "PORT"))]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_settings_that_cannot_work_are_named_each_without_its_value(environment: pytest.MonkeyPatch) -> None:
    for name, value in {
        "PORT": "0",
        "SLACK_API_URL": "ftp://slack.com/api",
        "REDIS_URL": "tcp://h",
        "DIGESTBOT_FETCH_MAX_BYTES": "lots-of-secret-bytes",
        "DIGESTBOT_FETCH_DEADLINE": "-1",
        "SLACK_BOT_TOKEN": "xoxp-user-token",
        "SLACK_APP_TOKEN": "xoxb-not-an-app",
    }.items():
        environment.setenv(name, value)
    check = load_settings(SlackSettings)
    assert isinstance(check, Check) and not check.ok and check.fix
    for name in ("PORT", "SLACK_API_URL", "REDIS_URL", "DIGESTBOT_FETCH_MAX_BYTES", "DIGESTBOT_FETCH_DEADLINE",
                 "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):  # fmt: skip
        assert name in check.detail
    assert not [v for v in ("lots-of-secret-bytes", "xoxp-user-token", "xoxb-not-an-app") if v in check.detail]


def test_an_llm_url_without_a_model_is_named(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("DIGESTBOT_LLM_URL", "http://h/v1")
    check = load_settings(SlackSettings)
    assert isinstance(check, Check) and "DIGESTBOT_LLM_MODEL" in check.detail


def test_a_json_setting_that_does_not_parse_is_named_without_its_value(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("DIGESTBOT_PROVIDER_URLS", '{"youtube": secret-mirror}')
    check = load_settings(SlackSettings)
    assert isinstance(check, Check) and not check.ok
    assert check.detail.startswith("DIGESTBOT_PROVIDER_URLS: is not valid JSON") and "secret" not in check.detail


def test_an_env_file_that_is_not_text_is_named(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"DIGESTBOT_WORKERS=\xff\xfe\n")  # the fixture made tmp_path the working directory
    check = load_settings(SlackSettings)
    assert isinstance(check, Check) and not check.ok and check.detail.startswith(".env is not UTF-8 text")


def test_an_unwritable_data_dir_is_named_when_the_embedded_redis_needs_it(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"  # permissions do not stop root: a file where a folder must go does
    blocked.write_text("")
    check = check_settings(SlackSettings.model_validate({"DIGESTBOT_DATA_DIR": blocked / "data"}))
    assert not check.ok and "DIGESTBOT_DATA_DIR" in check.detail and "REDIS_URL" in check.fix
    with_redis = {"DIGESTBOT_DATA_DIR": blocked / "data", "REDIS_URL": "redis://h"}
    assert check_settings(SlackSettings.model_validate(with_redis)).ok


def test_token_needs_in_socket_and_http_mode() -> None:
    socket_mode = by_name(check_tokens(SlackSettings.model_validate({"SLACK_BOT_TOKEN": TOKEN,
                                                                      "SLACK_APP_TOKEN": "xapp-1"})))  # fmt: skip
    assert all(c.ok for c in socket_mode.values())  # no signing secret needed in Socket Mode
    assert "Socket Mode" in socket_mode["slack app token"].detail

    http_mode = by_name(check_tokens(SlackSettings.model_validate({"SLACK_BOT_TOKEN": TOKEN})))
    assert not http_mode["signing secret"].ok and "SLACK_SIGNING_SECRET" in http_mode["signing secret"].fix
    no_token = by_name(check_tokens(SlackSettings.model_validate({"SLACK_APP_TOKEN": "xapp-1"})))
    assert not no_token["slack bot token"].ok and "xoxb-" in no_token["slack bot token"].fix


async def test_unresolvable_host_explains_missing_egress() -> None:
    check = await check_egress("digestbot-doctor.invalid:443")
    assert not check.ok and "DNS lookup of digestbot-doctor.invalid failed" in check.detail
    assert "no egress" in check.fix


def test_cli_exit_codes(redis_url: str, standin: SlackStandIn, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_"))}
    env |= {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": standin.base_url}
    env |= {"REDIS_URL": redis_url, "DIGESTBOT_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    command = [str(Path(sys.executable).parent / "digestbot"), "doctor", "--egress", f"127.0.0.1:{standin.port}"]

    ok = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "digestbot doctor" in ok.stdout and TOKEN not in ok.stdout

    env["SLACK_BOT_TOKEN"] = INVALID_TOKEN
    bad = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "invalid_auth" in bad.stdout
