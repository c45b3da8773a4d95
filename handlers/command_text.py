"""`/digest` sub-commands: parsing the text Slack sends into one well-defined request, or a clear complaint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

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

# A setting Redis did not take (read or write failed): never claim a change that was not saved.
NOT_SAVED = "I couldn't save that: my memory is unavailable right now, so nothing changed. Try again soon."

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)  # ftp://, file://: a link, not a command
_WORD = re.compile(r"<[^<>|\s]+\|[^<>]*>|\S+")  # a word, or a link in Slack's `<url|label>` markup, label and all


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
    extra: list[str] = field(default_factory=list)  # the words beside a command's one link, which it ignores


def _address(word: str) -> str:
    """A word as typed, or the address inside Slack's `<url|label>` markup."""
    return word.removeprefix("<").removesuffix(">").split("|", 1)[0] if word.startswith("<") else word


def _web_link(word: str) -> str | None:
    """The http(s) address a word is, typed bare or in Slack's `<url|label>` markup."""
    url = _address(word)
    return url if url.lower().startswith(("http://", "https://")) else None


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # an unparseable authority, such as `http://[x`
        return False


def typed(name: str) -> str:
    """A command as the user types it: `/digest <url>` has no word of its own, so "digest" is never shown."""
    return "/digest" if name == "digest" else f"/digest {name}"


def _takes_nothing(name: str, rest: list[str]) -> CommandError:
    return CommandError(f"`{typed(name)}` takes nothing after it, so I did nothing with "
                        f"`{clip_word(' '.join(rest))}`: type just `{typed(name)}`.")  # fmt: skip


def _link_command(name: str, words: list[str]) -> Command:
    """`name` (digest, related) for the first link among `words`; the other words go to `extra`, for the answer
    to say they were ignored."""
    at = next((i for i, word in enumerate(words) if _web_link(word)), None)
    example = f"`{typed(name)} https://example.com/a`"
    if at is None:
        raise CommandError(f"`{typed(name)}` needs an http(s) link, e.g. {example}.")
    url = _web_link(words[at]) or ""
    if not _has_host(url):  # `https:// example.com`: not an image or a Slack link, just not a link at all
        raise CommandError(f"I can't digest `{clip_word(url)}`: that isn't a complete link, e.g. {example}.")
    digestible = links_in_text(f"<{url}>", limit=1)
    if not digestible:
        raise CommandError(f"I can't digest `{clip_word(url)}`: it is an image, a video or a Slack link, not a page "
                           "with an article to read.")  # fmt: skip
    return Command(name, url=digestible[0], extra=words[:at] + words[at + 1 :])


# tzdata files that are no one's timezone: localtime is each replica's own /etc/localtime, the others internals.
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones() if zone.lower() not in _NOT_ZONES}


def known_timezone(name: str) -> str | None:
    """The IANA name for what the user typed (any letter case), or None if there is no such zone."""
    return _zones_by_lower_name().get(name.lower())


ROUNDUP_SWITCHES = ("on", "off", "preview", "now")
_ROUNDUP_ON = "`/digest roundup on [day] [HH:MM] [timezone]`"


def _roundup(args: list[str]) -> Command:
    if not args or args[0] not in ROUNDUP_SWITCHES:
        raise CommandError(f"Try {_ROUNDUP_ON}, `off`, `preview` or `now`.")
    switch, rest = args[0], args[1:]
    if switch != "on" and rest:
        raise _takes_nothing(f"roundup {switch}", rest)
    command = Command("roundup", switch=switch)
    given: dict[str, str] = {}  # part -> the word that gave it, to quote when a second one comes
    for arg in rest:
        part, value = _schedule_part(arg)
        if part in given:  # `on mon tue`: taking either would set a schedule the user did not ask for
            raise CommandError(f"You gave two {part}s, `{clip_word(given[part])}` and `{clip_word(arg)}`: "
                               f"{_ROUNDUP_ON} takes one {part}.")  # fmt: skip
        given[part] = arg
        setattr(command, part, value)
    return command


def _schedule_part(arg: str) -> tuple[str, int | str]:
    """Which part of a roundup's schedule a word of `/digest roundup on` gives (day, time or timezone), and its
    value."""
    day = next((i for i, d in enumerate(DAYS) if len(arg) >= 3 and d.startswith(arg.lower())), None)
    if day is not None:
        return "day", day
    if match := _TIME.match(arg):
        return "time", f"{int(match.group(1)):02d}:{match.group(2)}"
    if "/" in arg or known_timezone(arg):  # CET and EST too; a mistyped Area/City is told so later
        return "timezone", arg
    raise CommandError(f"I don't understand `{clip_word(arg)}`: {_ROUNDUP_ON} takes a weekday, a time like 09:00 "
                       "and a timezone.")  # fmt: skip


def parse_command(text: str) -> Command:
    """Turn the text after `/digest` into a Command; raise CommandError with a helpful line otherwise."""
    words = _WORD.findall(text or "")
    if not words or words[0].lower() == "help":
        return Command("help")
    head, rest = words[0].lower(), words[1:]
    if head in ("mute", "unmute"):
        if rest:
            raise _takes_nothing(head, rest)
        return Command(head)
    if head == "search":
        if not rest:
            raise CommandError("`/digest search` needs some words to look for.")
        return Command("search", words=" ".join(rest))
    if head == "related":
        return _link_command("related", rest)
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
        return _roundup([w.lower() if w.lower() in ROUNDUP_SWITCHES else w for w in rest])
    if _web_link(words[0]):
        return _link_command("digest", words)
    if _OTHER_SCHEME.match(address := _address(words[0])):
        raise CommandError(f"I can only digest http(s) links, not `{clip_word(address)}`: e.g. "
                           f"`{typed('digest')} https://example.com/a`.")  # fmt: skip
    raise CommandError(f"I don't know `{clip_word(head)}`. Here is what I can do:\n{HELP}")


def clip_word(word: str) -> str:
    return word[:40].replace("`", "'")
