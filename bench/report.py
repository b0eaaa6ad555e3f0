"""docs/performance.md is written by more than one target: each replaces only its own sections."""

from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
# Written by `make bench-import` (bench/import_history.py); `make bench` keeps it as it is.
IMPORT_HEADING = "## Import of historic certificates (`make bench-import`)"


def section(heading: str, path: Path = REPORT) -> list[str]:
    """The lines of the section that starts with `heading`, up to the next `## ` (none when absent)."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    if heading not in lines:
        return []
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def replace_section(heading: str, body: list[str], path: Path = REPORT) -> None:
    """`heading` and `body` in place of that section, or at the end when there is none yet."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else ["# Performance"]
    new = [heading, "", *body]
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        following = lines[end:]
        lines = [*lines[:start], *new, *([""] if following else []), *following]
    else:
        lines = [*lines, "", *new]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
