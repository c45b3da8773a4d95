"""Coverage-guided fuzzing (atheris, libFuzzer) of the two parsers that read untrusted input.

    python tests/fuzz_targets.py extract --seconds 60    # bytes -> decode_html -> extract_article + wall check
    python tests/fuzz_targets.py slack --seconds 60      # text -> links_in_text, comment_without_links, parse_command

`make fuzz` runs both, time-boxed. Any exception that escapes, an input slower than --timeout seconds (a hang)
or more than 2 GiB of memory is a finding: libFuzzer stops and writes the input to --artifacts. Runs start from
realistic input: tests/fixtures/pages, the shared benchmark's real pages, Slack-shaped strings.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["bot", "handlers"]):
    from bot.pipeline.extract import extract_article
    from bot.pipeline.fetch import decode_html
    from bot.pipeline.walls import detect_wall
    from handlers.command_text import CommandError, parse_command
    from handlers.links import comment_without_links, links_in_text

PAGES = Path(__file__).parent / "fixtures" / "pages"
BENCH_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "extraction" / "html"
BENCH_SEEDS = 30  # real pages from the shared extraction benchmark, when it is there
MAX_LEN = 64 * 1024  # big enough for real page structure, small enough for thousands of runs a minute
SLACK_SEEDS = [
    b"worth a read <https://news.example/a?utm_source=x|the story> cc <@U1>",
    b"<https://a.example/x.png> <mailto:a@b.example|a> &lt;not a link&gt; <!here>",
    b"search rivers drought", b"related <https://news.example/a>", b"roundup on fri 09:00 Europe/Paris",
    b"recent 5", b"repeats off", b"<http://[::1>", b"https://x.example/" + b"a" * 300,
]  # fmt: skip


def fuzz_extract(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    charset = provider.PickValueInList([None, "utf-8", "windows-1252", "shift_jis", "utf-16", "x-bogus"])
    html = decode_html(provider.ConsumeBytes(provider.remaining_bytes()), charset)
    article = extract_article(html, "https://news.example/story")
    detect_wall(html, article)


def fuzz_slack(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    for link in links_in_text(text, ("ignored.example",), 5):
        assert link.lower().startswith(("http://", "https://")), link
    comment_without_links(text)
    with contextlib.suppress(CommandError):  # the one exception a user's typo may raise
        parse_command(text)


def page_seeds() -> list[bytes]:
    real = [gzip.decompress(page.read_bytes()) for page in sorted(BENCH_PAGES.glob("*.html.gz"))[:BENCH_SEEDS]]
    return [page[:MAX_LEN] for page in [*(p.read_bytes() for p in sorted(PAGES.glob("*.html"))), *real]]


TARGETS: dict[str, tuple[Callable[[bytes], None], Callable[[], list[bytes]]]] = {
    "extract": (fuzz_extract, page_seeds),
    "slack": (fuzz_slack, lambda: SLACK_SEEDS),
}


def seeded_corpus(seeds: list[bytes]) -> str:
    corpus = Path(tempfile.mkdtemp(prefix="digestbot-fuzz-corpus-"))
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    return str(corpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--seconds", type=int, default=60, help="total fuzzing time")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take before it is a hang")
    parser.add_argument("--artifacts", default="/tmp/digestbot-fuzz/", help="where crashing inputs are written")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the libraries log (and print tracebacks for) every odd page they survive
    target, seeds = TARGETS[args.target]
    Path(args.artifacts).mkdir(parents=True, exist_ok=True)
    libfuzzer = [
        sys.argv[0], f"-max_total_time={args.seconds}", f"-timeout={args.timeout}", f"-max_len={MAX_LEN}",
        "-rss_limit_mb=2048", f"-artifact_prefix={args.artifacts}", "-print_final_stats=1", seeded_corpus(seeds()),
    ]  # fmt: skip
    atheris.Setup(libfuzzer, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
