"""Read back what ``illm run`` wrote (jsonl, csv or a .txt folder) as documents.

Corpus stages use this to stream the cleaned collection from disk, pass by
pass, instead of holding it in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from ..document import Doc
from ..output import guess_format


def iter_output(path: Path, fmt: str | None = None) -> Iterator[Doc]:
    """Yield the documents of an output written by :class:`illm_nlp.output.Writer`."""
    fmt = guess_format(str(path), fmt) if not path.is_dir() else "txt"
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield Doc.from_record(json.loads(line))
    elif fmt == "csv":
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                tokens = row.get("tokens")
                yield Doc(id=row["id"], text=row.get("text") or "", label=row.get("label") or None,
                          tokens=tokens.split() if tokens else None)
    else:
        for f in sorted(path.rglob("*.txt")):
            text = f.read_text(encoding="utf-8")
            yield Doc(id=f.relative_to(path).as_posix()[:-4], text=text, tokens=text.split())
