"""What the file readers share: on_error handling, re-iteration through partitions, record fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..document import Doc, Skipped
from ..errors import ConfigError, DataError
from ._spans import Partition, iter_lines, iter_rows, separator_name
from ._text import UndecodableError, decode

__all__ = ["BadRecord", "FileReader", "check_delimiter", "field_id", "field_label", "field_text"]

_SKIP_HINT = "fix the file, or set on_error: skip to skip such documents (they are listed in the run summary)"


class FileReader:
    """Base of the readers over files: iterating reads every partition of the collection in order.

    Subclasses provide ``_whole_files()`` (one partition per file, no
    scanning), ``partitions()`` and ``read_partition()``; reading all
    partitions in order is, by construction, what ``__iter__`` gives.
    """

    on_error: str = "skip"

    def __iter__(self) -> Iterator[Doc | Skipped]:
        for part in self._whole_files():
            yield from self.read_partition(part)

    def _whole_files(self) -> list[Partition]:  # pragma: no cover - abstract
        raise NotImplementedError

    def read_partition(self, partition: Partition) -> Iterator[Doc | Skipped]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _display(self, rel: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _problem(self, doc_id: str, rel: str, reason: str, line: int | None = None, unit: str = "line") -> Skipped:
        """A :class:`Skipped` for ``doc_id`` (on_error: skip), or a :class:`DataError` naming the file (fail)."""
        if self.on_error == "fail":
            where = self._display(rel) + (f": {unit} {line}" if line is not None else "")
            raise DataError(f"{where}: {reason}", hint=_SKIP_HINT)
        return Skipped(doc_id, reason)

    def _json_records(self, fh: BinaryIO, rel: str, part: Partition) -> Iterator[tuple[int, str, dict[str, Any]] | Skipped]:
        """The JSON objects of a partition of a .jsonl file as (line, id, record), or a problem per bad line.

        Blank lines are passed over; undecodable, malformed and non-object lines become skips
        (or a DataError with on_error: fail). Shared by every reader of line-delimited JSON.
        """
        for number, offset, raw in iter_lines(fh, part.start, part.end, part.number):
            if raw.isspace():
                continue
            doc_id = f"{rel}:{number}"
            try:
                record = json.loads(decode(raw, self.encoding, offset, strip_bom=offset == 0))
            except UndecodableError as exc:
                yield self._problem(doc_id, rel, exc.reason, number)
                continue
            except json.JSONDecodeError as exc:
                yield self._problem(doc_id, rel, f"malformed json: {exc.msg} at column {exc.colno}", number)
                continue
            if not isinstance(record, dict):
                yield self._problem(doc_id, rel, f"malformed json: expected an object per line, got a {type(record).__name__}", number)
                continue
            yield number, doc_id, record

    def _table_rows(
        self, fh: BinaryIO, rel: str, fmt: str, part: Partition, names: list[str] | None, header_at: int
    ) -> Iterator[tuple[int, str, list[str]] | Skipped]:
        """The rows of a partition of a .csv/.tsv file as (line, id, cells), or a problem per bad row.

        The header row is passed over; with ``names`` a row must have as many cells as the
        header. Shared by every reader of delimited tables.
        """
        kind = separator_name(fmt, self.delimiter)
        for number, offset, cells, problem in iter_rows(fh, fmt, self.encoding, self.delimiter, part.start, part.end, part.number):
            if offset == header_at:
                continue
            doc_id = f"{rel}:{number}"
            if problem:
                yield self._problem(doc_id, rel, problem, number)
                continue
            assert cells is not None
            if names is not None and len(cells) != len(names):
                yield self._problem(doc_id, rel, f"bad columns: expected {len(names)} {kind} columns as in the header, "
                                                 f"got {len(cells)}", number)
                continue
            yield number, doc_id, cells

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self, 'path', '?')!r})"


class BadRecord(Exception):
    """A record lacks a field the options name, or holds the wrong kind of value; ``str()`` is the reason."""


def _fields(record: dict[str, Any]) -> str:
    names = list(record)
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return shown or "none"


def _missing(record: dict[str, Any], name: str, option: str) -> str:
    return f"missing field: no {name!r} in the record (fields: {_fields(record)}); set {option}: to the right field"


def field_text(record: dict[str, Any], name: str, option: str) -> str:
    """A text field as a string (a list of strings is joined with newlines), or raise BadRecord(reason)."""
    value = record.get(name)
    if value is None:
        raise BadRecord(_missing(record, name, option))
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    raise BadRecord(f"bad field: {name!r} is a {type(value).__name__}, expected a string (or a list of strings)")


def field_label(record: dict[str, Any], name: str) -> str | list[str]:
    """A label field: a string, or a list of strings for multi-label data; raise BadRecord(reason)."""
    value = record.get(name)
    if value is None or value == "":
        raise BadRecord(_missing(record, name, "label_field"))
    if isinstance(value, list):
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise BadRecord(f"bad field: {name!r} holds a list of non-strings, expected labels")
        return [str(v) for v in value]
    if isinstance(value, dict):
        raise BadRecord(f"bad field: {name!r} is an object, expected a label (a string or a list of strings)")
    return str(value)


def field_id(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None or value == "":
        raise BadRecord(_missing(record, name, "id_field"))
    if isinstance(value, (dict, list)):
        raise BadRecord(f"bad field: {name!r} is a {type(value).__name__}, expected an id (a string or number)")
    return str(value)


def check_delimiter(delimiter: str | None, option: str = "delimiter") -> None:
    if delimiter is not None and len(delimiter) != 1:
        raise ConfigError(f"{option}: expected one character, got {delimiter!r}", hint="e.g. delimiter: ';' or delimiter: \"\\t\"")
