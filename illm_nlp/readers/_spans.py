"""Reading byte ranges of files record by record, and cutting big files into such ranges.

Line formats are read from raw bytes, line by line, so that memory stays
flat whatever the file size and every record knows its byte offset: that is
what lets a big file be cut into :class:`Partition` ranges that start exactly
at a record (a line, a blank-line separated paragraph, or a CSV record that
may span lines), and what makes decoding errors name a byte a user can find.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ._text import UndecodableError, decode, decode_record, nul_reason

__all__ = [
    "Partition",
    "count_lines",
    "cut_points",
    "first_row",
    "iter_csv_rows",
    "iter_lines",
    "iter_paragraphs",
    "iter_rows",
    "line_offsets",
    "separator_name",
]

#: CSV cells may hold whole documents; Python's default limit is 128 KiB.
_CSV_FIELD_LIMIT = 1 << 30


@dataclass(frozen=True)
class Partition:
    """A piece of a collection for one task: a whole file, or a byte range of one big line-format file.

    ``start`` always sits at the start of a record (line, paragraph or CSV
    record); the range holds the records that *start* before ``end``.
    Reading the partitions of a reader in order gives exactly what iterating
    the reader gives.
    """

    #: the file, relative to the collection root (posix); "" when the collection is one file
    file: str
    #: first byte of the range
    start: int = 0
    #: one past the last byte of the range; None: to the end of the file
    end: int | None = None
    #: line (or paragraph) number of the record at ``start``, 1-based, for document ids
    number: int = 1
    #: size of the range in bytes (what the Dask engine balances chunks by)
    nbytes: int = 0
    #: pairs.v1 with ``target_path``: the same lines in the target file
    target_start: int = 0
    target_end: int | None = None
    #: set when the entry could not even be listed (an unreadable folder)
    error: str | None = None


def iter_lines(fh: BinaryIO, start: int = 0, end: int | None = None, number: int = 1) -> Iterator[tuple[int, int, bytes]]:
    """(line number, byte offset, raw line with its ``\\n``) for the lines that start in ``[start, end)``."""
    fh.seek(start)
    offset = start
    for raw in fh:
        if end is not None and offset >= end:
            return
        yield number, offset, raw
        offset += len(raw)
        number += 1


def iter_paragraphs(fh: BinaryIO, start: int = 0, end: int | None = None, number: int = 1) -> Iterator[tuple[int, int, bytearray]]:
    """(paragraph number, byte offset, raw bytes) of the blank-line separated paragraphs starting in ``[start, end)``.

    A line holding only (ASCII) whitespace counts as blank. The raw bytes are
    the paragraph's lines exactly as in the file (so a decoding error can name
    its byte offset), gathered in one buffer rather than a list of lines.
    """
    buf = bytearray()
    first = 0
    for _, offset, raw in iter_lines(fh, start):
        if not raw.isspace():
            if not buf:
                if end is not None and offset >= end:
                    return
                first = offset
            buf += raw
            del raw  # a huge line must not stay alive beside the buffer
        elif buf:
            yield number, first, buf
            number += 1
            buf = bytearray()
    if buf:
        yield number, first, buf


class _DecodedLines:
    """Feeds decoded lines to :func:`csv.reader`, remembering where the next line starts and what went wrong."""

    def __init__(self, lines: Iterator[tuple[int, int, bytes]], encoding: str, number: int, offset: int) -> None:
        self._lines = lines
        self._encoding = encoding
        self.next_number = number
        self.next_offset = offset
        self.problems: list[str] = []

    def __iter__(self) -> _DecodedLines:
        return self

    def __next__(self) -> str:
        number, offset, raw = next(self._lines)
        self.next_number = number + 1
        self.next_offset = offset + len(raw)
        bad = nul_reason(raw, offset)
        if bad:
            self.problems.append(bad)
        try:
            return decode(raw, self._encoding, offset, strip_bom=offset == 0)
        except UndecodableError as exc:
            self.problems.append(exc.reason)
            return raw.decode(self._encoding, "replace")


def iter_csv_rows(
    fh: BinaryIO, encoding: str, delimiter: str, start: int = 0, end: int | None = None, number: int = 1
) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """(line number, byte offset, row, problem) for the CSV records starting in ``[start, end)``.

    A record may span lines (quoted newlines); its number is the line it
    starts on. ``row`` is None when ``problem`` says why it cannot be used
    (undecodable bytes, a NUL byte, a CSV syntax error). Blank lines give no
    record.
    """
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    feed = _DecodedLines(iter_lines(fh, start, None, number), encoding, number, start)
    reader = csv.reader(feed, delimiter=delimiter)
    while True:
        line, offset = feed.next_number, feed.next_offset
        if end is not None and offset >= end:
            return
        feed.problems.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, offset, None, f"malformed csv: {exc}"
            continue
        if feed.problems:
            yield line, offset, None, feed.problems[0]
        elif row and any(cell.strip() for cell in row):
            yield line, offset, row, None


def iter_rows(
    fh: BinaryIO, fmt: str, encoding: str, delimiter: str | None, start: int = 0, end: int | None = None, number: int = 1
) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """(line, offset, cells or None, problem) of a CSV or TSV file.

    CSV follows RFC 4180 (quoted cells may hold delimiters and newlines); TSV
    has no quoting at all (one line is one row, split at every tab), which is
    how TSV corpora are written and keeps a stray quote from swallowing lines.
    """
    if fmt == "csv":
        yield from iter_csv_rows(fh, encoding, delimiter or ",", start, end, number)
        return
    sep = delimiter or "\t"
    for line, offset, raw in iter_lines(fh, start, end, number):
        if raw.isspace():
            continue
        try:
            text = decode_record(raw, encoding, offset)
        except UndecodableError as exc:
            yield line, offset, None, exc.reason
            continue
        yield line, offset, text.split(sep), None


def first_row(fh: BinaryIO, fmt: str, encoding: str, delimiter: str | None) -> tuple[list[str], int] | str:
    """(cells, byte offset) of the first row of a CSV/TSV file (its header, if it has one), or a problem."""
    for _, offset, cells, problem in iter_rows(fh, fmt, encoding, delimiter):
        if problem:
            return f"bad header: {problem}"
        assert cells is not None
        return [c.strip() for c in cells], offset
    return "empty: the file holds no rows"


def separator_name(fmt: str, delimiter: str | None) -> str:
    sep = delimiter or ("," if fmt == "csv" else "\t")
    return {",": "comma-separated", "\t": "tab-separated", ";": "semicolon-separated"}.get(sep, f"{sep!r}-separated")


def count_lines(fh: BinaryIO, chunk: int = 1 << 20) -> int:
    """Lines in the file, as :func:`iter_lines` counts them (a last line without ``\\n`` counts)."""
    fh.seek(0)
    n = 0
    last = b"\n"
    while block := fh.read(chunk):
        n += block.count(b"\n")
        last = block[-1:]
    return n + (last != b"\n")


def cut_points(record_starts: Iterable[tuple[int, int]], target_bytes: int, first_cut: int = 0) -> list[tuple[int, int]]:
    """(byte offset, record number) where to cut a file into ranges of about ``target_bytes``.

    ``record_starts`` gives (number, offset) of each record in file order;
    only offsets greater than ``first_cut`` (e.g. past a header) are used.
    """
    cuts: list[tuple[int, int]] = []
    next_cut = max(target_bytes, first_cut + 1)
    for number, offset in record_starts:
        if offset >= next_cut:
            cuts.append((offset, number))
            next_cut = offset + target_bytes
    return cuts


def line_offsets(fh: BinaryIO, numbers: list[int]) -> list[int]:
    """The byte offsets at which the given (sorted) line numbers start."""
    out: list[int] = []
    want = iter(numbers)
    goal = next(want, None)
    if goal is None:
        return out
    for number, offset, _ in iter_lines(fh):
        while goal is not None and number == goal:
            out.append(offset)
            goal = next(want, None)
        if goal is None:
            break
    return out
