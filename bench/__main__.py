"""Run the benchmarks: `python -m bench` runs every bench module with a main(), `python -m bench extraction` one.

Options after one benchmark's name are its own: `python -m bench related --quick`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

_NOT_BENCHMARKS = {"metric", "isolated", "product", "related_fit"}  # helpers and tuning scripts, not benchmarks


def available() -> list[str]:
    names = (m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    return sorted(n for n in names if not n.startswith("_") and n not in _NOT_BENCHMARKS)


def main(argv: list[str]) -> int:
    found = available()
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
    if options and len(names) != 1:
        print("usage: python -m bench [NAME ...] | python -m bench NAME [--option ...]", file=sys.stderr)
        return 2
    unknown = [name for name in names if name not in found]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(found)}", file=sys.stderr)
        return 2
    sys.argv[1:] = options  # a benchmark reads its options from sys.argv; our benchmark names are not among them
    for name in names or found:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
