"""Make a typed or pasted line safe to hand to a model, or say briefly why not.

Terminals and pipes deliver anything: escape sequences from arrow keys in a
dumb terminal, NUL bytes, a whole file pasted at once. None of that may crash
the session or reach the model as garbage; each problem gets one short message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_CHARS", "Cleaned", "clean_input", "strip_controls"]

DEFAULT_MAX_CHARS = 10_000

# ANSI/VT escape sequences (CSI ... final byte, OSC ... BEL/ST, and two-byte ESC x)
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


@dataclass(frozen=True)
class Cleaned:
    """The text to use (None: nothing to answer) and a short note for the person, if any."""

    text: str | None
    problem: str | None = None
    removed: int = 0


def strip_controls(raw: str) -> tuple[str, int]:
    """Remove escape sequences, control characters (C0, C1, DEL) and stray format characters.

    Newlines and tabs are kept (tabs become spaces); zero-width joiners are
    kept because some scripts need them. Returns the text and how many
    characters were removed.
    """
    text, removed = _ANSI.subn("", raw)
    kept: list[str] = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or (cat == "Cf" and ch not in "\u200c\u200d") or cat in ("Cs", "Co"):
            removed += 1
            continue
        kept.append(ch)
    return "".join(kept).replace("\t", " "), removed


def clean_input(raw: str, *, max_chars: int = DEFAULT_MAX_CHARS) -> Cleaned:
    """Strip escape sequences and control characters, refuse empty or over-long input.

    Lines are trimmed; newlines inside a multi-line block are kept. Removed
    characters are counted in a short note.
    """
    text, removed = strip_controls(raw)
    text = "\n".join(line.strip() for line in text.strip().split("\n"))
    note = f"(removed {removed} control character{'s' if removed != 1 else ''})" if removed else None
    if not text.strip():
        return Cleaned(None, "empty input: type some text, or :help for commands", removed)
    if len(text) > max_chars:
        return Cleaned(
            None,
            f"input too long: {len(text):,} characters, the limit is {max_chars:,} (--max-chars)",
            removed,
        )
    return Cleaned(text, note, removed)
