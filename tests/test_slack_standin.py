"""The Slack stand-in behaves like Slack for real slack_sdk clients, and its signatures verify."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.support.slack_standin import (
    FORM,
    INVALID_TOKEN,
    SlackStandIn,
    event_body,
    interaction_body,
    message_event,
    post_signed,
    sign,
    slash_body,
)

TOKEN = "xoxb-test"
SECRET = "test-signing-secret"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*An article*"}}]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(channels={"G1": {"name": "secret", "is_private": True}}) as server:
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.base_url)


def test_post_message_is_answered_and_recorded(standin: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hi", blocks=BLOCKS, unfurl_links=False)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["ok"] and first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100" and float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == BLOCKS
    call = standin.calls("chat.postMessage")[0]
    assert call.params == {"channel": "C1", "text": "hi", "blocks": BLOCKS, "unfurl_links": False}
    assert call.token == TOKEN and call.status == 200
    assert standin.calls()[1].params["thread_ts"] == first["ts"]


def test_form_encoded_calls_are_decoded(standin: SlackStandIn, client: WebClient) -> None:
    """The sync client form-encodes most methods, with JSON strings inside: tests see one shape."""
    client.api_call("chat.postEphemeral", data={"channel": "C1", "user": "U1", "blocks": json.dumps(BLOCKS)})
    client.reactions_add(channel="C1", timestamp="1.2", name="books")

    assert standin.calls("chat.postEphemeral")[0].params["blocks"] == BLOCKS
    assert standin.calls("reactions.add")[0].params == {"channel": "C1", "timestamp": "1.2", "name": "books"}
    with pytest.raises(SlackApiError, match="already_reacted"):
        client.reactions_add(channel="C1", timestamp="1.2", name="books")


def test_rate_limit_is_answered_with_retry_after(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after="1")

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="hi")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["retry-after"] in ("1", ["1"])


def test_error_next_and_server_errors_raise(standin: SlackStandIn, client: WebClient) -> None:
    standin.error_next("chat.postMessage", error="not_in_channel")
    standin.fail_next("reactions.add", status=500)

    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C1", text="hi")
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as caught:
        client.reactions_add(channel="C1", timestamp="1.2", name="books")
    assert caught.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]


def test_bad_tokens_and_slack_validation(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token=INVALID_TOKEN, base_url=standin.base_url).auth_test()
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=standin.base_url).auth_test()
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        WebClient(token=TOKEN, base_url=standin.base_url).chat_postMessage(channel="C1", text="x", blocks=too_many)


async def test_async_web_client(standin: SlackStandIn) -> None:
    standin.users["U2"] = {"name": "kenji", "tz": "Asia/Tokyo"}
    client = AsyncWebClient(token=TOKEN, base_url=standin.base_url)

    auth = await client.auth_test()
    posted = await client.chat_postMessage(channel="G1", text="hi", unfurl_links=False)
    private = await client.conversations_info(channel="G1")
    public = await client.conversations_info(channel="C1")
    user = await client.users_info(user="U2")
    home = await client.views_publish(user_id="U2", view={"type": "home", "blocks": BLOCKS})

    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T1")
    assert posted["ts"] and standin.calls("chat.postMessage")[0].params["unfurl_links"] is False
    assert private["channel"]["is_private"] and private["channel"]["name"] == "secret"
    assert not public["channel"]["is_private"]
    assert (user["user"]["name"], user["user"]["tz"], user["user"]["tz_offset"]) == ("kenji", "Asia/Tokyo", 32400)
    assert home["view"]["blocks"] == BLOCKS and home["view"]["id"]


def test_wait_for_blocks_until_the_call_arrives(standin: SlackStandIn, client: WebClient) -> None:
    def post_later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="C1", text="late")

    threading.Thread(target=post_later).start()
    assert standin.wait_for("chat.postMessage")[0].params["text"] == "late"
    with pytest.raises(TimeoutError):
        standin.wait_for("chat.update", timeout=0.05)
    standin.reset()
    assert standin.calls() == []


def test_response_url_posts_are_recorded(standin: SlackStandIn) -> None:
    response = WebhookClient(standin.response_url("cmd1")).send(text="done", response_type="ephemeral")

    assert response.status_code == 200
    call = standin.wait_for("response_url")[0]
    assert call.path == "/response/cmd1" and call.params["text"] == "done"


def test_signature_verifies_and_expires() -> None:
    verifier = SignatureVerifier(SECRET)
    body = event_body(message_event("see https://example.com"))
    fresh = sign(SECRET, body)
    stale = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)

    assert verifier.is_valid_request(body, fresh)
    assert not verifier.is_valid_request(body, stale)
    assert not verifier.is_valid_request(body + b" ", fresh)
    assert not SignatureVerifier("other-secret").is_valid_request(body, fresh)


def test_request_builders_and_post_signed(standin: SlackStandIn) -> None:
    body = slash_body("https://example.com", response_url=standin.response_url("r1"))
    response = post_signed(standin.response_url("probe"), body, SECRET, FORM, retry_num=1)

    assert response.status_code == 200
    call = standin.wait_for("response_url")[0]
    assert call.params["command"] == "/digest" and call.params["response_url"].endswith("/response/r1")
    assert call.headers["x-slack-retry-num"] == "1"
    assert SignatureVerifier(SECRET).is_valid_request(body, call.headers)
    assert json.loads(parse_qs(interaction_body({"type": "block_actions"}).decode())["payload"][0]) == {
        "type": "block_actions"
    }
    events = [json.loads(event_body(message_event("x"))) for _ in range(2)]
    assert events[0]["event_id"] != events[1]["event_id"]
    assert events[0]["event"]["ts"] < events[1]["event"]["ts"]
