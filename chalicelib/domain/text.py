"""Free text people type (a reason, a comment, a name): what is kept, and the same rule as a pattern.

Control characters are dropped (they arrive with pasted text and print as nothing); spaces, tabs and
line breaks around the text are trimmed; the length that counts is what remains. `text_pattern`
states that rule as a regular expression for the API description, so a client can check it before
sending; `tests/unit/test_text.py` holds both to the same answers.
"""

from __future__ import annotations

import re

# Explicit classes, not `\s`: regular-expression engines disagree about what `\s` matches.
SPACES = " \t\n\r"
SPACES_CLASS = r" \t\n\r"
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{CONTROL_CLASS}]")


def clean(raw: str) -> str:
    """The text as kept: control characters dropped, then spaces and line breaks trimmed at both ends."""
    return _CONTROL.sub("", raw).strip(SPACES)


def text_pattern(minimum: int, maximum: int) -> str:
    """Matches exactly the strings whose cleaned length is within [minimum, maximum]."""
    dropped = f"[{CONTROL_CLASS}{SPACES_CLASS}]*"  # at either end: removed or trimmed
    kept = f"[^{CONTROL_CLASS}]"  # any character that stays
    edge = f"[^{CONTROL_CLASS}{SPACES_CLASS}]"  # what the cleaned text starts and ends with
    inner = f"(?:[{CONTROL_CLASS}]*{kept})"
    if maximum <= 0:
        return f"^{dropped}$"
    if minimum <= 1:
        one_or_more = f"{edge}(?:{inner}{{0,{maximum - 2}}}[{CONTROL_CLASS}]*{edge})?" if maximum > 1 else edge
        body = f"(?:{one_or_more})?" if minimum <= 0 else one_or_more
    else:
        body = f"{edge}{inner}{{{minimum - 2},{maximum - 2}}}[{CONTROL_CLASS}]*{edge}"
    return f"^{dropped}{body}{dropped}$"


def padded(core: str) -> str:
    """A pattern for `core` (a regular expression without anchors) with spaces allowed around it:
    codes, numbers and dates are trimmed before they are read."""
    return f"^[{SPACES_CLASS}]*(?:{core})[{SPACES_CLASS}]*$"


def trim(raw: str) -> str:
    return raw.strip(SPACES)


def literal(text: str, *, any_case: bool = False) -> str:
    """`text` as a regular expression matching only itself (in any letter case when `any_case`)."""
    out = []
    for ch in text:
        if ch in "\\^$.|?*+()[]{}":
            out.append(f"\\{ch}")
        elif any_case and ch.lower() != ch.upper():
            out.append(f"[{ch.upper()}{ch.lower()}]")
        else:
            out.append(ch)
    return "".join(out)
