import pytest

from handlers.command_text import CommandError, parse_command


@pytest.mark.parametrize(
    ("text", "name", "field", "value"),
    [
        ("", "help", "name", "help"),
        ("help", "help", "name", "help"),
        ("https://a.example/x?utm_source=t", "digest", "url", "https://a.example/x?utm_source=t"),
        ("<https://a.example/x|a.example>", "digest", "url", "https://a.example/x"),
        ("search climate change", "search", "words", "climate change"),
        ("related https://a.example/x", "related", "url", "https://a.example/x"),
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


def test_roundup_on_with_day_time_and_zone() -> None:
    command = parse_command("roundup on fri 16:30 Europe/Berlin")
    assert (command.switch, command.day, command.time, command.timezone) == ("on", 4, "16:30", "Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("search", "needs some words"),
        ("related", "needs an http(s) link"),
        ("related ftp://x.example/", "needs an http(s) link"),
        ("recent lots", "count from 1 to 50"),
        ("recent 500", "count from 1 to 50"),
        ("recent ²", "count from 1 to 50"),  # a digit to str.isdigit(), which int() refuses
        ("recent ５", "count from 1 to 50"),
        ("repeats maybe", "repeats on"),
        ("roundup sometimes", "roundup on"),
        ("roundup on 25:00", "don't understand"),
        ("frobnicate", "don't know `frobnicate`"),
    ],
)
def test_malformed_commands_get_a_clear_message(text: str, hint: str) -> None:
    with pytest.raises(CommandError, match=None) as raised:
        parse_command(text)
    assert hint in str(raised.value)
