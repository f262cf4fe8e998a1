"""Extractive summarisation: pick a document's most central sentences, no training needed.

Each sentence becomes a vector — the mean of its words' vectors when the
pipeline gives word vectors (``vectors:``), else a TF-IDF vector over the
document's own sentences — and sentences are scored by one of two methods:

- ``textrank`` (Mihalcea & Tarau 2004): PageRank over the graph of sentences
  weighted by their cosine similarity; a sentence like many others is central.
- ``centroid`` (Radev et al. 2004): cosine similarity to the document's mean
  sentence vector.

The best ``sentences`` (or ``ratio`` of them) are returned in document order,
so the summary reads as the text does. Equal scores go to the earlier
sentence, which makes the result deterministic.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..document import Doc
from ..errors import ConfigError
from ..registry import stages
from .base import Stage

logger = logging.getLogger(__name__)

__all__ = ["ExtractiveSummarizer", "centroid_scores", "extractive", "textrank_scores"]

_WORD = re.compile(r"\w+", re.UNICODE)


def textrank_scores(similarity: np.ndarray, damping: float = 0.85, tol: float = 1e-8, max_iter: int = 200) -> np.ndarray:
    """PageRank over a weighted, undirected sentence graph (power iteration).

    A sentence with no similar sentence spreads its weight evenly (the usual
    treatment of dangling nodes), so scores always sum to one.
    """
    n = similarity.shape[0]
    if n == 0:
        return np.zeros(0)
    w = np.array(similarity, dtype=np.float64)
    np.fill_diagonal(w, 0.0)
    w[w < 0] = 0.0
    out = w.sum(axis=1, keepdims=True)
    # row-stochastic transition matrix; dangling rows jump anywhere
    trans = np.where(out > 0, w / np.where(out > 0, out, 1.0), 1.0 / n)
    scores = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1.0 - damping) / n + damping * (trans.T @ scores)
        if np.abs(new - scores).sum() < tol:
            return new
        scores = new
    return scores


def centroid_scores(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of each sentence vector to the mean of the (unit-length) sentence vectors."""
    if len(vectors) == 0:
        return np.zeros(0)
    unit = _normalise(vectors)
    centroid = unit.mean(axis=0)
    norm = np.linalg.norm(centroid)
    return unit @ (centroid / norm) if norm > 0 else np.zeros(len(vectors))


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _tfidf(token_lists: list[list[str]]) -> np.ndarray:
    """TF-IDF rows over the sentences of one document (smooth idf, as scikit-learn computes it)."""
    vocab: dict[str, int] = {}
    for toks in token_lists:
        for t in toks:
            vocab.setdefault(t, len(vocab))
    tf = np.zeros((len(token_lists), max(1, len(vocab))))
    for i, toks in enumerate(token_lists):
        for t in toks:
            tf[i, vocab[t]] += 1.0
    df = (tf > 0).sum(axis=0)
    idf = np.log((1.0 + len(token_lists)) / (1.0 + df)) + 1.0
    return tf * idf


@functools.lru_cache(maxsize=4)
def _load_vectors(path: str) -> Any:
    from ..embeddings.vectors import load_vectors

    return load_vectors(path)


@functools.lru_cache(maxsize=8)
def _stopwords(language: str) -> frozenset[str]:
    from nltk.corpus import stopwords

    return frozenset(stopwords.words(language))


class ExtractiveSummarizer(Stage):
    """Scores a document's sentences and keeps the best ones, in document order."""

    def __init__(
        self,
        *,
        method: str,
        sentences: int,
        ratio: float | None,
        language: str,
        vectors: str | None,
        stopwords: bool,
        into: str,
    ) -> None:
        self.method = method
        self.sentences = sentences
        self.ratio = ratio
        self.language = language
        self.vectors_path = vectors
        self.use_stopwords = stopwords
        self.into = into
        self.resources = (f"punkt_tab/{language}",) + (("stopwords",) if stopwords else ())

    def _words(self, sentence: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(sentence)]
        if self.use_stopwords:
            stop = _stopwords(self.language)
            words = [w for w in words if w not in stop]
        return words

    def _sentence_vectors(self, sents: list[str]) -> np.ndarray:
        token_lists = [self._words(s) for s in sents]
        if self.vectors_path is None:
            return _tfidf(token_lists)
        vecs = _load_vectors(self.vectors_path)
        out = np.zeros((len(sents), vecs.dim), dtype=np.float64)
        for i, toks in enumerate(token_lists):
            found = [v for v in (vecs.get(t) for t in toks) if v is not None]
            if found:
                out[i] = np.mean(found, axis=0)
        return out

    def scores(self, sents: list[str]) -> np.ndarray:
        """One centrality score per sentence (higher = more central)."""
        matrix = self._sentence_vectors(sents)
        if self.method == "centroid":
            return centroid_scores(matrix)
        unit = _normalise(matrix)
        return textrank_scores(unit @ unit.T)

    def select(self, sents: list[str]) -> list[int]:
        """Indices of the chosen sentences, in document order."""
        n = len(sents)
        k = max(1, math.ceil(self.ratio * n)) if self.ratio is not None else self.sentences
        if n <= k:
            return list(range(n))
        scores = self.scores(sents)
        best = np.argsort(-scores, kind="stable")[:k]
        return sorted(int(i) for i in best)

    def __call__(self, doc: Doc) -> Doc:
        from ..metrics import split_sentences

        sents = split_sentences(doc.text, self.language)
        chosen = self.select(sents)
        summary = " ".join(sents[i] for i in chosen)
        doc.meta["summary_sentences"] = chosen
        if self.into == "text":
            doc.meta["source_sentences"] = len(sents)
            doc.text = summary
        else:
            doc.meta["summary"] = summary
        return doc


@stages.register("summarize.extractive.v1")
def extractive(
    *,
    method: Annotated[
        Literal["textrank", "centroid"],
        Field(description="textrank: PageRank over sentence similarity; centroid: similarity to the document's mean"),
    ] = "textrank",
    sentences: Annotated[int, Field(gt=0, description="how many sentences the summary keeps")] = 3,
    ratio: Annotated[
        float | None, Field(gt=0, le=1, description="keep this share of the sentences instead (at least one); overrides sentences")
    ] = None,
    language: Annotated[str, Field(description="language of the punkt sentence splitter and stopwords (NLTK name)")] = "english",
    vectors: Annotated[
        str | None,
        Field(description="word vectors (any format illm embed reads) for sentence similarity; default: TF-IDF within the document"),
    ] = None,
    stopwords: Annotated[bool, Field(description="leave NLTK stopwords out of the sentence vectors")] = True,
    into: Annotated[
        Literal["meta", "text"],
        Field(description="meta: the summary goes to meta.summary; text: it replaces the document's text"),
    ] = "meta",
) -> ExtractiveSummarizer:
    """Extractive summary: the document's most central sentences (TextRank or centroid), in order.

    Needs no training. Sentence similarity comes from the pipeline's word
    vectors when ``vectors`` names them, else from TF-IDF over the document.
    """
    if language != language.strip().lower() or not language.isalpha():
        raise ConfigError(
            f"summarize.extractive.v1: language '{language}' is not an NLTK language name",
            hint="use a lower-case name such as english, german, french",
        )
    return ExtractiveSummarizer(
        method=method,
        sentences=sentences,
        ratio=ratio,
        language=language,
        vectors=vectors,
        stopwords=stopwords,
        into=into,
    )
