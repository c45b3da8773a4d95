"""The digest queue's job: one Slack event (a message, an unfurl, a slash command) for a digest worker."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

SLASH_COMMAND = "slash_command"  # the event type of a queued `/digest` (Slack's own types never take it)


class DigestJob(BaseModel):
    v: Literal[1] = 1
    team_id: str
    event: dict[str, Any]  # a message, a link_shared event (an unfurl) or a SLASH_COMMAND
    event_id: str = ""  # for the logs


def parse_job(job: dict[str, Any]) -> DigestJob | None:
    try:
        return DigestJob.model_validate(job)
    except ValidationError:
        log.warning("dropping a malformed digest job")
        return None
