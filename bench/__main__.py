"""Run the benchmarks: `python -m bench` runs every bench module with a main(), `python -m bench extraction` one."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

_NOT_BENCHMARKS = {"metric", "isolated", "product"}  # shared helpers, not runnable benchmarks


def available() -> list[str]:
    names = (m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    return sorted(n for n in names if not n.startswith("_") and n not in _NOT_BENCHMARKS)


def main(argv: list[str]) -> int:
    found = available()
    unknown = [name for name in argv if name not in found]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(found)}", file=sys.stderr)
        return 2
    sys.argv[1:] = []  # our arguments name benchmarks; a benchmark that reads options must not see them
    for name in argv or found:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
