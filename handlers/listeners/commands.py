"""`/digest`: lookups answered only to the caller, the settings a channel can change, and the Share button.

What reads pages or the related index (`<url>`, `related`, `search`) is queued as a CommandJob and answered by
a digest worker at the command's response_url, as a pasted link is; settings and listings are answered here,
and so is everything while Redis cannot take the job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ages import age
from bot.errors import DigestError
from bot.memory.channels import Share
from bot.memory.keys import url_hash
from bot.models import Digest
from handlers.bot import SlackBot
from handlers.cards import Block, digest_card, escape, failure_notice, related_lines, repeat_notice, slack_link
from handlers.command_text import HELP, NOT_SAVED, Command, CommandError, clip_word, parse_command
from handlers.jobs import CommandJob
from handlers.listeners.messages import GAVE_UP, channel_card, permalink
from handlers.membership import INVITE_ME, NOT_A_MEMBER
from handlers.roundups import roundup_command

log = logging.getLogger(__name__)

SHARE_ACTION = "share_digest"
WORKER_COMMANDS = ("digest", "related", "search")  # they fetch and digest pages, or read the related index
REPLAY_WINDOW_S = 600  # past Slack's 5 minutes, after which a replayed request fails its signature check
SHARED = "Shared in the channel."
BUTTON_VALUE_LIMIT = 2000  # Slack's cap on a button's value
TOO_LONG_TO_SHARE = "This link is too long for a Share button: paste it in the channel to share its digest there."
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."
MEMORY_AWAY = "My memory of this channel is unavailable right now, so I can't list what was shared: try again soon."


def register(app: AsyncApp) -> None:
    @app.command("/digest")
    async def on_command(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()  # within Slack's 3 seconds; the answer follows through response_url
        await once_after_ack(body, context["bot"], partial(run_command, body, context["bot"]))

    @app.action(SHARE_ACTION)
    async def on_share(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        bot = context["bot"]
        await once_after_ack(body, bot, partial(share_to_channel, body, context.team_id or "", bot))


async def once_after_ack(body: dict[str, Any], bot: SlackBot, work: Callable[[], Awaitable[None]]) -> None:
    """A command's or a click's `work`, unless it is a replay. Nothing may escape it: bolt would take the ack back
    and answer Slack 404 ("didn't call ack()"), and the person would see nothing. A failure is logged instead,
    and they are told at the response_url."""
    try:
        if await first_delivery(body, bot):
            await work()
    except Exception:  # whatever failed, Slack keeps its 200 and the person gets an answer
        log.exception("a /digest request failed after its ack")
        await apologise(bot, str(body.get("response_url", "")))


async def apologise(bot: SlackBot, response_url: str) -> None:
    try:
        await respond_later(bot, response_url, {"text": SOMETHING_WENT_WRONG})
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not say a /digest request failed: %s", type(error).__name__)


async def first_delivery(body: dict[str, Any], bot: SlackBot) -> bool:
    """False for a signed command or click sent again inside the signature's 5 minutes (a replay: Slack sends each
    once, with a trigger_id of its own), so that `/digest roundup now` replayed three times posts one roundup."""
    trigger = str(body.get("trigger_id") or hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest())
    if await bot.service.store.events.first_time(f"trigger:{trigger}", REPLAY_WINDOW_S):
        return True
    log.info("ignored a replayed %s", body.get("command") or "interaction")
    return False


def share_button(url: str) -> Block:
    """The "Share in channel" button; for a link too long for a button's value, how to share it instead."""
    value = json.dumps({"url": url})
    if len(value) > BUTTON_VALUE_LIMIT:  # cut, it would not parse on the click
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": TOO_LONG_TO_SHARE}]}
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Share in channel"},
                "action_id": SHARE_ACTION,
                "value": value,
            }
        ],
    }


async def run_command(body: dict[str, Any], bot: SlackBot) -> None:
    """`/digest`, after the ack: queued for a digest worker, or answered here."""
    response_url = str(body.get("response_url", ""))
    try:
        command = parse_command(body.get("text", ""))
    except CommandError as error:
        await respond_later(bot, response_url, {"text": str(error)})
        return
    if command.name in WORKER_COMMANDS:
        job = CommandJob(**{name: str(body.get(name, "")) for name in CommandJob.model_fields if name != "kind"})
        if await bot.queue.enqueue(job.model_dump()):
            return
    await respond_later(bot, response_url, await answer_command(command, _where(body), bot))


def _where(body: dict[str, Any] | CommandJob) -> dict[str, str]:
    fields = body.model_dump() if isinstance(body, CommandJob) else body
    return {name: str(fields.get(name, "")) for name in ("team_id", "channel_id", "user_id")}


# --- the job -----------------------------------------------------------------------------------------------


async def run_queued_command(job: CommandJob, bot: SlackBot) -> None:
    """A queued `/digest`, on a digest worker: answered to its caller at the command's response_url, once even
    if the job runs again (its done mark is the response_url's, which is unique to the invocation)."""
    mark = "cmd:" + hashlib.sha256(job.response_url.encode()).hexdigest()
    if await bot.queue.done(mark):
        return
    command = parse_command(job.text)
    answer = await answer_command(command, _where(job), bot)
    if await respond_later(bot, job.response_url, answer):
        await bot.queue.mark_done(mark)
        log.info("command answered", extra={"command": command.name, "channel": job.channel_id})


async def give_up_command(job: CommandJob, bot: SlackBot) -> None:
    await respond_later(bot, job.response_url, {"text": f"Sorry: {GAVE_UP}"})


async def respond_later(bot: SlackBot, response_url: str, answer: dict[str, Any]) -> bool:
    """Send an answer (text and maybe blocks) to the command's caller alone, at its response_url, whichever process
    answers: a 429 is sent again after its Retry-After (bolt's own `respond` does not). False if Slack refused it
    (it is logged, not retried: a response_url takes five answers within 30 minutes, and a refusal does not get
    better)."""
    body = {"response_type": "ephemeral", "replace_original": False, **answer}
    response = await bot.slack.response_client(response_url).send_dict(body)
    if response.status_code != 200:
        log.warning("a /digest answer was refused at its response_url: HTTP %d", response.status_code)
    return response.status_code == 200


# --- answers -----------------------------------------------------------------------------------------------


async def answer_command(command: Command, where: dict[str, str], bot: SlackBot) -> dict[str, Any]:
    """What the caller sees, as chat.postMessage-style kwargs (text and maybe blocks)."""
    channel, team = where["channel_id"], where["team_id"]
    store = bot.service.store
    if command.name in ("mute", "unmute"):
        if await store.channel_settings.change(channel, muted=command.name == "mute") is None:
            return {"text": NOT_SAVED}
        return {"text": "Muted: I won't digest links here until `/digest unmute`." if command.name == "mute"
                else "Unmuted: I'll digest links shared here again."}  # fmt: skip
    if command.name == "repeats":
        if await store.channel_settings.change(channel, repeats=command.switch == "on") is None:
            return {"text": NOT_SAVED}
        return {"text": f"Repeat notices are {command.switch} in this channel."}
    if command.name == "recent":
        return await _recent(bot, channel, command.count)
    if command.name == "digest" and command.url:
        return ignoring(command.extra, await _digest(bot, command.url, team, channel))
    if command.name == "related" and command.url:
        return ignoring(command.extra, await _related(bot, command.url, team, channel))
    if command.name == "search":
        return await _search(bot, command.words, team, channel)
    if command.name == "roundup":
        return await roundup_command(command, where, bot)
    return {"text": HELP}


def ignoring(words: list[str], answer: dict[str, Any]) -> dict[str, Any]:
    """`answer`, saying first which words beside the command's one link it left out (a card shows blocks only)."""
    if not words:
        return answer
    note = f"_(I take one link at a time, so I ignored `{escape(clip_word(' '.join(words)))}`.)_"
    if "blocks" in answer:
        return {**answer, "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
                                     *answer["blocks"]]}  # fmt: skip
    return {**answer, "text": f"{note}\n{answer['text']}"}


async def _recent(bot: SlackBot, channel: str, count: int) -> dict[str, Any]:
    shares = await bot.service.store.channels.recent(channel, count)
    if not shares and not bot.service.guard.healthy:  # the call just made found Redis away
        return {"text": MEMORY_AWAY}
    if not shares:
        return {"text": "Nothing shared in this channel yet."}
    lines = [f"• {slack_link(s.canonical_url, s.title or s.canonical_url)} — <@{s.user_id}>, {age(s.shared_at)}"
             for s in shares]  # fmt: skip
    return {"text": "*Recently shared here*\n" + "\n".join(lines)}


async def _digest(bot: SlackBot, url: str, team: str, channel: str) -> dict[str, Any]:
    try:
        digest = await bot.digest(url)
    except DigestError as error:
        return {"text": failure_notice(url, error)}
    text, blocks = digest_card(digest, related=await bot.service.related(digest, team, channel))
    return {"text": text, "blocks": [*blocks, share_button(digest.canonical_url)]}


async def _related(bot: SlackBot, url: str, team: str, channel: str) -> dict[str, Any]:
    try:
        digest = await bot.digest(url)
    except DigestError as error:
        return {"text": failure_notice(url, error)}
    hits = await bot.service.related(digest, team, channel)
    if not hits:
        return {"text": "I found nothing closely related among the links this workspace has shared."}
    return {"text": f"*Related to {escape(digest.title or digest.canonical_url)}*\n{related_lines(hits)}"}


async def _search(bot: SlackBot, words: str, team: str, channel: str) -> dict[str, Any]:
    hits = await bot.service.search(words, team, channel)
    if not hits:
        return {"text": f"No digest matches “{escape(words)}”."}
    return {"text": f"*Digests matching “{escape(words)}”*\n{related_lines(hits)}"}


# --- the Share in channel button ---------------------------------------------------------------------------


async def share_to_channel(body: dict[str, Any], team_id: str, bot: SlackBot) -> None:
    """The "Share in channel" button: post the cached digest for everyone, as the card a paste would give, and
    remember it as that person's share in the workspace `team_id`, as a paste would be (repeat notes, roundups,
    related reading). The ephemeral answer is then replaced, button and all; a link the channel already has (a
    second click, another person's `/digest`) gets the repeat note there instead of a second card."""
    url = json.loads(body["actions"][0]["value"])["url"]
    channel = body.get("channel", {}).get("id") or body.get("container", {}).get("channel_id")
    user = body["user"]["id"]
    try:
        digest = await bot.digest(url)
    except DigestError as error:  # told at the response_url: chat.postEphemeral fails where I am not a member
        await respond_later(bot, str(body.get("response_url", "")), {"text": failure_notice(url, error)})
        return
    store = bot.service.store
    first = await store.channels.first_share(channel, digest.canonical_url)
    # Of two clicks at once, one shares; the other is told below, once the first is remembered.
    claim = f"share:{channel}:{url_hash(digest.canonical_url)}"
    claimed = first is None and await store.events.first_time(claim)
    if claimed:
        try:
            ts = await post_shared_card(digest, channel, user, team_id, bot)
        except Exception as error:
            await store.events.forget(claim)  # nothing was posted: the next click (once I'm invited) shares it
            if not isinstance(error, SlackApiError):
                raise  # a connection lost or timed out: the apology says to try again, and that click shares it
            await respond_later(bot, str(body.get("response_url", "")), {"text": not_posted(error)})
            return
        try:
            await remember_shared_card(digest, channel, user, team_id, ts, bot)
        except Exception:  # the card is in the channel: an apology saying to try again would be wrong
            log.exception("a shared card was posted but not remembered")
        await replace_answer(bot, body.get("response_url"), SHARED)
        return
    first = first or await store.channels.first_share(channel, digest.canonical_url)
    note = SHARED if first is None else await shared_before(bot, first)
    await replace_answer(bot, body.get("response_url"), note)


async def post_shared_card(digest: Digest, channel: str, user: str, team_id: str, bot: SlackBot) -> str:
    """The card a paste would give, posted for everyone in `channel` as `user`'s share; its ts."""
    text, blocks = await channel_card(digest, bot, team_id, channel, user)
    posted = await bot.client.chat_postMessage(
        channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
    )
    return str(posted["ts"])


async def remember_shared_card(digest: Digest, channel: str, user: str, team_id: str, ts: str, bot: SlackBot) -> None:
    share = Share(
        team_id=team_id,
        channel_id=channel,
        channel_is_private=await is_private_channel(bot.client, channel),
        canonical_url=digest.canonical_url,
        user_id=user,
        ts=ts,
        title=digest.title or digest.canonical_url,
        shared_at=datetime.now(UTC),
    )
    await bot.service.remember(share, digest)


def not_posted(error: SlackApiError) -> str:
    """Why Slack refused the shared card, and what to do; the answer with the button stays, to click again."""
    reason = error.response.get("error")
    if reason in NOT_A_MEMBER:
        return f"I couldn't share it: {INVITE_ME}, then click *Share in channel* again."
    return f"I couldn't share it: Slack said `{reason}`. Please try again in a minute."


async def shared_before(bot: SlackBot, first: Share) -> str:
    link = await permalink(bot.client, first.channel_id, first.ts)
    return repeat_notice(await bot.names.name(first.user_id), first.shared_at, link)


async def replace_answer(bot: SlackBot, response_url: str | None, text: str) -> None:
    """The ephemeral answer that carried the button becomes `text`: no button is left to click again."""
    if not response_url:
        return
    try:
        response = await bot.slack.response_client(response_url).send_dict({"replace_original": True, "text": text})
    except (aiohttp.ClientError, TimeoutError) as error:  # what it said is done, so it is logged, not apologised for
        log.warning("the shared digest's ephemeral answer was not replaced: %s", type(error).__name__)
        return
    if response.status_code != 200:
        log.warning("the shared digest's ephemeral answer was not replaced: HTTP %d", response.status_code)


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
