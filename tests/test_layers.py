"""The layers keep their promises: `bot/` knows nothing of Slack or of `handlers/`."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
SLACK = ("handlers", "slack_sdk", "slack_bolt")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_nothing_in_bot_imports_slack_or_the_handlers() -> None:
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package
    found = {str(path.relative_to(BOT)): sorted(n for n in imported(path) if n.split(".")[0] in SLACK)
             for path in modules}  # fmt: skip
    assert {module: names for module, names in found.items() if names} == {}
