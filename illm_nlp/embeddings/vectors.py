"""Word vectors in memory, and our own pickle-free folder format for them.

:class:`Vectors` holds a word list and a ``(n, dim)`` float32 matrix (row i is
the vector of ``words[i]``; words come most frequent first when the source
says so), plus fastText sub-word n-gram vectors when the source has them, so a
word never seen in training still gets a vector.

Our artifact is a folder of plain files::

    meta.json      {"format": "illm-vectors", "version": 1, "count", "dim", "subwords": {...} | null, ...}
    vectors.npy    (count, dim) float32
    words.txt      one word per line, line i = row i
    counts.npy     (count,) int64 corpus frequencies, when known
    ngrams.npy     (bucket, dim) float32 fastText n-gram vectors, when kept

Every array is read with ``np.load(allow_pickle=False)``: opening a run folder
never unpickles anything (gensim's own ``.kv``/``.model`` files are pickles, and
unpickling runs code, so they are only opened when a person names the file).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArtifactError, DataError, UsageError, did_you_mean

logger = logging.getLogger(__name__)

__all__ = ["ARTIFACT_FORMAT", "FORMATS", "Subwords", "Vectors", "load_vectors"]

ARTIFACT_FORMAT = "illm-vectors"
ARTIFACT_VERSION = 1
#: the names ``format=`` accepts (see :func:`load_vectors`).
FORMATS = ("auto", "illm", "word2vec-text", "word2vec-binary", "glove", "fasttext-bin", "gensim")


@dataclass
class Subwords:
    """fastText character n-gram vectors: a word's vector is the mean of its n-grams' rows.

    The hashing is fastText's own (as gensim computes it), so tables read from a
    Facebook ``.bin`` and tables trained by gensim give the same vectors.
    """

    ngrams: np.ndarray
    min_n: int
    max_n: int

    @property
    def bucket(self) -> int:
        return int(self.ngrams.shape[0])

    def vector(self, word: str) -> np.ndarray | None:
        """The mean of the word's n-gram vectors, or None if it has no n-grams (e.g. empty)."""
        from gensim.models.fasttext import ft_ngram_hashes

        if self.bucket == 0:
            return None
        hashes = ft_ngram_hashes(word, self.min_n, self.max_n, self.bucket)
        if not hashes:
            return None
        return np.asarray(self.ngrams[hashes], dtype=np.float32).mean(axis=0)

    def settings(self) -> dict[str, int]:
        return {"min_n": self.min_n, "max_n": self.max_n, "bucket": self.bucket}


class Vectors:
    """Words and their vectors: ``words[i]`` ↔ ``matrix[i]``.

    ``get(word)`` gives the stored vector, else (fastText) one built from the
    word's sub-words, else None. ``counts`` are corpus frequencies when the
    source knows them (vectors trained here, gensim files).
    """

    def __init__(
        self,
        words: Sequence[str],
        matrix: np.ndarray,
        *,
        counts: np.ndarray | Sequence[int] | None = None,
        subwords: Subwords | None = None,
        source: str = "",
        meta: dict[str, Any] | None = None,
    ) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise ValueError(f"{len(words)} words but a matrix of shape {matrix.shape}")
        self.words: list[str] = list(words)
        self.matrix: np.ndarray = matrix if matrix.dtype == np.float32 else matrix.astype(np.float32)
        self.counts: np.ndarray | None = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(self.words),):
            raise ValueError(f"{len(self.words)} words but {self.counts.shape[0]} counts")
        if subwords is not None and subwords.ngrams.shape[1:] != (self.matrix.shape[1],):
            raise ValueError(f"n-gram vectors of shape {subwords.ngrams.shape} do not fit {self.matrix.shape[1]} dimensions")
        self.subwords = subwords
        self.source = source
        self.meta: dict[str, Any] = dict(meta or {})
        self._index: dict[str, int] | None = None

    # -- looking words up ---------------------------------------------------
    @property
    def index(self) -> dict[str, int]:
        """word → row, built on first use."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        return self._index

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def has_subwords(self) -> bool:
        return self.subwords is not None and self.subwords.bucket > 0

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        sub = f", sub-words {self.subwords.settings()}" if self.subwords else ""
        return f"Vectors({len(self)} words × {self.dim}{sub}, from {self.source or '?'})"

    def get(self, word: str) -> np.ndarray | None:
        """The word's vector; for fastText vectors an unseen word gets its sub-word vector; else None."""
        i = self.index.get(word)
        if i is not None:
            return np.asarray(self.matrix[i])
        if self.subwords is not None:
            return self.subwords.vector(word)
        return None

    def require(self, word: str, what: str = "word") -> np.ndarray:
        """Like :meth:`get`, but an unknown word is a :class:`UsageError` with a did-you-mean."""
        vec = self.get(word)
        if vec is not None:
            return vec
        hint = None
        if word.lower() in self.index:
            hint = f"these vectors have '{word.lower()}' (lower case)"
        elif word.capitalize() in self.index:
            hint = f"these vectors have '{word.capitalize()}'"
        raise UsageError(
            f"{what} '{word}' is not in the vectors ({self.source or 'in memory'}, {len(self):,} words).{self.suggest(word)}",
            hint=hint or "check the spelling and case; `illm embed info VECTORS` shows the most frequent words",
        )

    def suggest(self, word: str) -> str:
        """A did-you-mean over the vocabulary (the 200,000 most frequent words, to stay quick)."""
        return did_you_mean(word, self.words[:200_000])

    # -- statistics used by the missing-word policies ------------------------
    def mean(self) -> np.ndarray:
        """Per-dimension mean of the word vectors (a sample of 100,000 rows at most)."""
        return np.asarray(self._sample().mean(axis=0), dtype=np.float32)

    def std(self) -> np.ndarray:
        """Per-dimension standard deviation of the word vectors (same sample as :meth:`mean`)."""
        return np.asarray(self._sample().std(axis=0), dtype=np.float32)

    def _sample(self) -> np.ndarray:
        # Vectors files are frequency ordered, so the first rows are the best-trained ones.
        return np.asarray(self.matrix[:100_000], dtype=np.float64)

    # -- subsets --------------------------------------------------------------
    def head(self, limit: int | None) -> Vectors:
        """The first ``limit`` words (the most frequent, in a frequency-ordered source)."""
        if limit is None or limit >= len(self):
            return self
        return Vectors(
            self.words[:limit],
            self.matrix[:limit],
            counts=None if self.counts is None else self.counts[:limit],
            subwords=self.subwords,
            source=self.source,
            meta=self.meta,
        )

    def restrict(self, keep: set[str] | dict[str, Any]) -> Vectors:
        """Only the words in ``keep``, in the original order (sub-words are kept whole)."""
        rows = [i for i, w in enumerate(self.words) if w in keep]
        return Vectors(
            [self.words[i] for i in rows],
            np.asarray(self.matrix)[rows],
            counts=None if self.counts is None else self.counts[rows],
            subwords=self.subwords,
            source=self.source,
            meta=self.meta,
        )

    # -- gensim interop ---------------------------------------------------------
    def to_keyed_vectors(self) -> Any:
        """A gensim ``KeyedVectors`` sharing this matrix (for most_similar and the evaluations)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.index_to_key = list(self.words)
        kv.key_to_index = dict(self.index)
        kv.vectors = np.asarray(self.matrix)
        kv.norms = None
        if self.counts is not None:
            kv.expandos["count"] = np.asarray(self.counts)
        return kv

    @classmethod
    def from_keyed_vectors(cls, kv: Any, *, limit: int | None = None, source: str = "") -> Vectors:
        """Take words, vectors, counts and (FastTextKeyedVectors) n-gram vectors from gensim."""
        n = len(kv.index_to_key) if limit is None else min(limit, len(kv.index_to_key))
        words = list(kv.index_to_key[:n])
        matrix = np.asarray(kv.vectors[:n], dtype=np.float32)
        counts = None
        if "count" in getattr(kv, "expandos", {}):
            raw = np.asarray(kv.expandos["count"][:n])
            counts = raw.astype(np.int64) if raw.any() else None
        subwords = None
        ngrams = getattr(kv, "vectors_ngrams", None)
        if ngrams is not None and int(getattr(kv, "bucket", 0) or 0) > 0:
            subwords = Subwords(np.asarray(ngrams, dtype=np.float32), int(kv.min_n), int(kv.max_n))
        return cls(words, matrix, counts=counts, subwords=subwords, source=source)

    # -- our artifact folder ----------------------------------------------------
    def save(self, path: str | Path, *, extra: dict[str, Any] | None = None) -> Path:
        """Write the artifact folder (see the module docs), atomically; returns its path."""
        from .atomic import atomic_dir

        with atomic_dir(path) as tmp:
            self.write_into(tmp, extra=extra)
        logger.info("saved %d vectors × %d to %s", len(self), self.dim, path)
        return Path(path)

    def write_into(self, folder: Path, *, extra: dict[str, Any] | None = None) -> None:
        """Write the artifact files into an existing (temporary) folder."""
        bad = next((w for w in self.words if "\n" in w or "\r" in w or w == ""), None)
        if bad is not None:
            raise DataError(
                f"cannot save the vectors of {self.source or 'memory'}: the word {bad!r} is empty or holds a line break",
                hint="clean the word list (words.txt stores one word per line)",
            )
        np.save(folder / "vectors.npy", np.ascontiguousarray(self.matrix, dtype=np.float32), allow_pickle=False)
        (folder / "words.txt").write_text("".join(w + "\n" for w in self.words), encoding="utf-8")
        if self.counts is not None:
            np.save(folder / "counts.npy", self.counts, allow_pickle=False)
        if self.subwords is not None:
            np.save(folder / "ngrams.npy", np.ascontiguousarray(self.subwords.ngrams, dtype=np.float32), allow_pickle=False)
        meta = {
            **self.meta,
            **(extra or {}),
            "format": ARTIFACT_FORMAT,
            "version": ARTIFACT_VERSION,
            "count": len(self),
            "dim": self.dim,
            "counts": self.counts is not None,
            "subwords": self.subwords.settings() if self.subwords is not None else None,
            "source": self.source,
        }
        (folder / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path, *, mmap: bool = True) -> Vectors:
        """Read an artifact folder; arrays are memory-mapped (read-only) unless ``mmap=False``."""
        folder = Path(path)
        meta_path = folder / "meta.json"
        if not folder.is_dir():
            raise ArtifactError(f"'{folder}' is not a vectors folder (no such folder)", hint="give the folder `illm embed train --output` wrote")
        if not meta_path.is_file():
            raise ArtifactError(
                f"'{folder}' is not a vectors folder: meta.json is missing",
                hint="a vectors folder holds meta.json, vectors.npy and words.txt, as written by illm",
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"{meta_path}: not valid JSON ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != ARTIFACT_FORMAT:
            raise ArtifactError(f"{meta_path}: expected \"format\": \"{ARTIFACT_FORMAT}\", got {meta.get('format') if isinstance(meta, dict) else meta!r}")
        if int(meta.get("version", 0)) > ARTIFACT_VERSION:
            raise ArtifactError(
                f"{meta_path}: vectors folder version {meta.get('version')} is newer than this toolkit reads ({ARTIFACT_VERSION})",
                hint="upgrade illm-nlp",
            )
        mode = "r" if mmap else None
        matrix = _load_array(folder / "vectors.npy", mode)
        count, dim = int(meta.get("count", -1)), int(meta.get("dim", -1))
        if matrix.ndim != 2 or matrix.shape != (count, dim) or matrix.dtype != np.float32:
            raise ArtifactError(
                f"{folder / 'vectors.npy'}: expected a float32 matrix of {count} × {dim} (meta.json), got {matrix.dtype} {matrix.shape}",
                hint="the folder is damaged or mixed from two runs; write it again",
            )
        words_path = folder / "words.txt"
        if not words_path.is_file():
            raise ArtifactError(f"{words_path} is missing", hint="the folder is incomplete; write it again")
        words = words_path.read_text(encoding="utf-8").split("\n")
        if words and words[-1] == "":
            words.pop()
        if len(words) != count:
            raise ArtifactError(f"{words_path}: expected {count} words (meta.json), got {len(words)}", hint="the folder is damaged or mixed from two runs; write it again")
        counts = None
        if meta.get("counts"):
            counts = _load_array(folder / "counts.npy", None)
            if counts.shape != (count,):
                raise ArtifactError(f"{folder / 'counts.npy'}: expected {count} counts, got shape {counts.shape}")
        subwords = None
        sub = meta.get("subwords")
        if sub:
            ngrams = _load_array(folder / "ngrams.npy", mode)
            if ngrams.shape != (int(sub["bucket"]), dim):
                raise ArtifactError(f"{folder / 'ngrams.npy'}: expected {sub['bucket']} × {dim} n-gram vectors, got {ngrams.shape}")
            subwords = Subwords(ngrams, int(sub["min_n"]), int(sub["max_n"]))
        extra = {k: v for k, v in meta.items() if k not in ("format", "version", "count", "dim", "counts", "subwords", "source")}
        return cls(words, matrix, counts=counts, subwords=subwords, source=str(folder), meta=extra)


def _load_array(path: Path, mmap_mode: str | None) -> np.ndarray:
    if not path.is_file():
        raise ArtifactError(f"{path} is missing", hint="the vectors folder is incomplete; write it again")
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)  # type: ignore[arg-type]
    except (ValueError, OSError, EOFError) as exc:
        raise ArtifactError(f"{path}: not a readable .npy array ({exc})", hint="the folder is damaged; write it again") from None


def is_artifact(path: Path) -> bool:
    return path.is_dir() and (path / "meta.json").is_file()


def load_vectors(path: str | Path, *, format: str = "auto", limit: int | None = None) -> Vectors:
    """Load word vectors from any supported file (or our folder); keep the first ``limit`` words.

    ``format``: ``auto`` (from the folder, magic bytes, suffix and first line),
    ``illm`` (our folder), ``word2vec-text`` (with or without a ``COUNT DIM``
    header, ``.gz`` too), ``glove`` (text without a header), ``word2vec-binary``,
    ``fasttext-bin`` (Facebook ``.bin``, sub-words kept), ``gensim`` (a native
    ``KeyedVectors``/model file: a *pickle*, memory-mapped; only open files you trust).
    """
    from . import formats

    p = Path(path)
    if format not in FORMATS:
        raise UsageError(f"unknown vectors format '{format}'.{did_you_mean(format, FORMATS)}", hint=f"choose one of: {', '.join(FORMATS)}")
    if limit is not None and limit <= 0:
        raise UsageError(f"limit must be a positive number of words, got {limit}")
    if not p.exists():
        raise DataError(f"vectors file '{p}' does not exist", hint="check the path (a vectors folder written by illm, or a .txt/.vec/.gz/.bin/.kv file)")
    fmt = formats.detect(p) if format == "auto" else format
    logger.info("loading %s vectors from %s%s", fmt, p, f" (first {limit:,} words)" if limit else "")
    if fmt == "illm":
        return Vectors.load(p).head(limit)
    if p.is_dir():
        raise DataError(f"'{p}' is a folder, but format '{fmt}' is a single file", hint="name the file, or use format auto for a vectors folder")
    return formats.read(p, fmt, limit=limit)
