"""The model's vocabulary: token ↔ id, with reserved padding and unknown ids.

Built from the training corpus (min count, max size) in frequency order with
ties broken alphabetically, so the same corpus always gives the same ids.
Saved as plain text (one token per line, id = line number), never pickled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import ArtifactError

PAD = "<pad>"
UNK = "<unk>"
BOS = "<s>"
EOS = "</s>"

__all__ = ["BOS", "EOS", "PAD", "UNK", "Vocabulary"]


class Vocabulary:
    """Token ids: 0 is padding, 1 is unknown, then any extra specials, then words by frequency."""

    def __init__(self, tokens: Sequence[str], counts: dict[str, int] | None = None) -> None:
        if list(tokens[:2]) != [PAD, UNK]:
            raise ValueError("a vocabulary starts with <pad>, <unk>")
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("duplicate tokens in vocabulary")
        self.counts = dict(counts or {})

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        *,
        min_count: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = (),
    ) -> Vocabulary:
        """Count tokens over the corpus; keep those seen ``min_count`` times, at most ``max_size`` in all."""
        counter: Counter[str] = Counter()
        for toks in token_lists:
            counter.update(toks)
        reserved = [PAD, UNK, *[s for s in specials if s not in (PAD, UNK)]]
        words = sorted((w for w, c in counter.items() if c >= min_count and w not in reserved), key=lambda w: (-counter[w], w))
        if max_size is not None:
            words = words[: max(0, max_size - len(reserved))]
        return cls(reserved + words, {w: counter[w] for w in words})

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self.index

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def unk_id(self) -> int:
        return 1

    def id(self, token: str) -> int:
        return self.index.get(token, 1)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        get = self.index.get
        return [get(t, 1) for t in tokens]

    def decode(self, ids: Iterable[int], *, skip_special: bool = True) -> list[str]:
        out = []
        for i in ids:
            tok = self.tokens[i] if 0 <= i < len(self.tokens) else UNK
            if skip_special and tok in (PAD, BOS, EOS):
                continue
            out.append(tok)
        return out

    def save(self, path: str | Path) -> None:
        """One token per line (id = line number), then nothing else: readable by any tool."""
        from .output import atomic_write_text

        atomic_write_text(Path(path), "".join(f"{t}\t{self.counts.get(t, 0)}\n" for t in self.tokens))

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        path = Path(path)
        if not path.exists():
            raise ArtifactError(f"vocabulary file '{path}' is missing")
        tokens, counts = [], {}
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], 1):
            tok, _, cnt = line.partition("\t")
            tokens.append(tok)
            if cnt:
                try:
                    counts[tok] = int(cnt)
                except ValueError:
                    raise ArtifactError(f"{path}:{n}: expected 'token<TAB>count', got {line!r}") from None
        try:
            return cls(tokens, counts)
        except ValueError as exc:
            raise ArtifactError(f"{path}: not a vocabulary file ({exc})") from None
