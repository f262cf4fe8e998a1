"""Start a Keras ``Embedding`` layer from word vectors, without losing words.

:func:`build_embedding_matrix` gives one row per vocabulary id: row 0
(padding) is zeros, every word found in the vectors gets its vector (or its
lower-cased form's, where the vectors are cased and the vocabulary is not),
and every other word gets the ``missing`` policy:

- ``random`` — drawn from a normal with the vectors' own per-dimension mean
  and standard deviation, so new words start on the same scale as known ones
  (a unit-scale draw beside GloVe's small values would dominate the first
  updates); seeded, so the same call gives the same matrix;
- ``zeros`` — all zeros (the word starts with no opinion);
- ``mean`` — the mean vector of the vectors;
- ``subword`` — fastText vectors only: built from the word's character
  n-grams, which is how fastText handles unseen words (words with no n-gram
  get the mean).

Special tokens other than padding (``<unk>``, ``<s>``, ...) take their own
vector when the vectors have one, else the policy (``subword`` gives them the
mean: their n-grams mean nothing). They are left out of the coverage numbers.

``UnfreezeEmbedding`` (a Keras callback) is imported lazily from
:mod:`.callbacks`, so building a matrix never imports TensorFlow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import ConfigError
from ..vocab import Vocabulary
from .coverage import Coverage, _special_ids, lookup_rows, measure_coverage
from .vectors import Vectors

if TYPE_CHECKING:
    from .callbacks import UnfreezeEmbedding

logger = logging.getLogger(__name__)

__all__ = ["MISSING_POLICIES", "EmbeddingInit", "UnfreezeEmbedding", "build_embedding_matrix"]

MissingPolicy = Literal["random", "zeros", "mean", "subword"]
MISSING_POLICIES: tuple[str, ...] = ("random", "zeros", "mean", "subword")


@dataclass
class EmbeddingInit:
    """The initial embedding weights for a vocabulary, and how well the vectors covered it."""

    matrix: np.ndarray
    coverage: Coverage
    #: per vocabulary id: "pad", "exact", "lower", "subword" or the policy that filled it
    sources: list[str]

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])


def build_embedding_matrix(
    vocab: Vocabulary,
    vectors: Vectors,
    *,
    missing: MissingPolicy = "random",
    seed: int = 13,
    lowercase_fallback: bool = True,
) -> EmbeddingInit:
    """A ``(len(vocab), dim)`` float32 matrix for ``vocab`` from ``vectors`` (see the module docs)."""
    if missing not in MISSING_POLICIES:
        raise ConfigError(f"missing: unknown policy {missing!r}", hint=f"choose one of: {', '.join(MISSING_POLICIES)}")
    if missing == "subword" and not vectors.has_subwords:
        raise ConfigError(
            f"missing: 'subword' needs fastText vectors with sub-word n-grams, but {vectors.source or 'these vectors'} have none",
            hint="use fastText vectors (a Facebook .bin, or vectors trained with gensim.fasttext.v1), "
            "or choose missing: random, mean or zeros",
        )
    rows, how = lookup_rows(vocab, vectors, lowercase_fallback=lowercase_fallback)
    coverage = measure_coverage(vocab, vectors, how=how)
    coverage.policy = missing
    dim = vectors.dim
    matrix = np.zeros((len(vocab), dim), dtype=np.float32)
    found = [i for i, r in enumerate(rows) if r >= 0 and i != 0]
    if found:
        matrix[found] = np.asarray(vectors.matrix)[[rows[i] for i in found]]
    sources = ["pad"] + [h for h in how[1:]]
    todo = [i for i, r in enumerate(rows) if r < 0 and i != 0]
    specials = _special_ids(vocab)
    if todo:
        if missing == "random":
            rng = np.random.default_rng(seed)
            draws = rng.normal(vectors.mean(), vectors.std(), size=(len(todo), dim))
            matrix[todo] = draws.astype(np.float32)
        elif missing == "mean":
            matrix[todo] = vectors.mean()
        elif missing == "subword":
            assert vectors.subwords is not None
            mean = None
            for i in todo:
                vec = None if i in specials else vectors.subwords.vector(vocab.tokens[i])
                if vec is None:
                    mean = vectors.mean() if mean is None else mean
                    matrix[i] = mean
                    sources[i] = "mean"
                else:
                    coverage.subword += 1
                    matrix[i] = vec
                    sources[i] = "subword"
        if missing != "subword":
            for i in todo:
                sources[i] = missing
    logger.info("embedding matrix %d × %d: %s", len(vocab), dim, coverage.summary())
    return EmbeddingInit(matrix=matrix, coverage=coverage, sources=sources)


def __getattr__(name: str) -> Any:
    # The callback subclasses keras.callbacks.Callback; import Keras only when it is asked for.
    if name == "UnfreezeEmbedding":
        from .callbacks import UnfreezeEmbedding

        return UnfreezeEmbedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
