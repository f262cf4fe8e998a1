"""Train Word2Vec / FastText vectors with gensim on a pipeline's cleaned documents, streaming.

The cleaned collection is never held in memory. One pass over the documents
writes their sentences to a temporary plain-text file (one sentence per line,
tokens separated by spaces: gensim's ``LineSentence`` layout); gensim then
trains from that file, pass by pass, in one of two ways:

- ``corpus_file`` — gensim's C++ reader, each worker thread reading its own
  slice of the file: no Python in the inner loop and no GIL contention, the
  fastest path once there is more than a little text;
- ``iterable`` — a re-iterable ``LineSentence`` over the file, fed to gensim's
  worker threads by one Python producer thread: the classic path, kept for tiny
  corpora (where the C++ reader's slicing gives workers uneven shares).

``mode: auto`` picks ``corpus_file`` for corpora of ``corpus_file_min_words`` words
or more and says which in the log. Exact reproducibility from a seed needs
``workers: 1`` (gensim's threads otherwise interleave updates differently
from run to run).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..document import Doc
from ..errors import DataError, RunError
from .vectors import Vectors

logger = logging.getLogger(__name__)

__all__ = ["MAX_SENTENCE", "DocSentences", "TrainSettings", "doc_sentences", "train_vectors", "write_line_corpus"]

#: gensim trains on at most this many tokens of one sentence (longer ones are cut silently); we split instead.
MAX_SENTENCE = 10_000

Kind = Literal["word2vec", "fasttext"]


@dataclass
class TrainSettings:
    """The options of gensim.word2vec.v1 / gensim.fasttext.v1 (see the stage docs)."""

    algorithm: Literal["skipgram", "cbow"] = "skipgram"
    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    negative: int = 5
    sample: float = 1e-3
    seed: int = 13
    workers: int = 1
    mode: Literal["auto", "iterable", "corpus_file"] = "auto"
    corpus_file_min_words: int = 100_000
    # fastText only
    min_n: int = 3
    max_n: int = 6
    bucket: int = 200_000
    extra: dict[str, Any] = field(default_factory=dict)

    def gensim_kwargs(self, kind: Kind) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "vector_size": self.vector_size,
            "window": self.window,
            "min_count": self.min_count,
            "epochs": self.epochs,
            "sg": 1 if self.algorithm == "skipgram" else 0,
            "negative": self.negative,
            "hs": 0 if self.negative > 0 else 1,
            "sample": self.sample,
            "seed": self.seed,
            "workers": self.workers,
        }
        if kind == "fasttext":
            kw.update(min_n=self.min_n, max_n=self.max_n, bucket=self.bucket)
        return kw


def doc_sentences(doc: Doc) -> list[list[str]]:
    """The token lists to train on: sentences of tokens, else the tokens, else sentences or text split on spaces."""
    sents = doc.sentences
    if sents and isinstance(sents[0], list):
        return [list(s) for s in sents if s]  # type: ignore[arg-type]
    if doc.tokens is not None:
        return [doc.tokens] if doc.tokens else []
    if sents:
        return [s.split() for s in sents if isinstance(s, str) and s.strip()]  # type: ignore[union-attr]
    toks = doc.text.split()
    return [toks] if toks else []


class DocSentences:
    """A re-iterable corpus of token lists over ``corpus()`` (a fresh pass over the documents per ``iter``).

    Long token lists are cut into pieces of :data:`MAX_SENTENCE` tokens, which
    gensim would otherwise truncate without a word.
    """

    def __init__(self, corpus: Callable[[], Iterator[Doc]]) -> None:
        self.corpus = corpus

    def __iter__(self) -> Iterator[list[str]]:
        for doc in self.corpus():
            for sent in doc_sentences(doc):
                for start in range(0, len(sent), MAX_SENTENCE):
                    yield sent[start : start + MAX_SENTENCE]


@dataclass
class CorpusStats:
    sentences: int = 0
    words: int = 0
    respaced: int = 0
    #: word → count, in order of first appearance (the order gensim's own vocabulary scan gives)
    counts: Counter[str] = field(default_factory=Counter)


def write_line_corpus(sentences: Iterable[list[str]], path: Path) -> CorpusStats:
    """Write token lists one per line (``LineSentence`` layout), counting words on the way.

    Tokens holding whitespace get '_' for it (they would come back as two
    words). The counts let gensim skip its own vocabulary scan of the file.
    """
    stats = CorpusStats()
    counts = stats.counts
    lines: list[str] = []
    with open(path, "w", encoding="utf-8") as fh:
        for sent in sentences:
            if not sent:
                continue
            line = " ".join(sent)
            # Cheap test first: n non-empty tokens without whitespace join to exactly n-1 spaces, no other
            # whitespace (str.isprintable is False for every other whitespace character) and no edge space.
            suspect = line.count(" ") != len(sent) - 1 or not line.isprintable() or not line or line[0] == " " or line[-1] == " "
            if suspect and len(line.split()) != len(sent):
                sent = [t for t in ("_".join(t.split()) for t in sent) if t]
                stats.respaced += 1
                if not sent:
                    continue
                line = " ".join(sent)
            lines.append(line)
            counts.update(sent)
            stats.sentences += 1
            stats.words += len(sent)
            if len(lines) >= 4096:  # one write per block of lines: fewer calls than one per sentence
                lines.append("")
                fh.write("\n".join(lines))
                lines.clear()
        if lines:
            lines.append("")
            fh.write("\n".join(lines))
    return stats


def train_vectors(
    kind: Kind,
    corpus: Callable[[], Iterator[Doc]],
    settings: TrainSettings,
    *,
    work_dir: Path | None = None,
) -> tuple[Vectors, dict[str, Any]]:
    """Train on the documents of ``corpus()``; return the vectors and a report of the run."""
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if kind == "word2vec" else FastText
    with tempfile.TemporaryDirectory(prefix=".illm-embed-", dir=work_dir) as tmp:
        line_file = Path(tmp) / "corpus.txt"
        start = time.perf_counter()
        stats = write_line_corpus(DocSentences(corpus), line_file)
        prep = time.perf_counter() - start
        if stats.respaced:
            logger.warning("%d sentences had tokens holding spaces; those spaces became '_'", stats.respaced)
        if stats.words == 0:
            raise DataError(
                "the corpus has no tokens to train word vectors on",
                hint="check the pipeline's corpus and cleaning stages (are all documents dropped or empty?)",
            )
        mode = settings.mode
        if mode == "auto":
            mode = "corpus_file" if stats.words >= settings.corpus_file_min_words else "iterable"
        logger.info(
            "training %s on %s sentences, %s words: %s mode (%s), %d worker%s, %d epochs",
            kind, f"{stats.sentences:,}", f"{stats.words:,}", mode,
            "gensim's C++ file reader" if mode == "corpus_file" else "streaming the file through Python",
            settings.workers, "" if settings.workers == 1 else "s", settings.epochs,
        )
        kwargs = settings.gensim_kwargs(kind)
        start = time.perf_counter()
        try:
            # What Word2Vec(corpus_file=...) / Word2Vec(sentences=...) do, except that the vocabulary
            # comes from the counts of our own pass instead of a second Python scan of the file.
            model = cls(**kwargs)
            model.build_vocab_from_freq(stats.counts, corpus_count=stats.sentences)
            model.corpus_total_words = stats.words
            common = {"total_examples": stats.sentences, "total_words": stats.words, "epochs": model.epochs,
                      "start_alpha": model.alpha, "end_alpha": model.min_alpha}
            if mode == "corpus_file":
                model.train(corpus_file=str(line_file), **common)
            else:
                from gensim.models.word2vec import LineSentence

                model.train(corpus_iterable=LineSentence(str(line_file), max_sentence_length=MAX_SENTENCE), **common)
        except RuntimeError as exc:  # e.g. "you must first build vocabulary before training the model"
            raise RunError(
                f"{kind} training failed: {exc}",
                hint=f"with min_count {settings.min_count} no word may be frequent enough; lower min_count or give more text",
            ) from None
        seconds = time.perf_counter() - start
    if len(model.wv) == 0:
        raise RunError(f"{kind}: no word occurs {settings.min_count} times or more", hint="lower min_count")
    vectors = Vectors.from_keyed_vectors(model.wv, source=f"{kind} training")
    raw = model.corpus_total_words * settings.epochs
    report = {
        "kind": kind,
        "mode": mode,
        "sentences": stats.sentences,
        "corpus_words": stats.words,
        "words": len(vectors),
        "dim": vectors.dim,
        "prepare_seconds": round(prep, 3),
        "train_seconds": round(seconds, 3),
        "words_per_second": round(raw / seconds) if seconds > 0 else None,
        "settings": {k: v for k, v in asdict(settings).items() if k != "extra" and (kind == "fasttext" or k not in ("min_n", "max_n", "bucket"))},
    }
    logger.info(
        "trained %s words × %d in %.1fs (%s words/s; preparing the corpus took %.1fs)",
        f"{len(vectors):,}", vectors.dim, seconds, f"{report['words_per_second']:,}", prep,
    )
    return vectors, report
