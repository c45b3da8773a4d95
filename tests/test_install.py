"""Install the way users do: a fresh venv, an upgraded pip, `pip install .` with no extras; then run it.

Catches a dependency that only the test or benchmark extras happen to pull in (tldextract did, through
newspaper4k): the installed `digestbot` imports every module, digests a saved page, and `serve` answers
/healthz and /readyz on its embedded Redis with Slack pointed at the local stand-in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.redis_server import free_port
from tests.support.slack_standin import SlackStandIn

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "tests" / "fixtures" / "pages" / "jsonld_article.html"
START_CEILING_S = 300  # only a hang reaches this: the embedded Redis and two workers start in seconds


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--upgrade", "pip>=24.1"], check=True, cwd=venv)
    subprocess.run([*pip, "install", str(REPO)], check=True, cwd=venv)
    return venv / "bin"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGESTBOT_", "REDIS_URL", "VIRTUAL"))}
    return env | extra


@pytest.mark.timeout(900)
def test_every_module_imports(installed: Path, tmp_path: Path) -> None:
    script = (
        "import importlib, pkgutil, bot, handlers\n"
        "for package in (bot, handlers):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if not module.name.endswith('__main__'):\n"
        "            importlib.import_module(module.name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([installed / "python", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.timeout(900)
def test_digests_a_saved_page(installed: Path, tmp_path: Path) -> None:
    env = _clean_env(DIGESTBOT_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [installed / "digestbot", "digest", "--json", str(PAGE)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    assert digest["title"] == "Harbour seals return to the estuary"
    assert digest["summary"].startswith("Harbour seals have returned")


@pytest.mark.timeout(900)
def test_serve_becomes_ready(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    with SlackStandIn() as slack, (tmp_path / "serve.log").open("w+") as log:
        env = _clean_env(
            SLACK_BOT_TOKEN="xoxb-install-check-0123456789",
            SLACK_SIGNING_SECRET="install-check-secret",
            SLACK_API_URL=slack.base_url,
            DIGESTBOT_DATA_DIR=str(tmp_path / "data"),  # no REDIS_URL: the embedded Redis
            DIGESTBOT_WORKERS="1",
        )
        serve = subprocess.Popen(
            [installed / "digestbot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            ready = _wait_ready(f"http://127.0.0.1:{port}", serve)
        finally:
            serve.terminate()
            serve.wait(60)
        log.seek(0)
        assert ready, f"serve never became ready:\n{log.read()}"


def _wait_ready(base: str, serve: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_CEILING_S
    while time.monotonic() < deadline and serve.poll() is None:
        try:
            healthy = httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            if healthy and httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False
