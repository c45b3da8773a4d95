import json

import pytest

from handlers.command_text import CommandError, known_timezone, parse_command
from handlers.listeners.commands import BUTTON_VALUE_LIMIT, TOO_LONG_TO_SHARE, share_button


@pytest.mark.parametrize(
    ("text", "name", "field", "value"),
    [
        ("", "help", "name", "help"),
        ("help", "help", "name", "help"),
        ("https://a.example/x?utm_source=t", "digest", "url", "https://a.example/x?utm_source=t"),
        ("<https://a.example/x|a.example>", "digest", "url", "https://a.example/x"),
        ("search climate change", "search", "words", "climate change"),
        ("related https://a.example/x", "related", "url", "https://a.example/x"),
        ("related https://a.example/x https://a.example/y", "related", "url", "https://a.example/x"),  # the first
        ("related https://a.example/x https://a.example/y", "related", "extra", ["https://a.example/y"]),
        ("https://a.example/x extra words", "digest", "extra", ["extra", "words"]),
        ("<https://a.example/x|two words> extra", "digest", "extra", ["extra"]),
        ("recent", "recent", "count", 10),
        ("recent 5", "recent", "count", 5),
        ("mute", "mute", "name", "mute"),
        ("unmute", "unmute", "name", "unmute"),
        ("repeats off", "repeats", "switch", "off"),
        ("roundup off", "roundup", "switch", "off"),
        ("roundup preview", "roundup", "switch", "preview"),
    ],
)
def test_parses_each_subcommand(text: str, name: str, field: str, value: object) -> None:
    command = parse_command(text)
    assert command.name == name
    assert getattr(command, field) == value


@pytest.mark.parametrize("zone", ["Europe/Berlin", "CET", "est", "UTC"])  # any zone ZoneInfo knows, in any case
def test_roundup_on_with_day_time_and_zone(zone: str) -> None:
    command = parse_command(f"roundup on fri 16:30 {zone}")
    assert (command.switch, command.day, command.time, command.timezone) == ("on", 4, "16:30", zone)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("search", "needs some words"),
        ("related", "needs an http(s) link"),
        ("related ftp://x.example/", "needs an http(s) link"),
        ("https://example.com/pic.png", "it is an image"),  # a link, but no article: said so
        ("related https://example.com/pic.png words", "it is an image"),
        ("https:// example.com", "isn't a complete link"),  # a space after the scheme: no host
        ("related http://[x/a", "isn't a complete link"),  # an authority urlsplit() refuses
        ("https://:80/a", "isn't a complete link"),
        ("recent lots", "count from 1 to 50"),
        ("recent 500", "count from 1 to 50"),
        ("recent ²", "count from 1 to 50"),  # a digit to str.isdigit(), which int() refuses
        ("recent ５", "count from 1 to 50"),
        ("repeats maybe", "repeats on"),
        ("roundup sometimes", "roundup on"),
        ("roundup on 25:00", "don't understand"),
        ("roundup on localtime", "don't understand"),  # each replica's own /etc/localtime: no one's timezone
        ("roundup on Factory", "don't understand"),
        ("frobnicate", "don't know `frobnicate`"),
        ("ftp://x.example/a", "only digest http(s) links, not `ftp://x.example/a`"),  # a link, not an unknown command
        ("<ftp://x.example/a|x.example>", "only digest http(s) links, not `ftp://x.example/a`"),
        ("mute now", "takes nothing after it, so I did nothing with `now`"),
        ("roundup preview extra", "takes nothing after it, so I did nothing with `extra`"),
        ("roundup on mon tue", "two days, `mon` and `tue`"),  # either would be a schedule no one asked for
        ("roundup on 17:30 18:00", "two times, `17:30` and `18:00`"),
        ("roundup on UTC europe/berlin", "two timezones, `UTC` and `europe/berlin`"),
    ],
)
def test_malformed_commands_get_a_clear_message(text: str, hint: str) -> None:
    with pytest.raises(CommandError, match=None) as raised:
        parse_command(text)
    assert hint in str(raised.value)


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("https://", "`/digest https://example.com/a`"),
        ("https:// example.com", "`/digest https://example.com/a`"),
        ("ftp://x.example/a", "`/digest https://example.com/a`"),
        ("related", "`/digest related https://example.com/a`"),
        ("mute now", "type just `/digest mute`"),
        ("unmute please", "type just `/digest unmute`"),
        ("roundup preview extra", "type just `/digest roundup preview`"),
        ("roundup off now", "type just `/digest roundup off`"),
        ("roundup now x", "type just `/digest roundup now`"),
        ("roundup on soon", "`/digest roundup on [day] [HH:MM] [timezone]` takes a weekday"),
        ("roundup on mon tue", "`/digest roundup on [day] [HH:MM] [timezone]` takes one day"),
    ],
)
def test_an_argument_error_names_the_command_as_typed_and_what_it_takes(text: str, usage: str) -> None:
    """Never the internal name (`/digest digest …` cannot be typed) nor "I don't know" a command it knows."""
    with pytest.raises(CommandError) as raised:
        parse_command(text)
    message = str(raised.value)
    assert usage in message
    assert "/digest digest" not in message and "I don't know" not in message


def test_the_share_button_carries_its_link_whole_or_is_not_offered() -> None:
    url = "https://a.example/" + "a" * 1900
    [button] = share_button(url)["elements"]
    assert json.loads(button["value"]) == {"url": url} and len(button["value"]) <= BUTTON_VALUE_LIMIT
    # Too long for a value, even when only its JSON escapes (\u00e9, six characters each) make it so.
    for too_long in ("https://a.example/" + "a" * 2000, "https://a.example/" + "é" * 400):
        assert share_button(too_long) == {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": TOO_LONG_TO_SHARE}],
        }


def test_timezones_are_iana_names_in_any_case_and_not_tzdata_internals() -> None:
    assert known_timezone("europe/berlin") == "Europe/Berlin" and known_timezone("CET") == "CET"
    assert not any(known_timezone(name) for name in ("localtime", "posixrules", "Factory", "posix/UTC", "Mars/Base"))
