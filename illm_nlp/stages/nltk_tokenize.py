"""Sentence splitting and word tokenising with NLTK, loaded lazily once per process.

Building a stage only records its choices: a worker process builds its own
stages, and a missing NLTK model must be reported by the resource check (as
MissingResourceError naming ``illm data download ...``), not as a LookupError
traceback from a constructor. The models are loaded on the first document
and then shared, per process, by every stage that uses the same language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from ..document import Doc
from ..errors import ConfigError
from ..registry import stages
from .base import Stage
from .nltk_fast import punkt_tokenizer, treebank_tokenizer
from .nltk_lang import PUNKT_LANGUAGES, LanguageName, require_feature, resolve_language

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_PATTERN", "RegexPattern", "SentenceSplitter", "Tokenizer", "sentence_splitter", "word_tokenizer"]

Tokenizer = Literal["treebank", "regexp", "toktok", "tweet"]

#: Words (letters, digits, underscore) and runs of other non-space characters.
DEFAULT_PATTERN = r"\w+|[^\w\s]+"

SentenceSplitter = Callable[[str], list[str]]


def _validate_pattern(value: str | None) -> str | None:
    """Compile the pattern at load time with the engine NLTK's RegexpTokenizer uses."""
    if value is None:
        return None
    import regex
    from pydantic_core import PydanticCustomError

    try:
        regex.compile(value)
    except regex.error as exc:
        raise PydanticCustomError("bad_pattern", "{detail}", {"detail": f"not a valid regular expression ({exc})"}) from None
    return value


RegexPattern = Annotated[
    str | None,
    AfterValidator(_validate_pattern),
    Field(description=f"regular expression of one token, for tokenizer: regexp (default: {DEFAULT_PATTERN})"),
]


@cache
def _toktok() -> Any:
    from nltk.tokenize.toktok import ToktokTokenizer

    return ToktokTokenizer()


@cache
def _tweet() -> Any:
    from nltk.tokenize.casual import TweetTokenizer

    # Case is handled per token by the cleaning stage, so keep the tokenizer's input as is.
    return TweetTokenizer(preserve_case=True)


@lru_cache(maxsize=64)
def _regexp(pattern: str) -> Any:
    from nltk.tokenize.regexp import RegexpTokenizer

    return RegexpTokenizer(pattern)


def word_tokenizer(kind: str, pattern: str | None = None) -> Callable[[str], list[str]]:
    """The ``tokenize`` function of the chosen NLTK word tokenizer, loaded on first use."""
    if kind == "treebank":
        return treebank_tokenizer().tokenize  # type: ignore[no-any-return]
    if kind == "toktok":
        return _toktok().tokenize  # type: ignore[no-any-return]
    if kind == "tweet":
        return _tweet().tokenize  # type: ignore[no-any-return]
    if kind == "regexp":
        return _regexp(pattern or DEFAULT_PATTERN).tokenize  # type: ignore[no-any-return]
    raise ValueError(f"unknown tokenizer {kind!r}")  # pragma: no cover - the schema refuses it first


def sentence_splitter(language: str) -> SentenceSplitter:
    """Punkt's ``tokenize`` for ``language`` (NLTK's ``sent_tokenize``), loaded on first use."""
    return punkt_tokenizer(language).tokenize  # type: ignore[no-any-return]


def check_tokenizer_options(name: str, language: str, tokenizer: str, pattern: str | None, split_sentences: bool,
                            output_sentences: bool) -> None:
    """Refuse option combinations that cannot work, naming the options and the fix."""
    if split_sentences:
        require_feature(language, "Punkt sentence splitting", PUNKT_LANGUAGES, f"{name}: language",
                        "set split_sentences: false (the text is then tokenised as one sentence)")
    if pattern is not None and tokenizer != "regexp":
        raise ConfigError(f"{name}: pattern is set but tokenizer is {tokenizer!r}; the pattern is only used by the regexp tokenizer",
                          hint="set tokenizer: regexp, or remove pattern")
    if output_sentences and not split_sentences:
        raise ConfigError(f"{name}: output_sentences: true needs split_sentences: true",
                          hint="set split_sentences: true, or output_sentences: false")


def punkt_resources(language: str, split_sentences: bool) -> tuple[str, ...]:
    return (f"punkt_tab/{language}",) if split_sentences else ()


class TokenizeStage(Stage):
    """Sentence split (optional) and word tokenise; tokens are kept as the tokenizer gives them."""

    def __init__(self, language: str, tokenizer: str, pattern: str | None, split_sentences: bool, output_sentences: bool) -> None:
        self.language = language
        self.tokenizer = tokenizer
        self.pattern = pattern
        self.split_sentences = split_sentences
        self.output_sentences = output_sentences
        self.resources = punkt_resources(language, split_sentences)
        self._tok: Callable[[str], list[str]] | None = None
        self._split: SentenceSplitter | None = None

    def warm_up(self) -> None:
        """Load the tokenizer models now (the engine calls it before forking workers)."""
        if self._tok is None:
            self._tok = word_tokenizer(self.tokenizer, self.pattern)
            self._split = sentence_splitter(self.language) if self.split_sentences else None

    def __call__(self, doc: Doc) -> Doc | None:
        if self._tok is None:
            self.warm_up()
        tok = self._tok
        assert tok is not None  # set by warm_up
        sents = self._split(doc.text) if self._split else [doc.text]
        per_sentence = [tokens for tokens in map(tok, sents) if tokens]
        doc.tokens = [t for s in per_sentence for t in s]
        if self.output_sentences:
            doc.sentences = per_sentence
        return doc


@stages.register("nltk.tokenize.v1")
def nltk_tokenize(
    *,
    language: LanguageName = "english",
    tokenizer: Annotated[Tokenizer, Field(description="NLTK word tokenizer: treebank (word_tokenize's), regexp, toktok or tweet")] = "treebank",
    pattern: RegexPattern = None,
    split_sentences: Annotated[bool, Field(description="split into sentences with Punkt first (needs punkt_tab for the language)")] = True,
    output_sentences: Annotated[bool, Field(description="also write Doc.sentences, one token list per sentence")] = False,
) -> Stage:
    """Split the text into sentences and words with NLTK, keeping every token as it is.

    The composable half of ``nltk.clean.v1``: use it when later stages want
    the raw tokens (case, punctuation and all).
    """
    language = resolve_language(language, "nltk.tokenize.v1: language")
    check_tokenizer_options("nltk.tokenize.v1", language, tokenizer, pattern, split_sentences, output_sentences)
    return TokenizeStage(language, tokenizer, pattern, split_sentences, output_sentences)
