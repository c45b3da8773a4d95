"""The digest queue's jobs: each names what it runs, a pasted message, an unfurl or a `/digest` lookup.

The queue (bot/runtime/queue.py) carries them as JSON; `parse_job` turns an entry back into its model, and
`handlers/listeners/__init__.py` maps each kind to the surface that runs it (and apologises when it gives up).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

log = logging.getLogger(__name__)


class MessageJob(BaseModel):
    """A message with links a person shared: each link gets a card (or a "first shared by" note) in its thread."""

    kind: Literal["message"] = "message"
    team_id: str
    event_id: str = ""  # for the logs
    # Slack's message event: channel, channel_type, user, ts, thread_ts, text; an edit's also previous_text
    # (handlers/listeners/messages.py as_shared)
    event: dict[str, Any]


class UnfurlJob(BaseModel):
    """A link_shared event for the manifest's unfurl domains: compact digests through chat.unfurl."""

    kind: Literal["unfurl"] = "unfurl"
    team_id: str
    event_id: str = ""
    event: dict[str, Any]  # Slack's link_shared event: channel, message_ts, unfurl_id, source, links


class CommandJob(BaseModel):
    """A `/digest` lookup that reads pages or the related index, answered at the command's response_url."""

    kind: Literal["command"] = "command"
    team_id: str
    channel_id: str
    user_id: str
    text: str
    response_url: str


Job = Annotated[MessageJob | UnfurlJob | CommandJob, Field(discriminator="kind")]
_JOB: TypeAdapter[MessageJob | UnfurlJob | CommandJob] = TypeAdapter(Job)


def parse_job(raw: dict[str, Any]) -> MessageJob | UnfurlJob | CommandJob | None:
    try:
        return _JOB.validate_python(raw if "kind" in raw else _from_untyped(raw))
    except ValidationError:
        log.warning("dropping a malformed digest job")
        return None


def _from_untyped(raw: dict[str, Any]) -> dict[str, Any]:
    """A job queued by a version before typed jobs (still in the stream during a rolling upgrade)."""
    event = raw.get("event") if isinstance(raw.get("event"), dict) else {}
    if event.get("type") == "slash_command":
        return {"kind": "command", **{k: event.get(k) for k in ("team_id", "channel_id", "user_id", "text",
                                                                 "response_url")}}  # fmt: skip
    kind = "unfurl" if event.get("type") == "link_shared" else "message"
    return {"kind": kind, "team_id": raw.get("team_id"), "event_id": raw.get("event_id", ""), "event": event}
