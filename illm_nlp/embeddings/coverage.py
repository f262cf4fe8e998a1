"""How much of a vocabulary a set of word vectors covers.

Reported when a Keras model is initialised from vectors and when pretrained
vectors join a pipeline, and saved with the run: a model whose frequent words
are missing from its vectors starts from noise for those words, and the most
frequent missing words usually show why (case, tokenisation, another language).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..vocab import PAD, Vocabulary
from .vectors import Vectors

__all__ = ["Coverage", "lookup_rows", "measure_coverage"]


@dataclass
class Coverage:
    """Coverage of a vocabulary's words (special tokens left out) by a set of vectors.

    ``vocab_share``: share of the words found (exactly, or lower-cased when
    ``lowercase_fallback``). ``token_share``: the same weighted by the
    vocabulary's corpus counts (every word counts once when the vocabulary has
    no counts). ``missing_top``: the most frequent words not found, whatever the
    missing-word policy then gave them (``subword`` says how many of those got a
    fastText sub-word vector).
    """

    vocab_size: int
    found: int
    found_lowercase: int
    missing: int
    vocab_share: float
    token_share: float
    missing_top: list[tuple[str, int]] = field(default_factory=list)
    subword: int = 0
    policy: str | None = None
    weighted_by_counts: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["missing_top"] = [[w, c] for w, c in self.missing_top]
        data["vocab_share"] = round(self.vocab_share, 6)
        data["token_share"] = round(self.token_share, 6)
        return data

    def save(self, path: str | Path) -> None:
        """Write ``to_dict()`` as JSON, atomically."""
        from ..output import atomic_write_text

        atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    def summary(self) -> str:
        """One line for logs and the CLI."""
        top = ", ".join(f"{w} ({c})" for w, c in self.missing_top[:5])
        return (
            f"{self.found + self.found_lowercase:,}/{self.vocab_size:,} words found in the vectors "
            f"({self.vocab_share:.1%} of the vocabulary, {self.token_share:.1%} of tokens"
            + (f"; {self.found_lowercase:,} lower-cased" if self.found_lowercase else "")
            + (f"; {self.subword:,} from sub-words" if self.subword else "")
            + ")"
            + (f"; most frequent missing: {top}" if top else "")
        )


def lookup_rows(vocab: Vocabulary, vectors: Vectors, *, lowercase_fallback: bool = True) -> tuple[list[int], list[str]]:
    """For each vocabulary id: the row of its vector (-1 if missing) and how it was found ("", "exact", "lower")."""
    index = vectors.index
    rows: list[int] = []
    how: list[str] = []
    for tok in vocab.tokens:
        i = index.get(tok)
        if i is not None:
            rows.append(i)
            how.append("exact")
            continue
        low = tok.lower()
        if lowercase_fallback and low != tok:
            i = index.get(low)
            if i is not None:
                rows.append(i)
                how.append("lower")
                continue
        rows.append(-1)
        how.append("")
    return rows, how


def measure_coverage(
    vocab: Vocabulary,
    vectors: Vectors,
    *,
    lowercase_fallback: bool = True,
    top: int = 20,
    how: list[str] | None = None,
) -> Coverage:
    """Count the vocabulary's words found in ``vectors`` (``how`` from :func:`lookup_rows` if known)."""
    if how is None:
        _, how = lookup_rows(vocab, vectors, lowercase_fallback=lowercase_fallback)
    specials = _special_ids(vocab)
    weighted = bool(vocab.counts)
    words = total = found = lower = 0
    found_tokens = 0
    missing: list[tuple[str, int]] = []
    for i, tok in enumerate(vocab.tokens):
        if i in specials:
            continue
        count = vocab.counts.get(tok, 0) if weighted else 1
        words += 1
        total += count
        if how[i] == "exact":
            found += 1
            found_tokens += count
        elif how[i] == "lower":
            lower += 1
            found_tokens += count
        else:
            missing.append((tok, count))
    missing.sort(key=lambda wc: (-wc[1], wc[0]))
    return Coverage(
        vocab_size=words,
        found=found,
        found_lowercase=lower,
        missing=len(missing),
        vocab_share=(found + lower) / words if words else 0.0,
        token_share=found_tokens / total if total else 0.0,
        missing_top=missing[:top],
        weighted_by_counts=weighted,
    )


def _special_ids(vocab: Vocabulary) -> set[int]:
    """Ids of <pad>, <unk> and any other reserved token (those without a corpus count, before the words)."""
    ids = {0, 1}
    for i, tok in enumerate(vocab.tokens[2:], 2):
        if tok.startswith("<") and tok.endswith(">") and tok not in vocab.counts:
            ids.add(i)
        else:
            break
    assert vocab.tokens[0] == PAD
    return ids
