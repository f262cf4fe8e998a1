"""Vector file formats other tools write and read.

Text files (word2vec with or without its ``COUNT DIM`` header, GloVe, ``.gz``
too) and word2vec binary files are parsed here rather than by gensim, so that
a bad file gets an error naming the file, the line (or vector) and what was
expected — "line 57: expected 1 word + 50 numbers, got 49" — instead of a
bare ``ValueError``. Facebook fastText ``.bin`` and gensim's native files are
read with gensim (their layouts are gensim's business), after a cheap check of
what the file is.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from ..errors import DataError, UsageError
from .vectors import Vectors

logger = logging.getLogger(__name__)

__all__ = ["FASTTEXT_MAGIC", "detect", "read", "read_binary", "read_text", "write_word2vec"]

FASTTEXT_MAGIC = 793712314
_GZIP_MAGIC = b"\x1f\x8b"
_GENSIM_SUFFIXES = (".kv", ".model", ".wv")
_CHUNK = 8192  # rows parsed per numpy call
_TEXT_BYTES = set(range(32, 127)) | {9, 10, 13}


def _open_bytes(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return cast(IO[bytes], gzip.open(path, "rb") if magic == _GZIP_MAGIC else open(path, "rb"))


def _head(path: Path, n: int = 4096) -> bytes:
    try:
        with _open_bytes(path) as fh:
            return fh.read(n)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: the compressed file is cut short or corrupt ({exc})", hint="copy or download the file again") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc})", hint="is it a complete, readable vectors file?") from None


def _looks_textual(data: bytes) -> bool:
    """True if the bytes read as UTF-8 text without control characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(data) - 4:
            return False
        text = data[: exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\n\r" for c in text)


def detect(path: Path) -> str:
    """Guess the format of ``path``: folder, magic bytes, suffix, then the first line."""
    from .vectors import is_artifact

    if path.is_dir():
        if is_artifact(path):
            return "illm"
        raise DataError(
            f"'{path}' is a folder but not a vectors folder (no meta.json)",
            hint="give a vectors folder written by illm, or a vectors file",
        )
    suffixes = [s.lower() for s in path.suffixes]
    if any(s in _GENSIM_SUFFIXES for s in suffixes[-2:]):
        return "gensim"
    head = _head(path, 4096)
    if not head:
        raise DataError(f"{path}: the file is empty", hint="give a word vectors file")
    if fasttext_header(head) is not None:
        return "fasttext-bin"
    first, nl, rest = head.partition(b"\n")
    parts = first.split()
    is_header = len(parts) == 2 and all(p.isdigit() for p in parts)
    if is_header and nl and not _looks_textual(rest[:-8] if len(rest) > 8 else rest):
        return "word2vec-binary"
    if not _looks_textual(head):
        raise DataError(
            f"{path}: not a known vectors file: it is binary but neither word2vec binary (first line 'COUNT DIM') "
            "nor Facebook fastText .bin (magic number)",
            hint="supported: illm vectors folder, word2vec text/binary, GloVe text, fastText .bin, gensim .kv/.model",
        )
    return "word2vec-text" if is_header else "glove"


def read(path: Path, fmt: str, *, limit: int | None = None) -> Vectors:
    """Read one file in format ``fmt`` (never ``auto``/``illm``; see :func:`load_vectors`)."""
    if fmt in ("word2vec-text", "glove"):
        return read_text(path, header=None if fmt == "word2vec-text" else False, limit=limit)
    if fmt == "word2vec-binary":
        return read_binary(path, limit=limit)
    if fmt == "fasttext-bin":
        return read_fasttext_bin(path, limit=limit)
    if fmt == "gensim":
        return read_gensim(path, limit=limit)
    raise UsageError(f"cannot read format '{fmt}' from a file")  # pragma: no cover - load_vectors checks


# -- text ----------------------------------------------------------------------
def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) with errors that say where the file went wrong."""
    lineno = 0
    try:
        with _open_bytes(path) as fh:
            for lineno, raw in enumerate(fh, 1):
                if b"\x00" in raw:
                    raise DataError(f"{path}: line {lineno}: binary data in a text vectors file", hint="is this a binary file? try --format word2vec-binary or fasttext-bin")
                try:
                    yield lineno, raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DataError(
                        f"{path}: line {lineno}: not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})",
                        hint="vectors text files are UTF-8; is this a binary file?",
                    ) from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: the compressed file is cut short or corrupt after line {lineno} ({exc})", hint="download or copy the file again") from None


def read_text(path: Path, *, header: bool | None = None, limit: int | None = None) -> Vectors:
    """word2vec text (``header=None``: a ``COUNT DIM`` first line if there is one) or GloVe (``header=False``)."""
    words: list[str] = []
    blocks: list[np.ndarray] = []
    rows: list[list[str]] = []
    row_lines: list[int] = []
    expected: int | None = None
    dim: int | None = None
    dim_line = 1
    last = 0

    def flush() -> None:
        try:
            blocks.append(np.array(rows, dtype=np.float32))
        except ValueError:
            for lineno, row in zip(row_lines, rows):
                for col, value in enumerate(row, 2):
                    try:
                        float(value)
                    except ValueError:
                        raise DataError(
                            f"{path}: line {lineno}: field {col} is {value[:40]!r}, not a number (expected 1 word + {dim} numbers)",
                            hint="is this a word vectors file?",
                        ) from None
            raise  # pragma: no cover - numpy and float() agree on what a number is
        rows.clear()
        row_lines.clear()

    for lineno, line in _lines(path):
        last = lineno
        text = line.rstrip()
        if not text:
            continue
        if lineno == 1 and header is not False:
            parts = text.split()
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                expected, dim = int(parts[0]), int(parts[1])
                if dim <= 0:
                    raise DataError(f"{path}: line 1: the header says {dim} dimensions", hint="the first line is 'COUNT DIM' with DIM > 0")
                continue
            if header is True:
                raise DataError(f"{path}: line 1: expected a 'COUNT DIM' header, got {text[:60]!r}")
        if limit is not None and len(words) >= limit:
            break
        parts = text.split(" ")
        if dim is None:
            # No header: the first line sets the size, so it must look like a vector itself.
            dim = len(parts) - 1
            dim_line = lineno
            if dim < 1 or not _all_numbers(parts[1:]):
                raise DataError(
                    f"{path}: line {lineno}: expected a word followed by numbers (or a 'COUNT DIM' header), got {text[:60]!r}",
                    hint="is this a word vectors file?",
                )
        if len(parts) != dim + 1:
            raise DataError(
                f"{path}: line {lineno}: expected 1 word + {dim} numbers, got {len(parts) - 1}"
                + (f" (word {parts[0][:40]!r})" if parts else ""),
                hint="the file is damaged or mixes vectors of different sizes"
                + ("; the header on line 1 gives the size" if expected is not None else f"; line {dim_line} set the size"),
            )
        words.append(parts[0])
        rows.append(parts[1:])
        row_lines.append(lineno)
        if len(rows) >= _CHUNK:
            flush()
    if rows:
        flush()
    if not words:
        raise DataError(f"{path}: no vectors found ({last} lines)", hint="is this a word vectors file?")
    if expected is not None and limit is None and len(words) != expected:
        if len(words) < expected:
            raise DataError(
                f"{path}: the header (line 1) promises {expected} vectors, the file ends after {len(words)} (line {last})",
                hint="the file is truncated; copy or download it again",
            )
        raise DataError(f"{path}: the header (line 1) promises {expected} vectors, the file has {len(words)}", hint="fix the header's count")
    matrix = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return _finish(path, words, matrix)


def _all_numbers(fields: list[str]) -> bool:
    try:
        for f in fields:
            float(f)
    except ValueError:
        return False
    return True


# -- word2vec binary ---------------------------------------------------------------
def read_binary(path: Path, *, limit: int | None = None) -> Vectors:
    """word2vec binary: ``COUNT DIM\\n`` then, per word, ``word<space>`` and DIM little-endian float32."""
    with _open_bytes(path) as fh:
        try:
            first = fh.readline(200)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: cannot read the file ({exc})") from None
        parts = first.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise DataError(f"{path}: line 1: expected a 'COUNT DIM' header, got {first[:60]!r}", hint="is this a word2vec binary file?")
        count, dim = int(parts[0]), int(parts[1])
        if dim <= 0:
            raise DataError(f"{path}: line 1: the header says {dim} dimensions")
        n = count if limit is None else min(count, limit)
        width = 4 * dim
        words: list[str] = []
        matrix = np.empty((n, dim), dtype=np.float32)
        buf = b""
        pos = 0
        offset = len(first)  # bytes consumed before buf[0]
        eof = False

        def fill(need: int) -> bool:
            nonlocal buf, pos, offset, eof
            while len(buf) - pos < need and not eof:
                try:
                    more = fh.read(max(1 << 20, need))
                except (OSError, EOFError, zlib.error) as exc:
                    raise DataError(f"{path}: the compressed file is cut short or corrupt after vector {len(words)} ({exc})") from None
                if not more:
                    eof = True
                    break
                offset += pos
                buf = buf[pos:] + more
                pos = 0
            return len(buf) - pos >= need

        for i in range(n):
            fill(1)
            while pos < len(buf) and buf[pos : pos + 1] in (b"\n", b"\r"):
                pos += 1
                fill(1)
            end = buf.find(b" ", pos)
            while end < 0 and not eof and len(buf) - pos < 1024:
                fill(len(buf) - pos + 1)
                end = buf.find(b" ", pos)
            if end < 0 or end - pos > 1024:
                at = offset + pos
                if eof and len(buf) - pos == 0:
                    raise DataError(
                        f"{path}: the header (line 1) promises {count} vectors, the file ends after {i}",
                        hint="the file is truncated; copy or download it again",
                    )
                raise DataError(f"{path}: vector {i + 1} (byte {at}): expected a word followed by a space", hint="is this a word2vec binary file?")
            raw = buf[pos:end]
            try:
                word = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(f"{path}: vector {i + 1} (byte {offset + pos}): the word is not UTF-8 ({raw[:40]!r})", hint="is this a word2vec binary file?") from None
            pos = end + 1
            if not fill(width):
                raise DataError(
                    f"{path}: vector {i + 1} ('{word[:40]}'): expected {dim} numbers ({width} bytes), the file ends after {len(buf) - pos}",
                    hint="the file is truncated; copy or download it again",
                )
            matrix[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=pos)
            pos += width
            words.append(word)
        if limit is None:
            fill(2)
            tail = buf[pos:].strip(b"\n\r")
            if tail:
                raise DataError(f"{path}: the header (line 1) promises {count} vectors, but data follows the last one", hint="fix the header's count")
    return _finish(path, words, matrix)


# -- fastText and gensim (read by gensim) ---------------------------------------------
_FT_FIELDS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn")


def fasttext_header(head: bytes) -> dict[str, int] | None:
    """The settings at the start of a fastText ``.bin``, or None if these bytes are not one.

    Current files start with a magic number; files from fastText before 2017
    start directly with the settings, so those are accepted only when every
    value is plausible — random bytes must never reach gensim's reader, which
    would trust a garbage size.
    """
    if len(head) < 4 * 13:
        return None
    ints = struct.unpack("<13i", head[: 4 * 13])
    values = ints[2:13] if ints[0] == FASTTEXT_MAGIC else ints[:11]
    h = dict(zip(_FT_FIELDS, values))
    plausible = (
        0 < h["dim"] <= 100_000 and 0 < h["ws"] <= 10_000 and 0 < h["epoch"] <= 1_000_000 and 0 <= h["min_count"]
        and 0 <= h["neg"] <= 10_000 and h["loss"] in (1, 2, 3, 4) and h["model"] in (1, 2, 3)
        and 0 <= h["bucket"] <= 1_000_000_000 and 0 <= h["minn"] <= h["maxn"] <= 1_000
    )
    return h if plausible else None


def read_fasttext_bin(path: Path, *, limit: int | None = None) -> Vectors:
    """A Facebook fastText ``.bin`` model: word vectors plus the n-gram table for unseen words."""
    if fasttext_header(_head(path, 64)) is None:
        raise DataError(
            f"{path}: not a Facebook fastText .bin file (no fastText magic number or settings at byte 0)",
            hint="a .vec/.txt file is word2vec text (format word2vec-text); gensim's own files are format gensim",
        )
    from gensim.models.fasttext import load_facebook_vectors

    try:
        kv = load_facebook_vectors(str(path))
    except Exception as exc:  # noqa: BLE001 - gensim raises struct.error, ValueError, EOFError, ... on damaged files
        raise DataError(f"{path}: cannot read this fastText .bin ({type(exc).__name__}: {exc})", hint="the file is damaged or truncated; copy or download it again") from None
    return Vectors.from_keyed_vectors(kv, limit=limit, source=str(path))


def read_gensim(path: Path, *, limit: int | None = None) -> Vectors:
    """gensim's native ``KeyedVectors`` (or a whole Word2Vec/FastText model): a pickle, memory-mapped."""
    from gensim.utils import SaveLoad

    logger.warning("%s is a gensim native file: a Python pickle, which can run code when opened; only open files you trust", path)
    try:
        obj: Any = SaveLoad.load(str(path), mmap="r")
    except Exception as exc:  # noqa: BLE001 - UnpicklingError, EOFError, AttributeError, ... from a foreign or damaged file
        raise DataError(
            f"{path}: cannot read this as a gensim KeyedVectors/model file ({type(exc).__name__}: {exc})",
            hint="is it a gensim .kv/.model file? text and .bin files have their own formats (see --format)",
        ) from None
    kv = getattr(obj, "wv", obj)
    if not hasattr(kv, "index_to_key") or not hasattr(kv, "vectors"):
        raise DataError(f"{path}: holds a gensim {type(obj).__name__}, not word vectors", hint="give a KeyedVectors, Word2Vec or FastText file")
    return Vectors.from_keyed_vectors(kv, limit=limit, source=str(path))


# -- checks and writing ------------------------------------------------------------------
def _finish(path: Path, words: list[str], matrix: np.ndarray) -> Vectors:
    """Refuse NaN/inf, keep the first of duplicated words."""
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        i = int(np.argmin(finite))
        raise DataError(f"{path}: the vector of '{words[i]}' (entry {i + 1}) holds NaN or infinite values", hint="the file is damaged")
    if len(set(words)) != len(words):
        seen: set[str] = set()
        keep = []
        for i, w in enumerate(words):
            if w not in seen:
                seen.add(w)
                keep.append(i)
        logger.warning("%s: %d duplicated words; kept the first vector of each", path, len(words) - len(keep))
        words = [words[i] for i in keep]
        matrix = matrix[keep]
    return Vectors(words, matrix, source=str(path))


def write_word2vec(vectors: Vectors, path: str | Path, *, binary: bool = False) -> Path:
    """Export as word2vec text or binary (``COUNT DIM`` header), atomically; ``.gz`` compresses.

    Binary goes through gensim's writer. Text is written here, each float32
    with 9 significant digits (``%.9g``: always enough to read back the same
    float32) — gensim's text writer formats every value through NumPy's
    shortest-repr routine, about ten times slower.
    """
    from .atomic import atomic_file

    bad = next((w for w in vectors.words if not w or any(c.isspace() for c in w)), None)
    if bad is not None:
        raise DataError(
            f"cannot export {vectors.source or 'the vectors'} as word2vec: the word {bad!r} is empty or holds whitespace",
            hint="word2vec files separate fields by spaces; keep the vectors in the illm folder format instead",
        )
    kv = vectors.to_keyed_vectors()
    if "count" not in kv.expandos:
        # gensim writes in descending 'count' order and warns when there is none; keep our order quietly
        kv.expandos["count"] = np.arange(len(vectors), 0, -1, dtype=np.int64)
    with atomic_file(path) as tmp:
        if binary:
            kv.save_word2vec_format(str(tmp), binary=True, write_header=True)
        else:
            _write_text(vectors, tmp, gz=str(path).lower().endswith(".gz"))
    logger.info("wrote %d vectors as word2vec %s to %s", len(vectors), "binary" if binary else "text", path)
    return Path(path)


def _write_text(vectors: Vectors, path: Path, *, gz: bool) -> None:
    row_format = " ".join(["%.9g"] * vectors.dim)
    with (gzip.open(path, "wt", encoding="utf-8") if gz else open(path, "w", encoding="utf-8")) as fh:
        fh.write(f"{len(vectors)} {vectors.dim}\n")
        for start in range(0, len(vectors), 4096):
            block = np.asarray(vectors.matrix[start : start + 4096], dtype=np.float32).tolist()
            words = vectors.words[start : start + 4096]
            fh.write("".join(f"{w} {row_format % tuple(row)}\n" for w, row in zip(words, block)))
