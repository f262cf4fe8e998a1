"""Word vector stages: train Word2Vec / FastText on the cleaned collection, or bring pretrained vectors.

These are corpus stages: ``illm run`` calls ``fit`` after writing the cleaned
output, with ``out_dir = <output stem>.<stage name>`` beside it, and the
vectors land there in our pickle-free folder format (see
:mod:`illm_nlp.embeddings.vectors`), plus a word2vec export for other tools.
Factories only record their options (each worker process builds every stage
of the pipeline); gensim is imported when ``fit`` runs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from ..document import Doc
from ..registry import stages
from .base import CorpusStage

logger = logging.getLogger(__name__)

__all__ = ["EXPORTS", "VECTOR_STAGES", "PretrainedVectorsStage", "VectorTrainingStage", "fasttext", "pretrained", "word2vec"]

#: file name of the word2vec export in a vectors folder, by export format
EXPORTS = {"word2vec-text": "vectors.w2v.txt", "word2vec-binary": "vectors.w2v.bin"}
#: the registered names that train vectors (``illm embed train`` looks for these)
VECTOR_STAGES = ("gensim.word2vec.v1", "gensim.fasttext.v1")

Export = Literal["word2vec-text", "word2vec-binary", "none"]


class VectorTrainingStage(CorpusStage):
    """Trains Word2Vec or FastText vectors over the collection, streaming it from disk."""

    def __init__(self, kind: Literal["word2vec", "fasttext"], settings: Any, export: Export) -> None:
        self.kind = kind
        self.settings = settings
        self.export = export

    def fit(self, corpus: Callable[[], Iterator[Doc]], out_dir: Path) -> dict[str, Any]:
        """Train, then write ``out_dir`` (vectors folder + word2vec export) in one atomic step."""
        from ..embeddings.atomic import atomic_dir
        from ..embeddings.formats import write_word2vec
        from ..embeddings.train import train_vectors

        out_dir = Path(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)  # the temporary line corpus goes beside it
        vectors, report = train_vectors(self.kind, corpus, self.settings, work_dir=out_dir.parent)
        with atomic_dir(out_dir) as tmp:
            vectors.write_into(tmp, extra={"training": report})
            if self.export != "none":
                write_word2vec(vectors, tmp / EXPORTS[self.export], binary=self.export == "word2vec-binary")
        logger.info("vectors saved to %s", out_dir)
        return {
            "vectors": str(out_dir),
            "words": report["words"],
            "dim": report["dim"],
            "mode": report["mode"],
            "seconds": report["train_seconds"],
            "words_per_second": report["words_per_second"],
        }


class PretrainedVectorsStage(CorpusStage):
    """Loads existing vectors, measures how well they cover the corpus, and saves them with the run."""

    def __init__(self, path: str, format: str, limit: int | None, restrict: bool, min_count: int, lowercase_fallback: bool) -> None:
        self.path = path
        self.format = format
        self.limit = limit
        self.restrict = restrict
        self.min_count = min_count
        self.lowercase_fallback = lowercase_fallback

    def fit(self, corpus: Callable[[], Iterator[Doc]], out_dir: Path) -> dict[str, Any]:
        """One pass to count the corpus words, then copy the vectors (all, or the corpus's) into ``out_dir``."""
        from ..embeddings.atomic import atomic_dir
        from ..embeddings.coverage import lookup_rows, measure_coverage
        from ..embeddings.train import doc_sentences
        from ..embeddings.vectors import load_vectors
        from ..vocab import PAD, UNK, Vocabulary

        vectors = load_vectors(self.path, format=self.format, limit=self.limit)
        counter: Counter[str] = Counter()
        for doc in corpus():
            for sent in doc_sentences(doc):
                counter.update(sent)
        words = sorted((w for w, c in counter.items() if c >= self.min_count and w not in (PAD, UNK)), key=lambda w: (-counter[w], w))
        vocab = Vocabulary([PAD, UNK, *words], {w: counter[w] for w in words})
        rows, how = lookup_rows(vocab, vectors, lowercase_fallback=self.lowercase_fallback)
        coverage = measure_coverage(vocab, vectors, how=how)
        logger.info("%s: %s", self.path, coverage.summary())
        kept = vectors
        if self.restrict:
            keep = {vectors.words[r] for r in rows if r >= 0}
            kept = vectors.restrict(keep)
        out_dir = Path(out_dir)
        with atomic_dir(out_dir) as tmp:
            kept.write_into(tmp, extra={"pretrained": {"path": str(self.path), "limit": self.limit, "restricted_to_corpus": self.restrict}, "coverage": coverage.to_dict()})
            coverage.save(tmp / "coverage.json")
        return {
            "vectors": str(out_dir),
            "words": len(kept),
            "dim": kept.dim,
            "vocab_share": round(coverage.vocab_share, 4),
            "token_share": round(coverage.token_share, 4),
            "missing_top": [w for w, _ in coverage.missing_top[:10]],
        }


# -- registered factories ---------------------------------------------------------------
Algorithm = Annotated[Literal["skipgram", "cbow"], Field(description="skip-gram (better for rare words, small corpora) or CBOW (faster)")]
VectorSize = Annotated[int, Field(gt=0, le=10_000, description="dimensions of each word vector")]
Window = Annotated[int, Field(gt=0, description="context words on each side of the target word")]
MinCount = Annotated[int, Field(ge=1, description="ignore words seen fewer times than this")]
Epochs = Annotated[int, Field(gt=0, description="passes over the corpus")]
Negative = Annotated[int, Field(ge=0, description="negative samples per word; 0 switches to hierarchical softmax")]
Sample = Annotated[float, Field(ge=0, lt=1, description="down-sampling threshold for frequent words (0 = off)")]
Seed = Annotated[int, Field(description="random seed; runs are exactly reproducible with workers: 1")]
Workers = Annotated[int, Field(ge=1, le=256, description="training threads (more is faster; results then vary slightly run to run)")]
Mode = Annotated[
    Literal["auto", "iterable", "corpus_file"],
    Field(description="gensim's C++ corpus_file reader, or a Python iterable; auto: corpus_file from corpus_file_min_words on"),
]
MinWords = Annotated[int, Field(ge=0, description="corpus size (words) from which mode auto uses corpus_file")]
ExportOpt = Annotated[Export, Field(description="also write the vectors in this format beside our own, for other tools")]


def _settings(**kw: Any) -> Any:
    from ..embeddings.train import TrainSettings

    return TrainSettings(**kw)


@stages.register("gensim.word2vec.v1")
def word2vec(
    *,
    algorithm: Algorithm = "skipgram",
    vector_size: VectorSize = 100,
    window: Window = 5,
    min_count: MinCount = 5,
    epochs: Epochs = 5,
    negative: Negative = 5,
    sample: Sample = 1e-3,
    seed: Seed = 13,
    workers: Workers = 1,
    mode: Mode = "auto",
    corpus_file_min_words: MinWords = 100_000,
    export: ExportOpt = "word2vec-text",
) -> CorpusStage:
    """Train Word2Vec vectors (gensim) on the cleaned documents, streamed from disk.

    Trains on each document's sentences (token lists), else its tokens, else its
    text split on spaces. The vectors are saved beside the output as a vectors
    folder (``<output stem>.<stage name>/``) with a word2vec export.
    """
    return VectorTrainingStage(
        "word2vec",
        _settings(algorithm=algorithm, vector_size=vector_size, window=window, min_count=min_count, epochs=epochs,
                  negative=negative, sample=sample, seed=seed, workers=workers, mode=mode,
                  corpus_file_min_words=corpus_file_min_words),
        export,
    )


@stages.register("gensim.fasttext.v1")
def fasttext(
    *,
    algorithm: Algorithm = "skipgram",
    vector_size: VectorSize = 100,
    window: Window = 5,
    min_count: MinCount = 5,
    epochs: Epochs = 5,
    negative: Negative = 5,
    sample: Sample = 1e-3,
    seed: Seed = 13,
    workers: Workers = 1,
    mode: Mode = "auto",
    corpus_file_min_words: MinWords = 100_000,
    min_n: Annotated[int, Field(ge=1, description="shortest character n-gram")] = 3,
    max_n: Annotated[int, Field(ge=0, description="longest character n-gram (below min_n: no sub-words)")] = 6,
    bucket: Annotated[int, Field(gt=0, description="hash buckets for n-grams (fastText uses 2,000,000; each costs vector_size floats)")] = 200_000,
    export: ExportOpt = "word2vec-text",
) -> CorpusStage:
    """Train FastText vectors (gensim), keeping sub-word n-grams so unseen words get vectors too.

    Same corpus handling as gensim.word2vec.v1; the saved folder also holds the
    n-gram table (``ngrams.npy``), which ``missing: subword`` uses.
    """
    return VectorTrainingStage(
        "fasttext",
        _settings(algorithm=algorithm, vector_size=vector_size, window=window, min_count=min_count, epochs=epochs,
                  negative=negative, sample=sample, seed=seed, workers=workers, mode=mode,
                  corpus_file_min_words=corpus_file_min_words, min_n=min_n, max_n=max_n, bucket=bucket),
        export,
    )


@stages.register("gensim.pretrained.v1")
def pretrained(
    *,
    path: Annotated[str, Field(min_length=1, description="vectors file or illm vectors folder (.txt/.vec/.gz, .bin, .kv/.model)")],
    format: Annotated[
        Literal["auto", "illm", "word2vec-text", "word2vec-binary", "glove", "fasttext-bin", "gensim"],
        Field(description="file format; auto guesses it. 'gensim' files are pickles: only open files you trust"),
    ] = "auto",
    limit: Annotated[int | None, Field(gt=0, description="keep only the first (most frequent) N words")] = None,
    restrict: Annotated[bool, Field(description="save only the vectors of words the corpus uses (smaller run folders)")] = False,
    min_count: Annotated[int, Field(ge=1, description="corpus words seen fewer times are left out of the coverage report")] = 1,
    lowercase_fallback: Annotated[bool, Field(description="look a word up lower-cased when the vectors lack it as written")] = True,
) -> CorpusStage:
    """Bring existing word vectors into the run, with a report of how well they cover the corpus.

    Reads word2vec text (with or without header, .gz too) or binary, GloVe,
    Facebook fastText .bin (sub-words kept) or gensim files, and saves them
    beside the output as a vectors folder with ``coverage.json``.
    """
    return PretrainedVectorsStage(path, format, limit, restrict, min_count, lowercase_fallback)
