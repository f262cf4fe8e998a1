"""``folder.v1``: a folder (or one file) of documents — plain text, Markdown, HTML, JSON Lines, CSV, TSV.

The reader is re-iterable (each pass opens the files again), streams line
formats line by line so memory stays flat, yields files in sorted order, and
reports every file, line or paragraph it cannot use as a
:class:`~illm_nlp.document.Skipped` with the reason (``on_error: skip``) or
stops with a :class:`~illm_nlp.errors.DataError` naming the file and line
(``on_error: fail``). See ``docs/readers.md``.

Document ids are the path relative to ``path`` (posix), plus ``:LINE`` for
line formats and ``unit: line``, or ``#PARAGRAPH`` for ``unit: paragraph``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import Field

from ..document import Doc, Skipped
from ..errors import ConfigError, DataError
from ..registry import readers
from ._base import BadRecord, FileReader, check_delimiter, field_id, field_label, field_text
from ._files import GlobSet, Listing, list_files
from ._spans import Partition, cut_points, first_row, iter_csv_rows, iter_lines, iter_paragraphs
from ._text import BINARY_SNIFF_BYTES, UndecodableError, check_encoding, decode, decode_record, nul_reason, strip_html

logger = logging.getLogger(__name__)

__all__ = ["SUFFIX_FORMATS", "FolderReader", "folder_reader"]

#: file suffix (lower-cased) -> format
SUFFIX_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
}
#: formats whose files hold one record per line (or per CSV record)
RECORD_FORMATS = frozenset({"jsonl", "csv", "tsv"})

Format = Literal["auto", "txt", "md", "html", "jsonl", "csv", "tsv"]


class FolderReader(FileReader):
    """Re-iterable documents from a folder or a single file; see :func:`folder_reader` for the options."""

    def __init__(
        self,
        path: str,
        *,
        include: list[str] | str | None = None,
        exclude: list[str] | str | None = None,
        recursive: bool = True,
        format: Format = "auto",
        encoding: str = "utf-8",
        on_error: Literal["skip", "fail"] = "skip",
        unit: Literal["file", "paragraph", "line"] = "file",
        label_from: Literal["none", "folder", "field"] = "none",
        text_field: str = "text",
        label_field: str = "label",
        target_field: str | None = None,
        id_field: str | None = None,
        header: bool = True,
        delimiter: str | None = None,
        min_chars: int = 1,
        max_bytes: int | None = None,
    ) -> None:
        self.path = str(path)
        self.include = [include] if isinstance(include, str) else list(include or [])
        self.exclude = [exclude] if isinstance(exclude, str) else list(exclude or [])
        self.recursive = recursive
        self.format = format
        self.encoding, self._ascii = check_encoding(encoding)
        self.on_error = on_error
        self.unit = unit
        self.label_from = label_from
        self.text_field = str(text_field)
        self.label_field = str(label_field)
        self.target_field = None if target_field is None else str(target_field)
        self.id_field = None if id_field is None else str(id_field)
        self.header = header
        self.delimiter = delimiter
        self.min_chars = min_chars
        self.max_bytes = max_bytes
        check_delimiter(delimiter)
        if label_from == "folder" and not recursive:
            raise ConfigError(
                "label_from: folder takes each label from the sub-folder a file is in, but recursive is false",
                hint="set recursive: true (or label_from: field / none)",
            )
        self._include = GlobSet(self.include)
        self._exclude = GlobSet(self.exclude)

    # -- the collection -------------------------------------------------------
    @property
    def _root(self) -> Path:
        p = Path(self.path)
        return p.parent if p.is_file() else p

    def _display(self, rel: str) -> str:
        p = Path(self.path)
        if p.is_file() or not rel:
            return self.path
        return (p / rel).as_posix()

    def _format_of(self, rel: str) -> str | None:
        if self.format != "auto":
            return self.format
        return SUFFIX_FORMATS.get(os.path.splitext(rel)[1].lower())

    def _keep(self, rel: str) -> bool:
        if self._exclude and self._exclude.matches(rel):
            return False
        if self._include:
            return self._include.matches(rel)
        return self.format != "auto" or os.path.splitext(rel)[1].lower() in SUFFIX_FORMATS

    def _listing(self) -> Listing:
        p = Path(self.path)
        if not p.exists():
            raise DataError(
                f"corpus path '{self.path}' does not exist (looked in {p.resolve().as_posix()})",
                hint="check corpus.path (relative paths are relative to the current folder), or pass --input PATH",
            )
        if p.is_file():
            return Listing([p.name], {}, {})
        return list_files(p, recursive=self.recursive, keep=self._keep)

    def _selection(self) -> str:
        inc = ", ".join(self.include) if self.include else (
            "every file" if self.format != "auto" else "files ending in " + " ".join(sorted(set(SUFFIX_FORMATS)))
        )
        return f"include: {inc}; exclude: {', '.join(self.exclude) or 'nothing'}; recursive: {str(self.recursive).lower()}"

    def check(self) -> None:
        """Raise :class:`DataError` if the path is missing or no file matches; reads no file."""
        listing = self._listing()
        p = Path(self.path)
        if p.is_file():
            if self._format_of(p.name) is None:
                raise DataError(
                    f"corpus path '{self.path}': cannot tell its format from the suffix '{p.suffix or '(none)'}'",
                    hint=f"set format: to one of {', '.join(sorted(set(SUFFIX_FORMATS.values())))}",
                )
            return
        if not listing.files and not listing.errors:
            others = ", ".join(f"{s} ({n})" for s, n in sorted(listing.seen_suffixes.items(), key=lambda kv: -kv[1])[:6])
            raise DataError(
                f"corpus path '{self.path}' matches no files ({self._selection()})",
                hint=(f"it holds other files: {others}; adjust include: / exclude: / format:" if others
                      else "the folder is empty (hidden files and folders are left out)"),
            )

    def _whole_files(self) -> list[Partition]:
        return [Partition(rel, error=err) for rel, err in self._listing().entries()]

    # -- partitions -------------------------------------------------------------
    def partitions(self, target_bytes: int = 8_000_000) -> list[Partition]:
        """The collection cut into pieces of about ``target_bytes``: whole files, and ranges of big line-format files.

        Ranges start at a record (a line, a paragraph or a CSV record), so
        reading the partitions in order gives exactly what iterating gives.
        """
        if target_bytes <= 0:
            raise ValueError(f"target_bytes must be > 0, got {target_bytes}")
        out: list[Partition] = []
        for part in self._whole_files():
            out.extend(self._split(part, target_bytes))
        return out

    def _splittable(self, fmt: str | None) -> bool:
        if not self._ascii or fmt is None:
            return False
        return fmt in RECORD_FORMATS or (fmt in ("txt", "md") and self.unit != "file")

    def _split(self, part: Partition, target_bytes: int) -> list[Partition]:
        if part.error:
            return [part]
        rel = part.file
        path = self._root / rel
        try:
            size = path.stat().st_size
        except OSError:
            return [part]  # read_partition reports it
        whole = Partition(rel, nbytes=size)
        fmt = self._format_of(rel)
        if size <= target_bytes or not self._splittable(fmt) or (self.max_bytes and size > self.max_bytes):
            return [whole]
        if fmt is None or self._label_problem(rel, fmt):
            return [whole]  # one skip for the whole file
        try:
            with open(path, "rb") as fh:
                if nul_reason(fh.read(BINARY_SNIFF_BYTES)):
                    return [whole]
                if fmt in ("csv", "tsv") and self.header:
                    head = first_row(fh, fmt, self.encoding, self.delimiter)
                    if isinstance(head, str):
                        return [whole]
                    first_cut = head[1]
                else:
                    first_cut = 0
                if fmt == "csv":
                    starts = ((n, off) for n, off, _, _ in iter_csv_rows(fh, self.encoding, self.delimiter or ","))
                elif fmt in ("txt", "md") and self.unit == "paragraph":
                    starts = ((n, off) for n, off, _ in iter_paragraphs(fh))
                else:
                    starts = ((n, off) for n, off, _ in iter_lines(fh))
                cuts = cut_points(starts, target_bytes, first_cut)
        except OSError:
            return [whole]
        if not cuts:
            return [whole]
        bounds = [(0, 1), *cuts]
        parts = []
        for i, (start, number) in enumerate(bounds):
            end = bounds[i + 1][0] if i + 1 < len(bounds) else None
            parts.append(Partition(rel, start=start, end=end, number=number, nbytes=(end if end is not None else size) - start))
        return parts

    # -- reading ------------------------------------------------------------------
    def read_partition(self, partition: Partition) -> Iterator[Doc | Skipped]:
        """The documents (and skips) of one partition, in file order."""
        rel = partition.file
        if partition.error:
            yield self._problem(rel, rel, partition.error)
            return
        fmt = self._format_of(rel)
        if fmt is None:
            suffix = os.path.splitext(rel)[1] or "(none)"
            yield self._problem(rel, rel, f"unsupported format: cannot read '{suffix}' files; "
                                          f"set format: to read every file as one format, or exclude: them")
            return
        path = self._root / rel
        try:
            if partition.start == 0:
                size = path.stat().st_size
                if self.max_bytes is not None and size > self.max_bytes:
                    yield self._problem(rel, rel, f"too large: {size} bytes, more than max_bytes ({self.max_bytes})")
                    return
                if size == 0:
                    yield self._problem(rel, rel, "empty: the file has 0 bytes")
                    return
            with open(path, "rb") as fh:
                yield from self._read_open(fh, rel, fmt, partition)
        except OSError as exc:
            yield self._problem(rel, rel, f"unreadable: {exc.strerror or exc}")

    def _label_problem(self, rel: str, fmt: str) -> str | None:
        """Why no document of this file can have a label, if that is so."""
        if self.label_from == "folder" and "/" not in rel:
            return f"no label: the file is not inside a sub-folder of '{self.path}' (label_from: folder)"
        if self.label_from == "field" and fmt not in RECORD_FORMATS:
            return f"no label: a .{fmt} file has no fields (label_from: field); use label_from: folder, or exclude: such files"
        return None

    def _read_open(self, fh: BinaryIO, rel: str, fmt: str, part: Partition) -> Iterator[Doc | Skipped]:
        problem = self._label_problem(rel, fmt)
        if problem:
            yield self._problem(rel, rel, problem)
            return
        label = rel.split("/")[0] if self.label_from == "folder" else None
        if part.start == 0 and self._ascii:
            bad = nul_reason(fh.read(BINARY_SNIFF_BYTES))
            if bad:
                yield self._problem(rel, rel, bad)
                return
            fh.seek(0)
        if fmt in RECORD_FORMATS:
            if not self._ascii:
                yield self._problem(rel, rel, f"unsupported encoding: {self.encoding} is not ASCII-compatible, "
                                              f"which .{fmt} files need here; convert the file to UTF-8 "
                                              f"(iconv -f {self.encoding} -t utf-8)")
                return
            if fmt == "jsonl":
                yield from self._jsonl(fh, rel, part)
            else:
                yield from self._table(fh, rel, fmt, part)
            return
        if fmt == "html" or self.unit == "file" or not self._ascii:
            yield from self._whole_text(fh, rel, fmt, label)
        elif self.unit == "line":
            for number, offset, raw in iter_lines(fh, part.start, part.end, part.number):
                if raw.isspace():
                    continue
                doc_id = f"{rel}:{number}"
                try:
                    text = decode_record(raw, self.encoding, offset)
                except UndecodableError as exc:
                    yield self._problem(doc_id, rel, exc.reason, number)
                    continue
                yield self._doc(doc_id, rel, text, label, number=number)
        else:
            for number, offset, para in iter_paragraphs(fh, part.start, part.end, part.number):
                doc_id = f"{rel}#{number}"
                try:
                    text = decode_record(para, self.encoding, offset).replace("\r\n", "\n").strip()
                except UndecodableError as exc:
                    yield self._problem(doc_id, rel, exc.reason, number, unit="paragraph")
                    continue
                yield self._doc(doc_id, rel, text, label, number=number, unit="paragraph")

    def _whole_text(self, fh: BinaryIO, rel: str, fmt: str, label: str | None) -> Iterator[Doc | Skipped]:
        """A file read whole (unit: file, HTML, or an encoding that is not ASCII-compatible), then cut by unit."""
        data = fh.read()
        bad = nul_reason(data) if self._ascii else None
        if bad:
            yield self._problem(rel, rel, bad)
            return
        try:
            text = decode(data, self.encoding, 0, strip_bom=True)
        except UndecodableError as exc:
            yield self._problem(rel, rel, exc.reason)
            return
        del data
        if fmt == "html":
            text = strip_html(text)
        if self.unit == "file":
            yield self._doc(rel, rel, text, label)
            return
        lines = text.replace("\r\n", "\n").split("\n")
        del text
        if self.unit == "line":
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield self._doc(f"{rel}:{number}", rel, line, label, number=number)
            return
        number, para = 1, []
        for line in [*lines, ""]:
            if line.strip():
                para.append(line)
            elif para:
                yield self._doc(f"{rel}#{number}", rel, "\n".join(para).strip(), label, number=number, unit="paragraph")
                number, para = number + 1, []

    def _doc(self, doc_id: str, rel: str, text: str, label: str | list[str] | None, *, target: str | None = None,
             number: int | None = None, unit: str = "line", meta: dict[str, Any] | None = None) -> Doc | Skipped:
        if self.min_chars <= 1:
            n = 0 if not text or text.isspace() else 1  # no copy: texts can be huge
        else:
            n = len(text.strip()) if len(text) < 1 << 20 else (0 if text.isspace() else len(text))
        if n < self.min_chars:
            reason = "empty: no text" if n == 0 else f"empty: {n} characters, fewer than min_chars ({self.min_chars})"
            return self._problem(doc_id, rel, reason, number, unit)
        return Doc(id=doc_id, text=text, label=label, target=target, meta=meta or {})

    # -- record formats -----------------------------------------------------------
    def _record(self, record: dict[str, Any], rel: str, number: int) -> Doc | Skipped:
        doc_id = f"{rel}:{number}"
        try:
            text = field_text(record, self.text_field, "text_field")
            label = field_label(record, self.label_field) if self.label_from == "field" else None
            if self.label_from == "folder":
                label = rel.split("/")[0]
            target = field_text(record, self.target_field, "target_field") if self.target_field else None
            meta: dict[str, Any] = {}
            if self.id_field:
                doc_id = field_id(record, self.id_field)
                meta = {"path": rel, "line": number}
        except BadRecord as exc:
            return self._problem(doc_id, rel, str(exc), number)
        return self._doc(doc_id, rel, text, label, target=target, number=number, meta=meta)

    def _jsonl(self, fh: BinaryIO, rel: str, part: Partition) -> Iterator[Doc | Skipped]:
        for item in self._json_records(fh, rel, part):
            if isinstance(item, Skipped):
                yield item
            else:
                number, _, record = item
                yield self._record(record, rel, number)

    def _table(self, fh: BinaryIO, rel: str, fmt: str, part: Partition) -> Iterator[Doc | Skipped]:
        names: list[str] | None = None
        header_at = -1
        if self.header:
            head = first_row(fh, fmt, self.encoding, self.delimiter)
            if isinstance(head, str):
                yield self._problem(rel, rel, head)
                return
            names, header_at = head
        for item in self._table_rows(fh, rel, fmt, part, names, header_at):
            if isinstance(item, Skipped):
                yield item
                continue
            number, _, cells = item
            record = dict(zip(names, cells)) if names is not None else {str(i): c for i, c in enumerate(cells)}
            yield self._record(record, rel, number)


@readers.register("folder.v1")
def folder_reader(
    *,
    path: Annotated[str, Field(description="folder of documents (or one file); relative to the current folder")],
    include: Annotated[list[str] | str | None, Field(description="globs of files to read, e.g. ['*.txt', 'train/**']; default: every supported suffix")] = None,
    exclude: Annotated[list[str] | str | None, Field(description="globs of files (or folders) to leave out, e.g. ['README.md', 'drafts']")] = None,
    recursive: Annotated[bool, Field(description="read sub-folders too")] = True,
    format: Annotated[Format, Field(description="auto: by suffix (.txt .md .html/.htm .jsonl .csv .tsv); else read every file as this")] = "auto",
    encoding: Annotated[str, Field(description="text encoding of the files, e.g. utf-8, latin-1, cp1252")] = "utf-8",
    on_error: Annotated[Literal["skip", "fail"], Field(description="skip: an unreadable file/line becomes a listed skip; fail: stop with an error naming it")] = "skip",
    unit: Annotated[Literal["file", "paragraph", "line"], Field(description="for .txt/.md/.html: one document per file, per blank-line separated paragraph, or per line")] = "file",
    label_from: Annotated[Literal["none", "folder", "field"], Field(description="folder: the first sub-folder under path (train/grain/x.txt -> grain); field: label_field of jsonl/csv/tsv records")] = "none",
    text_field: Annotated[str | int, Field(description="jsonl/csv/tsv field holding the text (a column number with header: false)")] = "text",
    label_field: Annotated[str | int, Field(description="field holding the label (with label_from: field); a list stays a list (multi-label)")] = "label",
    target_field: Annotated[str | int | None, Field(description="field holding a target text (e.g. a summary), kept as Doc.target")] = None,
    id_field: Annotated[str | int | None, Field(description="field holding the record's own id, used as the document id")] = None,
    header: Annotated[bool, Field(description="csv/tsv: the first row names the columns; false: name columns by number ('0', '1', ...)")] = True,
    delimiter: Annotated[str | None, Field(description="csv/tsv column separator (default: ',' for .csv, tab for .tsv)")] = None,
    min_chars: Annotated[int, Field(ge=0, description="documents with fewer non-space characters are skipped as empty")] = 1,
    max_bytes: Annotated[int | None, Field(gt=0, description="files larger than this are skipped (default: no limit)")] = None,
) -> FolderReader:
    """Documents from a folder: .txt .md .html .jsonl .csv .tsv, labels from sub-folders or fields.

    Streams line formats (memory stays flat), re-reads the files on every
    pass, yields them in sorted path order, and lists every file or line it
    cannot read with the reason. Ids are the relative path, plus ``:LINE``
    for line formats and ``#PARAGRAPH`` for ``unit: paragraph``.
    """
    return FolderReader(
        path, include=include, exclude=exclude, recursive=recursive, format=format, encoding=encoding,
        on_error=on_error, unit=unit, label_from=label_from, text_field=str(text_field), label_field=str(label_field),
        target_field=None if target_field is None else str(target_field), id_field=None if id_field is None else str(id_field),
        header=header, delimiter=delimiter, min_chars=min_chars, max_bytes=max_bytes,
    )
