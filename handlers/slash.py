"""`/digest`: lookups answered only to the caller, and the settings a channel can change."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ages import age
from bot.errors import DigestError
from bot.memory.store import Share
from bot.runtime.queue import WorkQueue
from bot.service import DigestService
from handlers.cards import Block, digest_card, escape, failure_notice, related_lines, slack_link
from handlers.commands import HELP, Command, CommandError, parse_command
from handlers.jobs import SLASH_COMMAND, DigestJob
from handlers.roundups import roundup_command
from handlers.slack_client import response_client

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]
SHARE_ACTION = "share_digest"
WORKER_COMMANDS = ("digest", "related", "search")  # they fetch and digest pages, or read the related index


def share_button(url: str) -> Block:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Share in channel"},
                "action_id": SHARE_ACTION,
                "value": json.dumps({"url": url})[:2000],
            }
        ],
    }


async def run_command(
    body: dict[str, Any], respond: Respond, service: DigestService, client: AsyncWebClient, queue: WorkQueue
) -> None:
    """`/digest`, after the ack. What fetches pages or reads the related index goes to the digest workers, as a
    pasted link does, and its answer follows at the command's response_url; the acking process only queues it.
    Settings and listings are answered here, and everything is while Redis cannot take the job."""
    try:
        command = parse_command(body.get("text", ""))
    except CommandError as error:
        await respond(text=str(error), response_type="ephemeral")
        return
    if command.name in WORKER_COMMANDS:
        job = DigestJob(team_id=body.get("team_id", ""), event={"type": SLASH_COMMAND} | _command_fields(body))
        if await queue.enqueue(job.model_dump()):
            return
    answer = await answer_command(command, body, service, client)
    await respond(response_type="ephemeral", replace_original=False, **answer)


def _command_fields(body: dict[str, Any]) -> dict[str, str]:
    return {name: str(body.get(name, "")) for name in ("text", "channel_id", "team_id", "user_id", "response_url")}


async def answer_queued_command(
    event: dict[str, Any], client: AsyncWebClient, service: DigestService, queue: WorkQueue
) -> None:
    """A queued `/digest`, on a digest worker: answered to its caller at the command's response_url, once even
    if the job runs again (its done mark is the response_url's, which is unique to the invocation)."""
    mark = "cmd:" + hashlib.sha256(event["response_url"].encode()).hexdigest()
    if await queue.done(mark):
        return
    command = parse_command(event.get("text", ""))
    answer = await answer_command(command, event, service, client)
    if await respond_later(event, answer):
        await queue.mark_done(mark)
        log.info("command answered", extra={"command": command.name, "channel": event.get("channel_id")})


async def apologise_for_command(event: dict[str, Any], reason: str) -> None:
    await respond_later(event, {"text": f"Sorry: {reason}"})


async def respond_later(event: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Send an answer (text and maybe blocks) to the command's caller alone, at its response_url; False if Slack
    refused it (it is logged, not retried: a response_url takes five answers within 30 minutes, and a refusal
    does not get better)."""
    body = {"response_type": "ephemeral", "replace_original": False, **answer}
    response = await response_client(event["response_url"]).send_dict(body)
    if response.status_code != 200:
        log.warning("a /digest answer was refused at its response_url: HTTP %d", response.status_code)
    return response.status_code == 200


async def answer_command(
    command: Command, body: dict[str, Any], service: DigestService, client: AsyncWebClient | None = None
) -> dict[str, Any]:
    """What the caller sees, as chat.postMessage-style kwargs (text and maybe blocks)."""
    channel, team = body.get("channel_id", ""), body.get("team_id", "")
    store = service.store
    if command.name == "help":
        return {"text": HELP}
    if command.name in ("mute", "unmute"):
        settings = await store.get_channel_settings(channel)
        await store.put_channel_settings(channel, settings.model_copy(update={"muted": command.name == "mute"}))
        return {"text": "Muted: I won't digest links here until `/digest unmute`." if command.name == "mute"
                else "Unmuted: I'll digest links shared here again."}
    if command.name == "repeats":
        settings = await store.get_channel_settings(channel)
        await store.put_channel_settings(channel, settings.model_copy(update={"repeats": command.switch == "on"}))
        return {"text": f"Repeat notices are {command.switch} in this channel."}
    if command.name == "recent":
        shares = await store.recent(channel, command.count)
        if not shares:
            return {"text": "Nothing shared in this channel yet."}
        lines = [f"• {slack_link(s.canonical_url, s.title or s.canonical_url)} — <@{s.user_id}>, {age(s.shared_at)}"
                 for s in shares]
        return {"text": "*Recently shared here*\n" + "\n".join(lines)}
    if command.name == "digest" and command.url:
        try:
            digest = await service.digest(command.url)
        except DigestError as error:
            return {"text": failure_notice(command.url, str(error))}
        text, blocks = digest_card(digest, related=await service.related(digest, team, channel))
        return {"text": text, "blocks": [*blocks, share_button(digest.canonical_url)]}
    if command.name == "related" and command.url:
        try:
            digest = await service.digest(command.url)
        except DigestError as error:
            return {"text": failure_notice(command.url, str(error))}
        hits = await service.related(digest, team, channel)
        if not hits:
            return {"text": "I found nothing closely related among the links this workspace has shared."}
        return {"text": f"*Related to {escape(digest.title or digest.canonical_url)}*\n{related_lines(hits)}"}
    if command.name == "search":
        hits = await service.search(command.words, team, channel)
        if not hits:
            return {"text": f"No digest matches “{escape(command.words)}”."}
        return {"text": f"*Digests matching “{escape(command.words)}”*\n{related_lines(hits)}"}
    if command.name == "roundup":
        return await roundup_command(command, body, service, client)
    return {"text": HELP}


async def share_to_channel(body: dict[str, Any], team_id: str, client: AsyncWebClient, service: DigestService) -> None:
    """The "Share in channel" button: post the cached digest for everyone, as the card a paste would give, and
    remember it as that person's share in the workspace `team_id`, as a paste would be (repeat notes, roundups,
    related reading)."""
    action = body["actions"][0]
    url = json.loads(action["value"])["url"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    user = body["user"]["id"]
    try:
        digest = await service.digest(url)
    except DigestError as error:
        await client.chat_postEphemeral(channel=channel, user=user, text=failure_notice(url, str(error)))
        return
    text, blocks = digest_card(digest, shared_by=user)
    posted = await client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    share = Share(
        team_id=team_id,
        channel_id=channel,
        channel_is_private=await is_private_channel(client, channel),
        canonical_url=digest.canonical_url,
        user_id=user,
        ts=posted["ts"],
        title=digest.title or digest.canonical_url,
        shared_at=datetime.now(UTC),
    )
    await service.remember(share, digest)


async def is_private_channel(client: AsyncWebClient, channel: str) -> bool:
    """Whether a channel's shares must stay in it. A button's payload does not say, so Slack is asked; when it
    cannot tell (a DM needs a scope the bot does not have), the answer is the safe one: private."""
    if channel.startswith("D"):
        return True
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except (SlackApiError, KeyError):
        return True
    return bool(info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
