"""The `digestbot` command line, run as a real process against local article pages."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from bot.cli import render
from bot.config import Settings
from bot.models import Digest
from bot.pipeline import kinds
from bot.pipeline.digest import INTERNAL_ERROR, digest_url
from tests.support.articles import article_html
from tests.support.http_server import LocalServer, Reply, html
from tests.support.pdfs import report_pdf
from tests.support.provider_pages import PDF_PARAGRAPHS
from tests.support.redis_server import free_port

ROOT = Path(__file__).parent.parent
KEYS = {
    "source",
    "url",
    "canonical_url",
    "title",
    "site_name",
    "author",
    "published",
    "language",
    "reading_minutes",
    "summary",
    "quotes",
    "text",
}


@pytest.fixture(scope="module", autouse=True)
def private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each run gets its own embedded Redis (REDIS_URL unset), so the cache starts empty."""
    saved = {k: os.environ.pop(k, None) for k in ("REDIS_URL", "DIGESTBOT_DATA_DIR")}
    os.environ["DIGESTBOT_DATA_DIR"] = str(tmp_path_factory.mktemp("cli-data"))
    yield
    for key, value in saved.items():
        os.environ.pop(key, None)
        if value is not None:
            os.environ[key] = value


@pytest.fixture(scope="module")
def pages() -> Iterator[LocalServer]:
    routes = {
        "/rivers": html(article_html("rivers")),
        "/short": Reply(status=301, headers=[("Location", "/rivers?utm_source=newsletter&fbclid=x")]),
        "/gone": Reply(status=404, body=b"nope"),
        "/drought": html(article_html("drought")),
        "/endless": Reply(
            headers=[("Content-Type", "text/html")],
            chunks=itertools.chain(
                [article_html("chess").split("</article>")[0].encode()],
                itertools.repeat(b"<p>More words about rapid chess and the players who love it, again and again.</p>"),
            ),
        ),
    }
    with LocalServer(routes) as server:
        yield server


def digestbot(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    )


def test_json_digest_of_a_url_and_a_saved_file(pages: LocalServer, tmp_path: Path) -> None:
    saved = tmp_path / "chess.html"
    saved.write_text(article_html("chess"), encoding="utf-8")
    result = digestbot("digest", "--json", pages.url("/short"), str(saved))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first.keys() >= KEYS and second.keys() >= KEYS
    assert first["canonical_url"] == pages.url("/rivers")  # the shortener resolved, the trackers dropped
    assert first["title"] == "Rivers are running dry across southern Europe"
    assert first["author"] == "Lois Lane" and first["site_name"] == "Daily Planet"
    assert first["published"] == "2026-11-20" and first["language"] == "en"
    assert first["reading_minutes"] >= 1 and 2 <= first["summary"].count(". ") + 1 <= 4
    assert 3 <= len(first["quotes"]) <= 5
    assert all(" ".join(q.split()) in " ".join(first["text"].split()) for q in first["quotes"])
    assert second["source"] == str(saved) and second["title"].startswith("A teenager wins")


def test_a_failing_source_is_reported_and_the_rest_still_digested(pages: LocalServer) -> None:
    result = digestbot("digest", "--json", pages.url("/gone"), pages.url("/rivers"))
    assert result.returncode == 1
    failed, ok = (json.loads(line) for line in result.stdout.splitlines())
    assert failed["source"] == pages.url("/gone") and "404" in failed["error"]
    assert ok["title"].startswith("Rivers")


# A bug in digesting one link, as `digestbot digest` meets it: the link's digest raises what no check foresaw.
INFINITY = "cannot convert float infinity to integer"
BROKEN_FOR_DROUGHT = f"""
import sys
import bot.pipeline.kinds as kinds
from handlers.cli import main
real = kinds.digest_link
async def digest_link(url, settings, web=None):
    if url.endswith("/drought"):
        raise OverflowError("{INFINITY}")
    return await real(url, settings, web)
kinds.digest_link = digest_link
main(sys.argv[1:])
"""


def test_an_unexpected_error_is_reported_as_one_source_failing_and_the_rest_still_digested(
    pages: LocalServer,
) -> None:
    env = {**os.environ, "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    result = subprocess.run([sys.executable, "-c", BROKEN_FOR_DROUGHT, "digest", "--no-cache", pages.url("/drought"),
                             pages.url("/rivers")], capture_output=True, text=True, env=env, timeout=120,
                            cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.returncode == 1 and "Rivers are running dry" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    logged, said = result.stderr.split("\n", 1)  # the log's line, then the source's own (wrapped at 80 columns)
    assert logged == f"digesting {pages.url('/drought')} failed unexpectedly: OverflowError: {INFINITY}"
    assert " ".join(said.split()) == f"✗ {pages.url('/drought')}: {INTERNAL_ERROR}"


def test_an_unexpected_error_is_logged_with_its_traceback_when_asked(pages: LocalServer) -> None:
    env = {**os.environ, "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    result = subprocess.run([sys.executable, "-c", BROKEN_FOR_DROUGHT, "digest", "-v", "--no-cache",
                             pages.url("/drought")], capture_output=True, text=True, env=env, timeout=120,
                            cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.returncode == 1
    logged = f"digesting {pages.url('/drought')} failed unexpectedly: OverflowError: {INFINITY}\nTraceback"
    assert logged in result.stderr and f"OverflowError: {INFINITY}\n" in result.stderr.split("Traceback", 1)[1]


def test_what_the_libraries_log_about_a_page_is_shown_only_when_asked(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"  # the parsers complain about it, readability with a traceback
    empty.write_bytes(b"")
    quiet = digestbot("digest", str(empty))
    assert quiet.returncode == 1
    assert " ".join(quiet.stderr.split()) == f"✗ {empty}: Found no article text on this page."
    verbose = digestbot("digest", "-v", str(empty))
    assert verbose.returncode == 1 and "Found no article text on this page." in verbose.stderr
    lines = verbose.stderr.splitlines()
    assert not [line for line in lines if line.startswith("{")], verbose.stderr  # the workers' lines aren't serve's
    assert any(line.startswith(("trafilatura.", "readability.")) for line in lines) and "Traceback" in verbose.stderr


@pytest.mark.parametrize("stop", [asyncio.CancelledError, KeyboardInterrupt])
async def test_cancelling_a_digest_is_not_an_error_of_its_source(
    monkeypatch: pytest.MonkeyPatch, stop: type[BaseException]
) -> None:
    async def stopped(url: str, settings: Settings, web: object = None) -> Digest:
        raise stop

    monkeypatch.setattr(kinds, "digest_link", stopped)
    with pytest.raises(stop):
        await digest_url("http://public.test/", Settings())


def test_a_long_title_is_shown_whole_in_an_80_column_terminal() -> None:
    title = "Cities are finally building the protected bike lanes that people actually use, and the numbers show it"
    out = io.StringIO()
    render(Digest(source="s", url="https://n.example/a", canonical_url="https://n.example/a", title=title),
           Console(file=out, width=80))  # fmt: skip
    text = " ".join(line.strip("│╭╮╰╯─ ") for line in out.getvalue().splitlines())
    assert " ".join(text.split()).startswith(title)


def test_readable_output(pages: LocalServer) -> None:
    result = digestbot("digest", pages.url("/rivers"), "/no/such/file.html")
    assert result.returncode == 1
    for expected in ("Rivers are running dry", "Summary", "Key quotes", "pulled", "Lois Lane", "min read"):
        assert expected in result.stdout
    assert "Could not read /no/such/file.html" in result.stderr


def test_bad_settings_fail_with_one_clear_line() -> None:
    env = {**os.environ, "DIGESTBOT_FETCH_DEADLINE": "soon"}
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "digest", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("digestbot: DIGESTBOT_FETCH_DEADLINE")
    assert "Traceback" not in result.stderr


UNREADABLE_SETTINGS = [
    (
        "REDIS_URL",
        "garbage",
        "digestbot: REDIS_URL: REDIS_URL must start with one of redis://, rediss://, unix://, redis+sentinel://, "
        "rediss+sentinel://, redis+cluster://, rediss+cluster://",
    ),
    # pydantic_settings decodes a JSON setting before validating it and raises its own SettingsError on failure
    (
        "DIGESTBOT_PROVIDER_URLS",
        "notjson",
        "digestbot: DIGESTBOT_PROVIDER_URLS: is not valid JSON (Expecting value: line 1 column 1 (char 0))",
    ),
]


@pytest.mark.parametrize(("name", "value", "line"), UNREADABLE_SETTINGS)
@pytest.mark.parametrize("command", ["digest", "serve", "worker", "roundup"])
def test_a_setting_that_cannot_be_read_is_one_clear_line_for_every_command(
    command: str, name: str, value: str, line: str
) -> None:
    env = {**os.environ, name: value, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    args = {"digest": ["https://example.org/a"], "roundup": ["--channel", "C1"]}.get(command, [])
    result = subprocess.run([sys.executable, "-m", "handlers.cli", command, *args], capture_output=True, text=True,
                            env=env, timeout=60, cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.splitlines() == [line]


def test_a_data_dir_that_cannot_be_made_is_one_clear_line(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"  # permissions do not stop root: a file where a folder must go does
    blocked.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"DIGESTBOT_DATA_DIR": str(blocked / "data")}
    env |= {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true"}
    with LocalServer({"/rivers": html(article_html("rivers"))}) as server:
        digest = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", server.url("/rivers")],
                                capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)  # fmt: skip
    assert digest.returncode == 0 and json.loads(digest.stdout)["title"].startswith("Rivers are running dry")
    assert digest.stderr.startswith("digestbot: DIGESTBOT_DATA_DIR") and "without the cache" in digest.stderr
    assert "Traceback" not in digest.stderr
    serve = subprocess.run([sys.executable, "-m", "handlers.cli", "serve"], capture_output=True, text=True, env=env,
                           timeout=60, cwd=tmp_path)  # fmt: skip
    assert serve.returncode == 2 and serve.stderr.startswith("digestbot: DIGESTBOT_DATA_DIR")
    assert "Traceback" not in serve.stderr


def test_a_digest_without_redis_says_it_goes_uncached_in_the_command_lines_terms(pages: LocalServer) -> None:
    env = {**os.environ, "DIGESTBOT_ALLOW_PRIVATE_NETWORKS": "true", "REDIS_URL": f"redis://127.0.0.1:{free_port()}"}
    result = subprocess.run([sys.executable, "-m", "handlers.cli", "digest", "--json", pages.url("/rivers")],
                            capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)  # fmt: skip
    assert result.returncode == 0 and json.loads(result.stdout)["title"].startswith("Rivers are running dry")
    (line,) = result.stderr.splitlines()  # not serve's "new work runs in the replica that received it"
    assert line.startswith("Redis is unreachable (ConnectionError: ") and line.endswith(": digesting without the cache")


def test_a_failed_source_is_reported_on_stderr(pages: LocalServer) -> None:
    result = digestbot("digest", "--no-cache", pages.url("/gone"))
    assert result.returncode == 1 and result.stdout == ""
    assert "404" in result.stderr


def test_version_and_help_answer_without_importing_the_pipeline() -> None:
    script = ("import sys\nfrom handlers.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('trafilatura', 'bot.pipeline', 'slack_bolt', 'redis', 'httpx') "
              "if m in sys.modules))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.stdout.splitlines() == ["digestbot 0.1.0", "[]"]


def test_the_core_runs_as_python_m_bot_without_slack_commands() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parent.parent)  # fmt: skip
    assert result.returncode == 0 and "digest" in result.stdout and "serve" not in result.stdout


@pytest.mark.parametrize("module", ["handlers.cli", "bot"])
def test_help_is_written_for_users_not_from_the_source(module: str) -> None:
    def help_of(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", module, *args, "--help"], capture_output=True, text=True,
                                timeout=60, cwd=Path(__file__).parent.parent)  # fmt: skip
        assert result.returncode == 0, result.stderr
        return " ".join(result.stdout.split())

    assert "Digest the links people share" in help_of() and ".py" not in help_of()  # a docstring names its module
    assert "a saved web page, PDF or text file" in help_of("digest")


def test_serve_without_slack_settings_names_each_missing_one() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr


def test_the_cache_fetches_each_article_once_whatever_its_trackers(pages: LocalServer) -> None:
    first = digestbot("digest", "--json", pages.url("/drought?utm_source=a"))
    again = digestbot("digest", "--json", pages.url("/drought?fbclid=b&utm_medium=c"), pages.url("/drought"))
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert len({json.loads(line)["summary"] for line in first.stdout.splitlines() + again.stdout.splitlines()}) == 1
    assert [r.path for r in pages.requests].count("/drought") == 1
    fresh = digestbot("digest", "--json", "--no-cache", pages.url("/drought"))
    assert fresh.returncode == 0 and [r.path for r in pages.requests].count("/drought") == 2


def test_a_page_cut_at_the_size_cap_says_so(pages: LocalServer) -> None:
    result = digestbot("digest", "--json", "--no-cache", pages.url("/endless"))
    assert result.returncode == 0, result.stdout + result.stderr
    digest = json.loads(result.stdout)
    assert digest["title"].startswith("A teenager wins")
    assert digest["warning"] in (
        "the page is larger than 2 MiB; only its beginning was read",
        "the page was too large to read in time; showing its metadata only",
    )


def test_a_saved_file_is_read_no_further_than_a_fetched_one(
    pages: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rest of a larger page is never read (`digestbot digest /dev/zero` ran out of memory), and the line says
    so in a size people read; a PDF cut at the limit could not be read, so it is refused. A source pasted with a
    space around it is the same source."""
    page, pdf = tmp_path / "chess.html", tmp_path / "report.pdf"
    more = "<p>More words about rapid chess and the players who love it, again and again.</p>\n"
    page.write_text(article_html("chess").split("</article>")[0] + more * 20_000)  # 1.6 MB
    pdf.write_bytes(report_pdf(PDF_PARAGRAPHS, pages=12))  # 16 kB
    monkeypatch.setenv("DIGESTBOT_FETCH_MAX_BYTES", "500000")
    monkeypatch.setenv("DIGESTBOT_PDF_MAX_BYTES", "2048")
    result = digestbot("digest", "--json", "--no-cache", str(page), str(pdf), f" {pages.url('/rivers')}\n")
    cut, refused, url = (json.loads(line) for line in result.stdout.splitlines())
    assert cut["title"].startswith("A teenager wins")
    assert cut["warning"] == "the page is larger than 488.3 KiB; only its beginning was read"
    assert refused == {"source": str(pdf), "error": "The PDF is larger than 2,048 bytes", "reason": "too_large"}
    assert url["source"] == pages.url("/rivers") and url["title"].startswith("Rivers are running dry")


def test_the_card_s_byline_on_a_small_site(tmp_path: Path) -> None:
    """A club's page: no structured data, the date printed in a <time> without datetime, the writer signing off
    under the text; the digest's byline shows both."""
    prose = "".join(
        f"<p>{sentence} Die Mannschaft trainiert jeden Dienstag in der Halle am Fluss, und neue Mitglieder sind "
        "willkommen. Der Verein zählt inzwischen mehr als zweihundert Mitglieder aus der ganzen Region.</p>"
        for sentence in ("Das Turnier endete am Sonntag mit einem knappen Sieg.",
                         "Im Halbfinale setzte sich die Jugend gegen den Favoriten durch.",
                         "Der Vorstand dankte allen Helferinnen und Helfern für ihren Einsatz.",
                         "Im kommenden Jahr richtet der Verein das Turnier erneut aus.")
    )  # fmt: skip
    saved = tmp_path / "turnier.html"
    saved.write_text(
        "<!DOCTYPE html><html lang='de'><head><title>Turnier gewonnen | TV Musterstadt</title></head><body>"
        "<article><h1>Turnier gewonnen</h1><time class='date'>07.11.2023</time>"
        f"<div class='text'>{prose}<p><b><i>Stefan Meier</i></b></p></div></article></body></html>",
        encoding="utf-8",
    )
    result = digestbot("digest", "--json", str(saved))
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert (card["title"], card["author"], card["published"]) == ("Turnier gewonnen", "Stefan Meier", "2023-11-07")
