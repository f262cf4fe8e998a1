"""Writers for processed documents: jsonl, csv, or a folder of .txt files.

Everything is written under a ``.partial`` name and renamed into place only
when the run ends well, so a crash never leaves a half file where the output
belongs and an earlier good output is never lost. ``--resume`` reads back the
records already in the ``.partial`` file (a torn last line is cut off) and the
run continues after them; the result equals an uninterrupted run's.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import IO, Any

from .document import Doc
from .errors import UsageError

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "csv", "txt")
CSV_FIELDS = ("id", "text", "label", "target", "tokens")

__all__ = ["FORMATS", "Writer", "atomic_write_text", "guess_format", "open_writer"]


def guess_format(path: str | None, given: str | None) -> str:
    if given:
        return given
    if path and path != "-":
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in ("jsonl", "csv"):
            return suffix
        if suffix == "" and (Path(path).is_dir() or path.endswith("/")):
            return "txt"
    return "jsonl"


def atomic_write_text(path: Path, text: str) -> None:
    """Write a small text file through a temporary name and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


IDS_FILE = ".illm-written-ids"


def txt_name(doc_id: str) -> str:
    """Where a document goes in a .txt folder that mirrors the input tree.

    ``novels/emma.txt#12`` → ``novels/emma/12.txt``; ``news/a.html`` → ``news/a.txt``;
    ``data.jsonl:7`` → ``data/7.txt``. Parent references are neutralised.
    """
    path, frag = doc_id, ""
    for sep in ("#", ":"):
        if sep in path:
            path, _, frag = path.rpartition(sep)
            break
    parts = [p if p not in ("..", ".", "") else "_" for p in path.replace("\\", "/").split("/")]
    stem = str(Path(*parts).with_suffix("")) if parts else "_"
    return f"{stem}/{frag}.txt" if frag else f"{stem}.txt"


def _as_text(doc: Doc) -> str:
    if doc.sentences:
        return "\n".join(" ".join(s) if isinstance(s, list) else s for s in doc.sentences) + "\n"
    if doc.tokens is not None:
        return " ".join(doc.tokens) + "\n"
    return doc.text if doc.text.endswith("\n") else doc.text + "\n"


class Writer:
    """Writes documents to ``path`` through ``path + '.partial'``; ``commit`` renames into place."""

    def __init__(self, path: str, fmt: str, fields: list[str] | None = None, resume: bool = False) -> None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown output format '{fmt}'", hint=f"choose one of: {', '.join(FORMATS)}")
        self.path = path
        self.format = fmt
        self.fields = fields
        self.stdout = path == "-"
        self.done_ids: set[str] = set()
        self.written = 0
        self._fh: IO[str] | None = None
        self._csv: Any = None
        if self.stdout:
            if fmt == "txt":
                raise UsageError("a folder of .txt files cannot go to stdout", hint="give --output a folder path")
            self._fh = sys.stdout
        else:
            self.final = Path(path)
            self.partial = self.final.with_name(self.final.name + ".partial")
            self.final.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.partial.exists():
                self._recover()
            else:
                if self.partial.exists():
                    logger.info("removing stale %s (use --resume to continue it)", self.partial)
                    shutil.rmtree(self.partial) if self.partial.is_dir() else self.partial.unlink()
                if fmt == "txt":
                    self.partial.mkdir(parents=True)
                else:
                    self._fh = open(self.partial, "w", encoding="utf-8", newline="")
        if fmt == "csv" and self._fh is not None:
            self._csv = csv.DictWriter(self._fh, fieldnames=["id", *(fields or CSV_FIELDS[1:])], extrasaction="ignore")
            if not self.done_ids:
                self._csv.writeheader()

    def _recover(self) -> None:
        """Keep the complete records of an interrupted run; cut a torn last line."""
        if self.format == "txt":
            ids = self.partial / IDS_FILE
            if ids.exists():
                lines = ids.read_text(encoding="utf-8").split("\n")[:-1]  # a torn last id is dropped
                self.done_ids = set(lines)
            self.written = len(self.done_ids)
            return
        data = self.partial.read_bytes()
        keep = data[: data.rfind(b"\n") + 1] if not data.endswith(b"\n") else data
        text = keep.decode("utf-8", errors="replace")
        if self.format == "jsonl":
            good = []
            for line in text.splitlines(keepends=True):
                try:
                    self.done_ids.add(str(json.loads(line)["id"]))
                    good.append(line)
                except (ValueError, KeyError, TypeError):
                    break
            keep = "".join(good).encode("utf-8")
        else:
            rows = list(csv.DictReader(io.StringIO(text)))
            self.done_ids = {r["id"] for r in rows if r.get("id")}
        with open(self.partial, "wb") as fh:
            fh.write(keep)
        self.written = len(self.done_ids)
        self._fh = open(self.partial, "a", encoding="utf-8", newline="")
        logger.info("resuming: %d documents already written to %s", self.written, self.partial)

    def write(self, doc: Doc) -> None:
        if self.format == "jsonl":
            assert self._fh is not None
            self._fh.write(json.dumps(doc.to_record(self.fields), ensure_ascii=False) + "\n")
        elif self.format == "csv":
            rec = doc.to_record(self.fields)
            for key in ("tokens", "label"):
                if isinstance(rec.get(key), list):
                    rec[key] = " ".join(rec[key])
            if "sentences" in rec:
                rec["sentences"] = json.dumps(rec["sentences"], ensure_ascii=False)
            self._csv.writerow(rec)
        else:
            target = self.partial / txt_name(doc.id)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_as_text(doc), encoding="utf-8")
            with open(self.partial / IDS_FILE, "a", encoding="utf-8") as fh:
                fh.write(doc.id + "\n")
        self.written += 1

    def commit(self) -> None:
        """Flush and move the finished output into place (replacing an older one whole)."""
        if self.stdout:
            sys.stdout.flush()
            return
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None
        if self.format == "txt":
            (self.partial / IDS_FILE).unlink(missing_ok=True)
            old = self.final.with_name(self.final.name + ".old")
            if self.final.exists():
                os.replace(self.final, old)
            os.replace(self.partial, self.final)
            if old.exists():
                shutil.rmtree(old)
        else:
            os.replace(self.partial, self.final)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        """Commit when the block ends well; on any error (Ctrl-C too) keep the ``.partial`` for ``--resume``."""
        if exc_type is None:
            self.commit()
        else:
            self.close()

    def close(self) -> None:
        """Leave the ``.partial`` file for ``--resume`` (called when a run fails)."""
        if self._fh is not None and not self.stdout:
            self._fh.flush()
            self._fh.close()
            self._fh = None


def open_writer(path: str, fmt: str | None = None, fields: list[str] | None = None, resume: bool = False) -> Writer:
    return Writer(path, guess_format(path, fmt), fields, resume)
