"""`python -m bench`: benchmark names, and options passed to the one benchmark named."""

from __future__ import annotations

import sys
import types

import pytest

import bench.__main__ as bench_main


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A fake benchmark `probe` that records the options it sees in sys.argv."""
    seen: list[list[str]] = []
    module = types.ModuleType("bench.probe")
    module.main = lambda: seen.append(sys.argv[1:])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bench.probe", module)
    monkeypatch.setattr(bench_main, "available", lambda: ["other", "probe"])
    monkeypatch.setattr(sys, "argv", ["bench"])
    return seen


def test_options_after_a_benchmark_name_reach_that_benchmark(recorder: list[list[str]]) -> None:
    assert bench_main.main(["probe", "--quick", "--k", "5"]) == 0
    assert recorder == [["--quick", "--k", "5"]]


def test_a_benchmark_run_by_name_alone_sees_no_options(recorder: list[list[str]]) -> None:
    assert bench_main.main(["probe"]) == 0
    assert recorder == [[]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--quick"], "usage"),
        (["other", "probe", "--quick"], "usage"),
        (["nosuch"], "unknown benchmark(s): nosuch"),
    ],
)
def test_options_without_exactly_one_known_benchmark_are_refused(
    recorder: list[list[str]], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench_main.main(argv) == 2
    assert recorder == []
    assert message in capsys.readouterr().err
