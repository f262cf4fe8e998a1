"""``pairs.v1``: source → target pairs, for translation (parallel sentences) and summarisation (text → summary).

One file holds the pairs — a TSV/CSV with two columns (or a header naming
them) or JSON Lines with two fields — or two plain-text files are aligned
line by line (``path`` + ``target_path``). Each pair is a
:class:`~illm_nlp.document.Doc` with ``text`` = source and ``target`` =
target; its id is ``FILE:LINE``. Like ``folder.v1`` the reader streams,
re-reads on every pass, and reports every line it cannot use (``on_error``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from itertools import zip_longest
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import Field

from ..document import Doc, Skipped
from ..errors import ConfigError, DataError
from ..registry import readers
from ._base import BadRecord, FileReader, check_delimiter, field_id, field_text
from ._spans import Partition, count_lines, cut_points, first_row, iter_lines, iter_rows, line_offsets, separator_name
from ._text import BINARY_SNIFF_BYTES, UndecodableError, check_encoding, decode_record, nul_reason

logger = logging.getLogger(__name__)

__all__ = ["PairsReader", "pairs_reader"]

SUFFIX_FORMATS = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl"}
PairsFormat = Literal["auto", "tsv", "csv", "jsonl", "lines"]


class PairsReader(FileReader):
    """Re-iterable source → target pairs; see :func:`pairs_reader` for the options."""

    def __init__(
        self,
        path: str,
        *,
        target_path: str | None = None,
        format: PairsFormat = "auto",
        source_field: str = "source",
        target_field: str = "target",
        header: bool | None = None,
        source_column: int = 0,
        target_column: int = 1,
        id_field: str | None = None,
        source_lang: str | None = None,
        target_lang: str | None = None,
        encoding: str = "utf-8",
        on_error: Literal["skip", "fail"] = "skip",
        delimiter: str | None = None,
    ) -> None:
        self.path = str(path)
        self.target_path = None if target_path is None else str(target_path)
        self.source_field = str(source_field)
        self.target_field = str(target_field)
        self.header = header
        self.source_column = source_column
        self.target_column = target_column
        self.id_field = None if id_field is None else str(id_field)
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.encoding, ascii_compatible = check_encoding(encoding)
        self.on_error = on_error
        self.delimiter = delimiter
        check_delimiter(delimiter)
        if not ascii_compatible:
            raise ConfigError(
                f"encoding: pairs.v1 reads its files line by line, which needs an ASCII-compatible encoding; got {encoding!r}",
                hint=f"convert the files to UTF-8 (iconv -f {encoding} -t utf-8)",
            )
        if source_column == target_column:
            raise ConfigError(f"source_column and target_column are both {source_column}", hint="e.g. source_column: 0, target_column: 1")
        if self.target_path is not None and format not in ("auto", "lines"):
            raise ConfigError(
                f"format: {format} does not go with target_path: with target_path both files hold one text per line",
                hint="leave format out (or set format: lines)",
            )
        self.format = "lines" if self.target_path is not None else format
        meta: dict[str, Any] = {}
        if source_lang:
            meta["lang"] = source_lang
        if target_lang:
            meta["target_lang"] = target_lang
        self._meta = meta

    # -- the files ------------------------------------------------------------------
    @property
    def _rel(self) -> str:
        return Path(self.path).name

    def _display(self, rel: str) -> str:
        return self.path

    def _format(self) -> str | None:
        if self.format != "auto":
            return self.format
        return SUFFIX_FORMATS.get(os.path.splitext(self.path)[1].lower())

    def check(self) -> None:
        """Raise :class:`DataError` if a file is missing, of unknown format, or the aligned files differ in length."""
        for name, value in (("path", self.path), ("target_path", self.target_path)):
            if value is None:
                continue
            p = Path(value)
            if not p.exists():
                raise DataError(f"corpus {name} '{value}' does not exist (looked in {p.resolve().as_posix()})",
                                hint=f"check corpus.{name} (relative paths are relative to the current folder)")
            if p.is_dir():
                raise DataError(f"corpus {name} '{value}' is a folder; pairs.v1 reads one file of pairs",
                                hint="name the .tsv/.csv/.jsonl file (or two aligned text files with path + target_path)")
        if self._format() is None:
            raise DataError(
                f"corpus path '{self.path}': cannot tell the pairs format from the suffix '{Path(self.path).suffix or '(none)'}'",
                hint="use a .tsv, .csv or .jsonl file, set format:, or give target_path: for two aligned text files",
            )
        self._check_aligned()

    def _check_aligned(self) -> None:
        if self.target_path is None:
            return
        with open(self.path, "rb") as fs, open(self.target_path, "rb") as ft:
            n_source, n_target = count_lines(fs), count_lines(ft)
        if n_source != n_target:
            raise DataError(
                f"the aligned files differ in length: '{self.path}' has {n_source} lines, '{self.target_path}' has {n_target}",
                hint="line N of path must translate line N of target_path; re-export the two files together",
            )

    def _whole_files(self) -> list[Partition]:
        self.check()
        return [Partition(self._rel, nbytes=Path(self.path).stat().st_size)]

    # -- partitions ---------------------------------------------------------------------
    def partitions(self, target_bytes: int = 8_000_000) -> list[Partition]:
        """The file cut into line ranges of about ``target_bytes`` (aligned files: the same lines of both)."""
        if target_bytes <= 0:
            raise ValueError(f"target_bytes must be > 0, got {target_bytes}")
        whole = self._whole_files()[0]
        size = whole.nbytes
        fmt = self._format()
        if size <= target_bytes:
            return [whole]
        with open(self.path, "rb") as fh:
            if nul_reason(fh.read(BINARY_SNIFF_BYTES)):
                return [whole]
            first_cut = 0
            if fmt in ("csv", "tsv"):
                head = self._header(fh, fmt)
                if isinstance(head, str):
                    return [whole]
                first_cut = head[1]
            if fmt == "csv":
                starts = ((n, off) for n, off, _, _ in iter_rows(fh, fmt, self.encoding, self.delimiter))
            else:
                starts = ((n, off) for n, off, _ in iter_lines(fh))
            cuts = cut_points(starts, target_bytes, first_cut)
        if not cuts:
            return [whole]
        targets: list[int] = []
        if self.target_path is not None:
            with open(self.target_path, "rb") as ft:
                targets = line_offsets(ft, [n for _, n in cuts])
        bounds = [(0, 1), *cuts]
        parts = []
        for i, (start, number) in enumerate(bounds):
            last = i + 1 == len(bounds)
            end = None if last else bounds[i + 1][0]
            t_start = 0 if i == 0 or not targets else targets[i - 1]
            t_end = None if last or not targets else targets[i]
            parts.append(Partition(self._rel, start=start, end=end, number=number,
                                   nbytes=(size if end is None else end) - start, target_start=t_start, target_end=t_end))
        return parts

    # -- reading --------------------------------------------------------------------------
    def read_partition(self, partition: Partition) -> Iterator[Doc | Skipped]:
        """The pairs (and skips) of one partition, in file order."""
        rel = self._rel
        fmt = self._format()
        try:
            with open(self.path, "rb") as fh:
                if partition.start == 0:
                    head = fh.read(BINARY_SNIFF_BYTES)
                    if not head:
                        yield self._problem(rel, rel, "empty: the file has 0 bytes")
                        return
                    bad = nul_reason(head)
                    if bad:
                        yield self._problem(rel, rel, bad)
                        return
                if fmt == "jsonl":
                    yield from self._jsonl(fh, partition)
                elif fmt == "lines":
                    yield from self._aligned(fh, partition)
                else:
                    assert fmt in ("csv", "tsv")
                    yield from self._table(fh, fmt, partition)
        except OSError as exc:
            yield self._problem(rel, rel, f"unreadable: {exc.strerror or exc}")

    def _pair(self, number: int, source: str, target: str, doc_id: str | None = None,
              meta: dict[str, Any] | None = None) -> Doc | Skipped:
        doc_id = doc_id or f"{self._rel}:{number}"
        if not source.strip():
            return self._problem(doc_id, self._rel, "empty: no source text", number)
        if not target.strip():
            return self._problem(doc_id, self._rel, "empty: no target text", number)
        return Doc(id=doc_id, text=source, target=target, meta={**self._meta, **(meta or {})})

    def _jsonl(self, fh: BinaryIO, part: Partition) -> Iterator[Doc | Skipped]:
        rel = self._rel
        for item in self._json_records(fh, rel, part):
            if isinstance(item, Skipped):
                yield item
                continue
            number, doc_id, record = item
            try:
                source = field_text(record, self.source_field, "source_field")
                target = field_text(record, self.target_field, "target_field")
                meta = {}
                if self.id_field:
                    doc_id = field_id(record, self.id_field)
                    meta = {"path": rel, "line": number}
            except BadRecord as exc:
                yield self._problem(doc_id, rel, str(exc), number)
                continue
            yield self._pair(number, source, target, doc_id, meta)

    def _header(self, fh: BinaryIO, fmt: str) -> tuple[list[str] | None, int] | str:
        """(column names or None for no header, header offset or -1), or the problem with the header."""
        if self.header is False:
            return None, -1
        row = first_row(fh, fmt, self.encoding, self.delimiter)
        if isinstance(row, str):
            return row if self.header else (None, -1)
        names, offset = row
        has_fields = self.source_field in names and self.target_field in names
        if self.header is None:
            return (names, offset) if has_fields else (None, -1)
        if not has_fields:
            missing = [f for f in (self.source_field, self.target_field) if f not in names]
            return (f"bad header: no column {missing[0]!r} (columns: {', '.join(names)}); "
                    f"set source_field: / target_field:, or header: false for a file without a header")
        if self.id_field and self.id_field not in names:
            return f"bad header: no column {self.id_field!r} for id_field (columns: {', '.join(names)})"
        return names, offset

    def _table(self, fh: BinaryIO, fmt: str, part: Partition) -> Iterator[Doc | Skipped]:
        rel = self._rel
        head = self._header(fh, fmt)
        if isinstance(head, str):
            yield self._problem(rel, rel, head)
            return
        names, header_at = head
        kind = separator_name(fmt, self.delimiter)
        need = max(self.source_column, self.target_column) + 1
        for item in self._table_rows(fh, rel, fmt, part, names, header_at):
            if isinstance(item, Skipped):
                yield item
                continue
            number, doc_id, cells = item
            meta: dict[str, Any] = {}
            if names is None:
                if len(cells) < need:
                    yield self._problem(doc_id, rel, f"bad columns: expected {need} {kind} columns, got {len(cells)}", number)
                    continue
                source, target = cells[self.source_column], cells[self.target_column]
            else:
                record = dict(zip(names, cells))
                source, target = record[self.source_field], record[self.target_field]
                if self.id_field:
                    doc_id = record.get(self.id_field) or doc_id
                    meta = {"path": rel, "line": number}
            yield self._pair(number, source, target, doc_id, meta)

    def _aligned(self, fh: BinaryIO, part: Partition) -> Iterator[Doc | Skipped]:
        rel = self._rel
        assert self.target_path is not None
        with open(self.target_path, "rb") as ft:
            if part.start == 0:
                bad = nul_reason(ft.read(BINARY_SNIFF_BYTES))
                if bad:
                    yield self._problem(rel, rel, f"{bad} (in target_path {self.target_path})")
                    return
            sources = iter_lines(fh, part.start, part.end, part.number)
            targets = iter_lines(ft, part.target_start, part.target_end, part.number)
            for src, tgt in zip_longest(sources, targets):
                if src is None or tgt is None:
                    # check() compared the lengths; the files changed while being read.
                    self._check_aligned()
                    raise DataError(f"'{self.path}' and '{self.target_path}' went out of step at line "
                                    f"{(src or tgt)[0]}; were they changed while being read?")
                number, offset, raw = src
                _, t_offset, t_raw = tgt
                if raw.isspace() and t_raw.isspace():
                    continue
                doc_id = f"{rel}:{number}"
                try:
                    source = self._line_text(raw, offset, "")
                    target = self._line_text(t_raw, t_offset, f" (in target_path {self.target_path})")
                except UndecodableError as exc:
                    yield self._problem(doc_id, rel, exc.reason, number)
                    continue
                yield self._pair(number, source, target)

    def _line_text(self, raw: bytes, offset: int, where: str) -> str:
        try:
            return decode_record(raw, self.encoding, offset)
        except UndecodableError as exc:
            raise UndecodableError(exc.reason + where) from None


@readers.register("pairs.v1")
def pairs_reader(
    *,
    path: Annotated[str, Field(description="the pairs file (.tsv, .csv, .jsonl), or the source side of two aligned text files")],
    target_path: Annotated[str | None, Field(description="a second text file aligned line by line with path (its line N is the target of line N)")] = None,
    format: Annotated[PairsFormat, Field(description="auto: by suffix; lines: one text per line (set by target_path)")] = "auto",
    source_field: Annotated[str, Field(description="jsonl field / csv-tsv header column of the source, e.g. text")] = "source",
    target_field: Annotated[str, Field(description="jsonl field / csv-tsv header column of the target, e.g. summary")] = "target",
    header: Annotated[bool | None, Field(description="csv/tsv: null = the first row is a header if it names source_field and target_field")] = None,
    source_column: Annotated[int, Field(ge=0, description="csv/tsv without header: column of the source")] = 0,
    target_column: Annotated[int, Field(ge=0, description="csv/tsv without header: column of the target")] = 1,
    id_field: Annotated[str | None, Field(description="field (or header column) holding each pair's own id")] = None,
    source_lang: Annotated[str | None, Field(description="language of the source, kept as meta.lang (e.g. de)")] = None,
    target_lang: Annotated[str | None, Field(description="language of the target, kept as meta.target_lang (e.g. en)")] = None,
    encoding: Annotated[str, Field(description="text encoding of the file(s); must be ASCII-compatible (utf-8, latin-1, ...)")] = "utf-8",
    on_error: Annotated[Literal["skip", "fail"], Field(description="skip: a bad line becomes a listed skip; fail: stop with an error naming it")] = "skip",
    delimiter: Annotated[str | None, Field(description="column separator (default: tab for .tsv, ',' for .csv)")] = None,
) -> PairsReader:
    """Source → target pairs (translation, summarisation) from a .tsv/.csv/.jsonl file or two aligned text files.

    Doc.text is the source, Doc.target the target, the id ``FILE:LINE``;
    ``source_lang``/``target_lang`` go into ``meta`` as ``lang``/``target_lang``.
    """
    return PairsReader(
        path, target_path=target_path, format=format, source_field=source_field, target_field=target_field,
        header=header, source_column=source_column, target_column=target_column, id_field=id_field,
        source_lang=source_lang, target_lang=target_lang, encoding=encoding, on_error=on_error, delimiter=delimiter,
    )
