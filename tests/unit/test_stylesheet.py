"""The stylesheet parses as written: a brace left open by an edit makes every later rule part of the
block before it (once, all of them print-only), which no browser reports."""

from __future__ import annotations

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "chalicelib" / "ui" / "app.css"


def _depths() -> list[tuple[int, int, str]]:
    text = re.sub(
        r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), STYLESHEET.read_text(encoding="utf-8"), flags=re.S
    )
    depth, seen = 0, []
    for number, line in enumerate(text.splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        seen.append((number, depth, line))
    return seen


def test_every_block_of_the_stylesheet_is_closed():
    depths = _depths()
    assert all(depth >= 0 for _, depth, _ in depths)
    assert depths[-1][1] == 0


def test_at_rules_are_only_opened_at_the_top_level():
    depth = 0
    for number, after, line in _depths():
        if line.lstrip().startswith("@media"):
            assert depth == 0, f"app.css:{number}: @media inside another block"
        depth = after
