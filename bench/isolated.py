"""Run one system of a benchmark in a process of its own, so that its peak memory is its own.

Extractors measured one after another in one process would each be charged the memory of every one before
it (ru_maxrss only grows). The parent starts `python -m <module> --system NAME --out FILE` per system; the
child runs it and writes what it measured, with `peak_rss_mib()` taken before it exits.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]


def run_isolated(module: str, system: str) -> dict[str, Any]:
    """What `module`'s child mode wrote for `system` (a JSON object), run in a fresh interpreter.

    The child calls `module.main(argv)` from `-c` rather than running `-m module`: a module run as __main__ is
    imported a second time by every extraction worker (bot/pipeline/extract/pool.py preloads the main module), with a
    warning.
    """
    with tempfile.TemporaryDirectory(prefix="digestbot-bench-") as tmp:
        out = Path(tmp) / "result.json"
        code = f"import sys, {module}; {module}.main(sys.argv[1:])"
        subprocess.run([sys.executable, "-c", code, "--system", system, "--out", str(out)], check=True, cwd=ROOT)
        return json.loads(out.read_text(encoding="utf-8"))


def child_or_options(
    argv: list[str] | None, run_child: Callable[[str, Path], None], prog: str, doc: str, quick_help: str
) -> argparse.Namespace | None:
    """Run the child and return None when argv names --system and --out; otherwise the parent's options.

    Both modes share one command line, so a benchmark's main() is its parent and its children alike.
    """
    argv = sys.argv[1:] if argv is None else argv
    child = argparse.ArgumentParser(add_help=False)
    child.add_argument("--system")
    child.add_argument("--out", type=Path)
    known, _ = child.parse_known_args(argv)
    if known.system and known.out:
        run_child(known.system, known.out)
        return None
    parent = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parent.add_argument("--digestbot-only", action="store_true", help=quick_help)
    return parent.parse_args(argv)


def write_result(out: Path, payload: dict[str, Any]) -> None:
    out.write_text(json.dumps({**payload, "peak_rss_mib": peak_rss_mib()}), encoding="utf-8")


def peak_rss_mib() -> float:
    """High-water RSS (VmHWM) of this process plus that of each live descendant, in MiB.

    digestbot extracts in worker processes of its own (bot/pipeline/extract/pool.py): their memory is part of its cost.
    Pages shared between those processes count once per process, so this is an upper bound.
    """
    me = psutil.Process()
    total_kib = 0
    for process in [me, *me.children(recursive=True)]:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:  # ended meanwhile
            continue
        total_kib += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return total_kib / 1024
