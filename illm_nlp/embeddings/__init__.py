"""Word vectors: load, train, inspect, export, and start Keras models from them.

- :mod:`.vectors` — :class:`~.vectors.Vectors` (words + float32 matrix, fastText
  sub-words when known), our pickle-free artifact folder, and
  :func:`~.vectors.load_vectors` for every supported file format.
- :mod:`.formats` — readers and writers of word2vec text/binary, GloVe,
  Facebook fastText ``.bin`` and gensim's native files, with errors that name
  the file, the line and what was expected.
- :mod:`.train` — streaming Word2Vec / FastText training (gensim).
- :mod:`.keras_init` — embedding matrix for a :class:`~illm_nlp.vocab.Vocabulary`,
  missing-word policies, coverage, and the ``UnfreezeEmbedding`` callback.
- :mod:`.neighbours`, :mod:`.evaluate`, :mod:`.plot` — what ``illm embed`` shows.

Nothing here imports gensim, TensorFlow or matplotlib at import time.
"""

from __future__ import annotations

__all__ = ["Vectors", "load_vectors"]


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    # Lazy re-exports keep ``import illm_nlp.embeddings`` free of numpy-heavy work.
    if name in __all__:
        from . import vectors

        return getattr(vectors, name)
    raise AttributeError(name)
