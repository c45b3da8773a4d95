"""`/digest` sub-commands: parsing the text Slack sends into one well-defined request, or a clear complaint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.links import links_in_text

HELP = """*digestbot* turns links shared here into digests in the thread.
• `/digest <url>`: a digest only you can see, with a button to share it
• `/digest search <words>`: digests this workspace has seen
• `/digest related <url>`: related reading for any link
• `/digest recent [n]`: the links this channel shared lately
• `/digest roundup on [day] [HH:MM] [timezone]` · `off` · `preview` · `now`: the weekly roundup
• `/digest mute` · `unmute`: stop or restart automatic digests in this channel
• `/digest repeats on|off`: say "first shared by…" when a link comes back
• `/digest help`: this message"""

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class CommandError(ValueError):
    """The user typed something we cannot act on; the message says what to type instead."""


@dataclass
class Command:
    name: str  # digest, search, related, recent, roundup, mute, unmute, repeats, help
    url: str | None = None
    words: str = ""
    count: int = 10
    switch: str | None = None  # on/off/preview/now for roundup; on/off for repeats
    day: int | None = None
    time: str | None = None
    timezone: str | None = None
    extra: list[str] = field(default_factory=list)


def _one_url(text: str, what: str) -> str:
    urls = links_in_text(text, limit=1) or links_in_text(f"<{text.strip()}>", limit=1)
    if not urls:
        raise CommandError(f"`/digest {what}` needs an http(s) link, e.g. `/digest {what} https://example.com/a`.")
    return urls[0]


def _roundup(args: list[str]) -> Command:
    if not args or args[0] not in ("on", "off", "preview", "now"):
        raise CommandError("Try `/digest roundup on [day] [HH:MM] [timezone]`, `off`, `preview` or `now`.")
    command = Command("roundup", switch=args[0])
    for arg in args[1:]:
        day = next((i for i, d in enumerate(DAYS) if len(arg) >= 3 and d.startswith(arg.lower())), None)
        if day is not None:
            command.day = day
        elif match := _TIME.match(arg):
            command.time = f"{int(match.group(1)):02d}:{match.group(2)}"
        elif "/" in arg or arg.upper() == "UTC":
            command.timezone = arg
        else:
            raise CommandError(f"I don't understand `{arg}`: give a weekday, a time like 09:00 and a timezone.")
    return command


def parse_command(text: str) -> Command:
    """Turn the text after `/digest` into a Command; raise CommandError with a helpful line otherwise."""
    words = (text or "").strip().split()
    if not words or words[0].lower() == "help":
        return Command("help")
    head, rest = words[0].lower(), words[1:]
    if head in ("mute", "unmute") and not rest:
        return Command(head)
    if head == "search":
        if not rest:
            raise CommandError("`/digest search` needs some words to look for.")
        return Command("search", words=" ".join(rest))
    if head == "related":
        return Command("related", url=_one_url(" ".join(rest), "related"))
    if head == "recent":
        # ASCII digits only: "²" and "５" are digits to str.isdigit(), and int() refuses the first
        if len(rest) > 1 or (rest and not (rest[0].isascii() and rest[0].isdigit() and 1 <= int(rest[0]) <= 50)):
            raise CommandError("`/digest recent [n]` takes a count from 1 to 50.")
        return Command("recent", count=int(rest[0]) if rest else 10)
    if head == "repeats":
        if rest not in (["on"], ["off"]):
            raise CommandError("Try `/digest repeats on` or `/digest repeats off`.")
        return Command("repeats", switch=rest[0])
    if head == "roundup":
        return _roundup([w.lower() if w.lower() in ("on", "off", "preview", "now") else w for w in rest])
    if len(words) == 1 and (links_in_text(words[0], limit=1) or words[0].lower().startswith(("http://", "https://"))):
        return Command("digest", url=_one_url(words[0], ""))
    raise CommandError(f"I don't know `{clip_word(head)}`. Here is what I can do:\n{HELP}")


def clip_word(word: str) -> str:
    return word[:40].replace("`", "'")
