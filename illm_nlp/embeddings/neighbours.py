"""Nearest neighbours and analogies over word vectors (gensim's cosine search).

Unknown words are a :class:`~illm_nlp.errors.UsageError` with a did-you-mean;
fastText vectors answer for unseen words from their sub-words.
"""

from __future__ import annotations

from typing import Any

from .vectors import Vectors

__all__ = ["analogy", "keyed", "similar"]


def keyed(vectors: Vectors) -> Any:
    """The gensim ``KeyedVectors`` view of ``vectors``, cached on the object."""
    kv = vectors.__dict__.get("_kv")
    if kv is None:
        kv = vectors.to_keyed_vectors()
        vectors.__dict__["_kv"] = kv
    return kv


def similar(vectors: Vectors, word: str, *, top: int = 10) -> list[tuple[str, float]]:
    """The ``top`` words closest to ``word`` by cosine similarity (the word itself left out)."""
    vec = vectors.require(word)
    hits = keyed(vectors).similar_by_vector(vec, topn=top + 1)
    return [(w, float(s)) for w, s in hits if w != word][:top]


def analogy(vectors: Vectors, a: str, b: str, c: str, *, top: int = 5) -> list[tuple[str, float]]:
    """``a`` is to ``b`` as ``c`` is to ...? (vector b - a + c; the three words left out of the answers)."""
    vecs = [vectors.require(w, what=f"word {n}") for n, w in (("A", a), ("B", b), ("C", c))]
    kv = keyed(vectors)
    # gensim's 3CosAdd on unit vectors, as most_similar(positive=[b, c], negative=[a]) does,
    # but from vectors so that fastText sub-word vectors work for unseen words too.
    import numpy as np

    units = [v / (np.linalg.norm(v) or 1.0) for v in vecs]
    query = units[1] + units[2] - units[0]
    hits = kv.similar_by_vector(query, topn=top + 3)
    return [(w, float(s)) for w, s in hits if w not in (a, b, c)][:top]
