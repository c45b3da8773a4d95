"""Fairness under slow pages: can one user's links to one slow site delay everyone else's card?

    python -m bench fairness

The real bot (`digestbot serve`, default settings) runs against real Redis and the Slack stand-in. One user posts
40 messages within 0.3 s (signed Events API requests), each linking three pages of a site that sends one byte
every 2 s (120 distinct links, so the cache cannot merge them); then another user pastes one ordinary article.
Reported: the ordinary card's latency (from its POST to the card's chat.postMessage; goal ≤ 5 s), how many of
the 120 slow links got their honest "took longer than … s" reply, and when the last one came. Printed and
written to bench/results/fairness.json.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.articles import article_html
from tests.support.bot_process import HANG_S, SECRET, running_bot
from tests.support.http_server import LocalServer, Reply, html
from tests.support.redis_server import CI_REDIS_URL, RedisServer, answers
from tests.support.slack_standin import Call, SlackStandIn, event_body, message_event, sign

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "fairness.json"
MESSAGES, LINKS_PER_MESSAGE = 40, 3
DRIP_S = 2.0
GOAL_S = 5.0
TIMEOUT_REPLY = "took longer than"


def slow_site() -> LocalServer:
    page = Reply(headers=[("Content-Type", "text/html")], body=b"<html><body>" + b"<p>slow</p>" * 1000, drip_s=DRIP_S)
    return LocalServer({f"/slow/{n}": page for n in range(MESSAGES * LINKS_PER_MESSAGE)})


async def post_all(events_url: str, events: list[dict[str, Any]]) -> float:
    """POST the signed events at once; the time the last one was acked."""
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:

        async def one(event: dict[str, Any]) -> None:
            body = event_body(event)
            answer = await client.post(events_url, content=body, headers={"Content-Type": "application/json",
                                                                         **sign(SECRET, body)})  # fmt: skip
            answer.raise_for_status()

        await asyncio.gather(*(one(event) for event in events))
    return time.time()


def replies_in(slack: SlackStandIn, channel: str) -> list[Call]:
    return slack.posts(channel)


def wait_until(condition: Any, ceiling_s: float = HANG_S) -> bool:
    deadline = time.monotonic() + ceiling_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def measure(events_url: str, slack: SlackStandIn, slow: LocalServer, ordinary: LocalServer) -> dict[str, Any]:
    # A first card, so the extraction workers' start is not what is measured.
    asyncio.run(post_all(events_url, [message_event(f"<{ordinary.url('/warm-up')}>", channel="CWARM")]))
    assert wait_until(lambda: replies_in(slack, "CWARM")), "no card for the warm-up link"
    links = [slow.url(f"/slow/{n}") for n in range(MESSAGES * LINKS_PER_MESSAGE)]
    flood = [message_event(" ".join(f"<{link}>" for link in links[i::MESSAGES]), channel=f"CFLOOD{i % 4}",
                           user="UFLOOD") for i in range(MESSAGES)]  # fmt: skip
    began = time.time()
    flood_acked = asyncio.run(post_all(events_url, flood))
    sent = time.time()
    asyncio.run(post_all(events_url, [message_event(f"<{ordinary.url('/article')}>", channel="CORDINARY",
                                                    user="UREADER")]))  # fmt: skip
    assert wait_until(lambda: replies_in(slack, "CORDINARY")), "no card for the ordinary link"
    [card] = replies_in(slack, "CORDINARY")
    flood_channels = [f"CFLOOD{i}" for i in range(4)]
    total = MESSAGES * LINKS_PER_MESSAGE
    wait_until(lambda: sum(len(replies_in(slack, c)) for c in flood_channels) >= total)
    slow_replies = [r for c in flood_channels for r in replies_in(slack, c)]
    honest = [r for r in slow_replies if TIMEOUT_REPLY in str(r.params.get("text", ""))]
    return {
        "flood_posted_in_s": round(flood_acked - began, 2),
        "ordinary_card_latency_s": round(card.time - sent, 2),
        "goal_s": GOAL_S,
        "slow_links": total,
        "slow_replies": len(slow_replies),
        "honest_timeout_replies": len(honest),
        "last_slow_reply_after_s": round(max((r.time for r in slow_replies), default=sent) - began, 1),
        "slow_site_requests": len(slow.requests),
    }


def report(result: dict[str, Any]) -> None:
    ok = result["ordinary_card_latency_s"] <= GOAL_S and result["honest_timeout_replies"] == result["slow_links"]
    print(f"fairness: {MESSAGES} messages × {LINKS_PER_MESSAGE} links to a site dripping a byte every {DRIP_S:g} s, "
          f"posted in {result['flood_posted_in_s']} s")  # fmt: skip
    print(f"  ordinary card after   {result['ordinary_card_latency_s']:6.2f} s   (goal ≤ {GOAL_S:g} s)")
    print(f"  slow links answered   {result['slow_replies']:6d} of {result['slow_links']}, "
          f"{result['honest_timeout_replies']} with the honest timeout reply")  # fmt: skip
    print(f"  last slow reply after {result['last_slow_reply_after_s']:6.1f} s; the slow site saw "
          f"{result['slow_site_requests']} requests")  # fmt: skip
    print(f"  {'PASS' if ok else 'FAIL'}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="digestbot-fairness-") as tmp:
        redis = None if answers(CI_REDIS_URL) else RedisServer(Path(tmp) / "redis").start()
        routes = {"/warm-up": html(article_html("chess")), "/article": html(article_html("rivers"))}
        try:
            with (
                SlackStandIn() as slack,
                slow_site() as slow,
                LocalServer(routes) as ordinary,
                running_bot(slack.base_url, redis.url if redis else CI_REDIS_URL, Path(tmp)) as (base, _log),
            ):
                result = measure(f"{base}/slack/events", slack, slow, ordinary)
        finally:
            if redis:
                redis.stop()
    report(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
