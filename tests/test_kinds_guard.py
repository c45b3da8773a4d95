"""oEmbed endpoints and provider APIs are links like any other: the SSRF guard vets every hop. No test sends
traffic to a real address: names resolve through a stub, and the guard's dialer records each address it
decided to dial, then connects to a local server instead (tests/test_ssrf.py's helpers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.errors import DigestError
from bot.pipeline.kinds import digest_link
from bot.pipeline.netguard import GuardedBackend, GuardedTransport
from bot.pipeline.web import Web
from tests.support.http_server import LocalServer, redirect
from tests.support.network import PUBLIC, RecordingDialer, StubDNS
from tests.support.provider_pages import PLAYER_OEMBED, json_reply, shell_with_oembed

REPO = Path(__file__).resolve().parent.parent
METADATA = "http://169.254.169.254/latest/meta-data/"


def guarded_web(server: LocalServer, settings: Settings) -> tuple[Web, RecordingDialer]:
    dialer = RecordingDialer(server.port)

    def transport() -> httpx.AsyncBaseTransport:
        return GuardedTransport(GuardedBackend(allow_private=False, resolver=StubDNS(), inner=dialer))

    return Web(settings, transport), dialer


async def test_a_discovered_oembed_that_redirects_inside_is_refused() -> None:
    routes = {"/player": shell_with_oembed("http://public.test:8080/oembed?url=x"), "/oembed": redirect(METADATA)}
    with LocalServer(routes) as server:
        web, dialer = guarded_web(server, Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=False))
        with pytest.raises(DigestError) as caught:
            await digest_link("http://public.test:8080/player", web.settings, web)
    # the refused oEmbed answer leaves the page as it is: a JavaScript shell, said so
    assert caught.value.reason == "javascript_only"
    assert dialer.dials == [(PUBLIC, 8080), (PUBLIC, 8080)]  # the page and the endpoint, never 169.254.169.254
    assert [r.path for r in server.requests] == ["/player", "/oembed"]


async def test_a_provider_endpoint_that_redirects_inside_is_refused() -> None:
    urls = {"twitter_oembed": "http://public.test:8080/oembed"}
    settings = Settings(DIGESTBOT_ALLOW_PRIVATE_NETWORKS=False)
    settings.provider_urls = urls
    with LocalServer({"/oembed": redirect("http://127.0.0.1:6379/")}) as server:
        web, dialer = guarded_web(server, settings)
        with pytest.raises(DigestError) as caught:
            await digest_link("https://x.com/riverwatch/status/1850000000000000001", settings, web)
    assert caught.value.reason == "blocked_address"
    assert (
        str(caught.value)
        == "The site redirected to http://127.0.0.1:6379/, which is refused: 127.0.0.1 is a loopback address"
    )
    assert dialer.dials == [(PUBLIC, 8080)] and server.accepts == 1


def test_an_internal_oembed_link_is_refused_when_private_addresses_are_not_allowed(tmp_path: Path) -> None:
    """Through the command line, as an operator runs it: the saved page's oEmbed link on 127.0.0.1 is never
    dialled, and it is read once DIGESTBOT_ALLOW_PRIVATE_NETWORKS says so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGESTBOT_")}
    saved = tmp_path / "player.html"

    def digest(**extra: str) -> dict:
        result = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", "--no-cache", str(saved)],
                                capture_output=True, text=True, env=env | extra, timeout=120, cwd=REPO)  # fmt: skip
        return json.loads(result.stdout)

    with LocalServer({"/oembed": json_reply(PLAYER_OEMBED)}) as server:
        saved.write_bytes(shell_with_oembed(server.url("/oembed?url=x")).body)
        refused = digest()
        assert server.accepts == 0
        allowed = digest(DIGESTBOT_ALLOW_PRIVATE_NETWORKS="true")
        assert server.accepts == 1
    assert refused["reason"] == "javascript_only"  # the page as it is, without the refused answer
    assert (allowed["kind"], allowed["title"], allowed["private_address"]) == ("embed", PLAYER_OEMBED["title"], True)
