"""Per-token cleaning: case, punctuation, stop words, stemming, WordNet lemmas, length.

Word frequencies follow Zipf's law, so a collection of a million tokens has
only tens of thousands of distinct ones. :class:`TokenProcessor` therefore
decides the fate of each distinct token once (lower-case it, drop it as
punctuation or stop word, stem or lemmatise it, check its length) and
remembers the answer in a bounded per-process memo: the common case is one
dictionary lookup per token, done in C. With POS-aware lemmatising the memo
key is ``(token, tag)``.

The NLTK data (stop-word lists, WordNet, the tagger) is loaded on first use
and shared by every stage in the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, DataError
from .text_normalize import PLACEHOLDERS, SENTINELS

logger = logging.getLogger(__name__)

__all__ = ["MEMO_LIMIT", "Stemmer", "TokenProcessor", "nltk_stopwords", "read_stopword_file", "wordnet_pos"]

Stemmer = Literal["none", "porter", "snowball", "lancaster"]

#: Distinct entries a memo keeps before it starts afresh, so memory stays flat on any collection.
MEMO_LIMIT = 200_000

_DROP = None


@cache
def nltk_stopwords(language: str) -> frozenset[str]:
    """NLTK's stop-word list for ``language``, read once per process."""
    from nltk.corpus import stopwords

    return frozenset(w.strip().lower() for w in stopwords.words(language) if w.strip())


def read_stopword_file(path: str, where: str) -> frozenset[str]:
    """A custom stop-word list: UTF-8, one word a line, ``#`` starts a comment."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(
            f"{where}: stop-word file '{path}' {'is a folder' if p.is_dir() else 'does not exist'}"
            f" (looked at {p.resolve()})",
            hint="give the path of a UTF-8 text file with one stop word a line, relative to where you run illm",
        )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: stop-word file '{path}' is not UTF-8 ({exc.reason} at byte {exc.start})",
                        hint="save the list as UTF-8") from None
    words = {line.split("#", 1)[0].strip().lower() for line in text.splitlines()}
    words.discard("")
    if not words:
        logger.warning("%s: stop-word file '%s' lists no words", where, path)
    return frozenset(words)


@cache
def _stemmer(kind: str, language: str) -> Callable[[str], str]:
    if kind == "porter":
        from nltk.stem.porter import PorterStemmer

        return PorterStemmer().stem  # type: ignore[no-any-return]
    if kind == "lancaster":
        from nltk.stem.lancaster import LancasterStemmer

        return LancasterStemmer().stem  # type: ignore[no-any-return]
    if kind == "snowball":
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer(language).stem  # type: ignore[no-any-return]
    raise ValueError(f"unknown stemmer {kind!r}")  # pragma: no cover - the schema refuses it first


@cache
def _lemmatizer() -> Callable[..., str]:
    """``WordNetLemmatizer().lemmatize``, on a WordNet reader that loads in about a third of the time.

    NLTK's reader, when built, maps WordNet 3.0 onto itself for the
    multilingual (OMW) functions: two passes over ``index.sense``, two thirds
    of its seconds-long load. Lemmas never use that map, so this reader skips
    it; the lemma rule is NLTK's own (the shortest of ``_morphy``'s forms).
    """
    import warnings

    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    from nltk.corpus.util import LazyCorpusLoader

    class LemmaOnlyReader(WordNetCorpusReader):  # type: ignore[misc]
        def map_wn(self, version: str = "wordnet") -> None:
            return None

    reader = LazyCorpusLoader("wordnet", LemmaOnlyReader, None)

    def lemmatize(word: str, pos: str = "n") -> str:
        lemmas = reader._morphy(word, pos)
        return min(lemmas, key=len) if lemmas else word

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": not used here
            reader.ensure_loaded()
        if lemmatize("geese") == "goose" and lemmatize("running", "v") == "run":
            return lemmatize
        logger.warning("the lemma-only WordNet reader gives odd lemmas; using NLTK's WordNetLemmatizer")
    except (AttributeError, TypeError) as exc:  # NLTK changed its reader; LookupError (no data) propagates
        logger.warning("cannot build the lemma-only WordNet reader (%s); using NLTK's WordNetLemmatizer", exc)
    from nltk.stem.wordnet import WordNetLemmatizer

    return WordNetLemmatizer().lemmatize  # type: ignore[no-any-return]


@cache
def _tagger() -> Any:
    from nltk.tag.perceptron import PerceptronTagger

    return PerceptronTagger(lang="eng")


def wordnet_pos(tag: str) -> str:
    """Penn Treebank tag → WordNet POS (adjective, verb, adverb; everything else a noun)."""
    first = tag[:1]
    if first == "J":
        return "a"
    if first == "V":
        return "v"
    if first == "R":
        return "r"
    return "n"


class _Memo(dict):  # type: ignore[type-arg]
    """A dict that computes a missing key with ``fn`` and forgets everything when it grows too large."""

    __slots__ = ("fn", "limit")

    def __init__(self, fn: Callable[[Any], Any], limit: int) -> None:
        super().__init__()
        self.fn = fn
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        value = self.fn(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


class TokenProcessor:
    """Maps raw tokens to cleaned tokens (or drops them), memoised per distinct token."""

    def __init__(
        self,
        *,
        language: str = "english",
        lowercase: bool = True,
        keep_punctuation: bool = True,
        stopwords: frozenset[str] | None = None,
        use_nltk_stopwords: bool = False,
        stemmer: str = "none",
        lemmatize: bool = False,
        lemmatize_pos: bool = False,
        min_token_length: int = 1,
        max_token_length: int | None = None,
        placeholders: bool = False,
        memo_limit: int = MEMO_LIMIT,
    ) -> None:
        self.language = language
        self.lowercase = lowercase
        self.keep_punctuation = keep_punctuation
        self.custom_stopwords = stopwords or frozenset()
        self.use_nltk_stopwords = use_nltk_stopwords
        self.stemmer = stemmer
        self.lemmatize = lemmatize
        self.lemmatize_pos = lemmatize and lemmatize_pos
        self.min_len = min_token_length
        self.max_len = max_token_length
        self._placeholders = {SENTINELS[k]: v for k, v in PLACEHOLDERS.items()} if placeholders else {}
        self._memo_limit = memo_limit
        self._ready = False

    # Loading is deferred to the first document (see module docstring).
    def _load(self) -> None:
        stops = set(self.custom_stopwords)
        if self.use_nltk_stopwords:
            stops |= nltk_stopwords(self.language)
        self._stops = frozenset(stops)
        self._stem = _stemmer(self.stemmer, self.language) if self.stemmer != "none" else None
        self._lemma = _lemmatizer() if self.lemmatize else None
        self._tag = _tagger().tag if self.lemmatize_pos else None
        self._plain = _Memo(self._clean_one, self._memo_limit)
        self._tagged = _Memo(self._clean_tagged, self._memo_limit)
        self._ready = True

    def warm_up(self) -> None:
        """Load the NLTK data now; WordNet is read on its first lookup, so make one."""
        if not self._ready:
            self._load()
        if self._lemma is not None:
            self._lemma("warming", "v")

    def _clean_one(self, token: str, pos: str = "n") -> str | None:
        """The whole decision for one distinct token (uncached)."""
        if token in self._placeholders:
            return self._placeholders[token]
        word = token.lower() if self.lowercase else token
        if not self.keep_punctuation and not any(ch.isalnum() for ch in word):
            return _DROP
        if self._stops and (word if self.lowercase else word.lower()) in self._stops:
            return _DROP
        if self._stem is not None:
            word = self._stem(word)
        elif self._lemma is not None:
            word = self._lemma(word, pos)
        n = len(word)
        if n < self.min_len or (self.max_len is not None and n > self.max_len):
            return _DROP
        return word

    def _clean_tagged(self, key: tuple[str, str]) -> str | None:
        return self._clean_one(key[0], wordnet_pos(key[1]))

    def __call__(self, tokens: Iterable[str]) -> list[str]:
        """Clean one sentence's tokens (POS tags, when used, are taken within the sentence)."""
        if not self._ready:
            self._load()
        if self._tag is not None:
            cleaned = map(self._tagged.__getitem__, self._tag(list(tokens)))
        else:
            cleaned = map(self._plain.__getitem__, tokens)
        return [t for t in cleaned if t is not None]
