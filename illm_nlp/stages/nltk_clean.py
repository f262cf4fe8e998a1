"""``nltk.clean.v1``: the all-in-one NLTK cleaning stage most pipelines use.

One pass per document: normalise the text (Unicode form, HTML, URL / e-mail /
number placeholders), split it into sentences with Punkt, tokenise each
sentence, then clean each token (case, punctuation, stop words, stemming or
WordNet lemmas, length). It writes ``Doc.tokens`` (flat) and, when asked,
``Doc.sentences`` (a token list per sentence); ``Doc.text`` is left as read.

Why one stage rather than a chain: the chain would re-walk every token list
per step, while here each distinct token is decided once per process (see
:mod:`illm_nlp.stages.token_filters`) and the regex-heavy tokenizers run on
the standard ``re`` engine (see :mod:`illm_nlp.stages.nltk_fast`). The
composable pieces exist too: ``text.normalize.v1`` and ``nltk.tokenize.v1``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from ..document import Doc
from ..errors import ConfigError
from ..registry import stages
from .base import Stage
from .nltk_lang import LanguageName, require_feature, resolve_language, snowball_languages
from .nltk_tokenize import (
    RegexPattern,
    SentenceSplitter,
    Tokenizer,
    check_tokenizer_options,
    punkt_resources,
    sentence_splitter,
    word_tokenizer,
)
from .text_normalize import TextNormalizer, UnicodeForm
from .token_filters import Stemmer, TokenProcessor, read_stopword_file

logger = logging.getLogger(__name__)

__all__ = ["CleanStage", "nltk_clean"]

NAME = "nltk.clean.v1"


def _validate_file(value: str | None) -> str | None:
    """Refuse a stop-word file that is not there when the pipeline is validated (file and key named)."""
    if value is None:
        return None
    from pydantic_core import PydanticCustomError

    p = Path(value).expanduser()
    if not p.is_file():
        what = "is a folder, not a file" if p.is_dir() else "does not exist"
        raise PydanticCustomError("stopwords_file", "{detail}", {
            "detail": f"stop-word file {what} (looked at {p.resolve()}); give a UTF-8 file with one word a line"})
    return value


class CleanStage(Stage):
    """Normalise → sentences → words → per-token cleaning, in one pass per document."""

    def __init__(self, *, normalizer: TextNormalizer, language: str, tokenizer: str, pattern: str | None,
                 split_sentences: bool, output_sentences: bool, processor: TokenProcessor, min_tokens: int,
                 resources: tuple[str, ...]) -> None:
        self.normalizer = normalizer
        self.language = language
        self.tokenizer = tokenizer
        self.pattern = pattern
        self.split_sentences = split_sentences
        self.output_sentences = output_sentences
        self.processor = processor
        self.min_tokens = min_tokens
        self.resources = resources
        self._split: SentenceSplitter | None = None
        self._tok = None

    def _load(self) -> None:
        self._tok = word_tokenizer(self.tokenizer, self.pattern)  # type: ignore[assignment]
        if self.split_sentences:
            self._split = sentence_splitter(self.language)

    def warm_up(self) -> None:
        """Load every NLTK model this stage uses now (the engine calls it before forking workers)."""
        if self._tok is None:
            self._load()
        self.processor.warm_up()

    def __call__(self, doc: Doc) -> Doc | None:
        if self._tok is None:
            self._load()
        text = self.normalizer(doc.text) if self.normalizer.active else doc.text
        sentences = self._split(text) if self._split is not None else [text]
        tok, clean = self._tok, self.processor
        per_sentence = [s for s in (clean(tok(sent)) for sent in sentences) if s]  # type: ignore[misc]
        tokens = [t for s in per_sentence for t in s] if len(per_sentence) != 1 else per_sentence[0][:]
        if len(tokens) < self.min_tokens:
            return None
        doc.tokens = tokens
        if self.output_sentences:
            doc.sentences = per_sentence
        return doc


@stages.register(NAME)
def nltk_clean(
    *,
    language: LanguageName = "english",
    unicode_form: Annotated[UnicodeForm, Field(description="Unicode normalisation before anything else ('none' to skip)")] = "NFC",
    lowercase: Annotated[bool, Field(description="lower-case every token")] = True,
    strip_html: Annotated[bool, Field(description="remove HTML tags, scripts and styles and decode entities (&amp;) first")] = False,
    replace_urls: Annotated[bool, Field(description="replace http(s)/ftp/www addresses by the token <url>")] = False,
    replace_emails: Annotated[bool, Field(description="replace e-mail addresses by the token <email>")] = False,
    replace_numbers: Annotated[bool, Field(description="replace numbers (12, 3.50, 1,000) by the token <num>")] = False,
    split_sentences: Annotated[bool, Field(description="split into sentences with Punkt before tokenising (needs punkt_tab for the language)")] = True,
    tokenizer: Annotated[Tokenizer, Field(description="NLTK word tokenizer: treebank (word_tokenize's), regexp, toktok or tweet")] = "treebank",
    pattern: RegexPattern = None,
    keep_punctuation: Annotated[bool, Field(description="keep tokens without any letter or digit (. , -- ''); false drops them")] = True,
    stopwords: Annotated[bool, Field(description="drop NLTK's stop words for the language (needs the stopwords data)")] = False,
    stopwords_file: Annotated[str | None, AfterValidator(_validate_file), Field(
        description="also drop the words in this UTF-8 file (one a line, # comments); works without NLTK's lists")] = None,
    extra_stopwords: Annotated[list[str], Field(description="more words to drop, listed in the pipeline file")] = [],  # noqa: B006 - pydantic copies it
    stemmer: Annotated[Stemmer, Field(description="none, porter, snowball (by language) or lancaster; stemmers lower-case")] = "none",
    lemmatize: Annotated[bool, Field(description="replace each word by its WordNet lemma (English only; needs wordnet)")] = False,
    lemmatize_pos: Annotated[bool, Field(description="tag words with NLTK's perceptron tagger so verbs and adjectives get their own lemma (English only)")] = False,
    min_token_length: Annotated[int, Field(ge=1, description="drop tokens shorter than this (after stemming/lemmatising)")] = 1,
    max_token_length: Annotated[int | None, Field(gt=0, description="drop tokens longer than this (null: no limit)")] = None,
    output_sentences: Annotated[bool, Field(description="also write Doc.sentences, one cleaned token list per sentence")] = False,
    min_tokens: Annotated[int, Field(ge=0, description="drop documents with fewer tokens than this after cleaning (counted as dropped)")] = 0,
) -> Stage:
    """Clean text into tokens with NLTK: normalise, split sentences, tokenise, filter, stem or lemmatise.

    Writes ``Doc.tokens`` (and ``Doc.sentences`` with ``output_sentences``);
    the document text is kept as read. Placeholders (``<url>``, ``<email>``,
    ``<num>``) are never dropped, stemmed or length-filtered. Stop words are
    compared in lower case. Each NLTK model is loaded once per process, on
    the first document.
    """
    language = resolve_language(language, f"{NAME}: language")
    check_tokenizer_options(NAME, language, tokenizer, pattern, split_sentences, output_sentences)
    if stemmer != "none" and lemmatize:
        raise ConfigError(f"{NAME}: stemmer: {stemmer!r} and lemmatize: true both rewrite words; choose one",
                          hint="set stemmer: none to keep WordNet lemmas, or lemmatize: false to keep the stems")
    if lemmatize_pos and not lemmatize:
        raise ConfigError(f"{NAME}: lemmatize_pos: true only applies with lemmatize: true", hint="set lemmatize: true")
    if stemmer == "snowball":
        langs = snowball_languages()
        require_feature(language, "the Snowball stemmer", langs, f"{NAME}: language",
                        "choose a stemmer-supported language, or stemmer: none")
    if lemmatize and language != "english":
        what = "lemmatize_pos (NLTK's perceptron tagger) and WordNet" if lemmatize_pos else "WordNet lemmatising"
        raise ConfigError(f"{NAME}: {what} is English only; language is {language!r}",
                          hint="use stemmer: snowball for this language, or set lemmatize: false")
    if max_token_length is not None and max_token_length < min_token_length:
        raise ConfigError(f"{NAME}: max_token_length ({max_token_length}) is below min_token_length ({min_token_length})",
                          hint="raise max_token_length or lower min_token_length")
    custom = read_stopword_file(stopwords_file, f"{NAME}: stopwords_file") if stopwords_file else frozenset()
    custom |= {w.strip().lower() for w in extra_stopwords if w.strip()}

    resources = list(punkt_resources(language, split_sentences))
    if stopwords:
        resources.append(f"stopwords/{language}")
    if lemmatize:
        resources.append("wordnet")
    if lemmatize_pos:
        resources.append("averaged_perceptron_tagger_eng")

    placeholders = replace_urls or replace_emails or replace_numbers
    normalizer = TextNormalizer(unicode_form=unicode_form, strip_html=strip_html, replace_urls=replace_urls,
                                replace_emails=replace_emails, replace_numbers=replace_numbers, sentinels=True)
    processor = TokenProcessor(
        language=language, lowercase=lowercase, keep_punctuation=keep_punctuation, stopwords=custom,
        use_nltk_stopwords=stopwords, stemmer=stemmer, lemmatize=lemmatize, lemmatize_pos=lemmatize_pos,
        min_token_length=min_token_length, max_token_length=max_token_length, placeholders=placeholders,
    )
    return CleanStage(normalizer=normalizer, language=language, tokenizer=tokenizer, pattern=pattern,
                      split_sentences=split_sentences, output_sentences=output_sentences, processor=processor,
                      min_tokens=min_tokens, resources=tuple(resources))
