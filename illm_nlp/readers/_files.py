"""Finding the files of a collection: include/exclude globs, sorted relative paths."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

__all__ = ["GlobSet", "Listing", "list_files"]


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over posix relative paths (gitignore-like).

    ``*`` and ``?`` stay inside one folder, ``**`` spans folders, ``[abc]``
    is a character class. A pattern without a ``/`` matches a name at any
    depth (``*.txt``, ``drafts``); one with a ``/`` is anchored at the
    collection root (``train/*/*.txt``); a trailing ``/`` means "this folder".
    """
    pat = pattern.strip()
    if pat.endswith("/"):
        pat = pat.rstrip("/")
    if pat.startswith("/"):
        pat = pat.lstrip("/")
    elif "/" not in pat:
        pat = "**/" + pat
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            close = pat.find("]", i + 2 if pat.startswith("[!", i) or pat.startswith("[]", i) else i + 1)
            if close < 0:
                out.append(re.escape(c))
                i += 1
                continue
            body = pat[i + 1 : close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


class GlobSet:
    """Matches a relative path, or any folder above it, against a list of globs."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = list(patterns)
        self._regexes = [_glob_regex(p) for p in self.patterns]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, rel: str) -> bool:
        parts = rel.split("/")
        candidates = ["/".join(parts[: k + 1]) for k in range(len(parts))]
        return any(rx.match(c) for rx in self._regexes for c in candidates)


class Listing:
    """The files of a collection: sorted relative posix paths, plus folders that could not be listed."""

    def __init__(self, files: list[str], errors: dict[str, str], seen_suffixes: dict[str, int]) -> None:
        self.files = files
        self.errors = errors
        #: suffix -> count of the files that were left out, for "matches no files" messages
        self.seen_suffixes = seen_suffixes

    def entries(self) -> list[tuple[str, str | None]]:
        """(relative path, listing error or None), in sorted order."""
        items: list[tuple[str, str | None]] = [(f, None) for f in self.files]
        items += [(d, err) for d, err in self.errors.items()]
        return sorted(items, key=lambda kv: kv[0])


def list_files(root: Path, *, recursive: bool, keep: Callable[[str], bool]) -> Listing:
    """Walk ``root`` (sorted, hidden names left out) and keep the files ``keep(rel)`` accepts."""
    files: list[str] = []
    errors: dict[str, str] = {}
    left_out: dict[str, int] = {}

    def consider(rel: str) -> None:
        if keep(rel):
            files.append(rel)
        else:
            suffix = os.path.splitext(rel)[1].lower() or "(no suffix)"
            left_out[suffix] = left_out.get(suffix, 0) + 1

    def onerror(exc: OSError) -> None:
        where = Path(exc.filename or root)
        rel = where.relative_to(root).as_posix() if where != root else "."
        errors[rel + "/"] = f"unreadable: cannot list the folder ({exc.strerror or exc})"

    if recursive:
        for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath).relative_to(root).as_posix()
            for name in filenames:
                if not name.startswith("."):
                    consider(name if base == "." else f"{base}/{name}")
    else:
        try:
            with os.scandir(root) as it:
                for entry in it:
                    if not entry.name.startswith(".") and entry.is_file():
                        consider(entry.name)
        except OSError as exc:
            onerror(exc)
    files.sort()
    return Listing(files, errors, left_out)
