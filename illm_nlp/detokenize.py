"""Word tokenisation that keeps case and punctuation, and its inverse, per language.

The target side of a sequence-to-sequence model is generated as tokens, but a
person reads (and sacrebleu scores) running text: "It's fine." not
"It 's fine .". Both directions use the Moses rules (via ``sacremoses``), so
what the model learns to produce detokenises back into the text it came from,
with each language's own conventions (French elision, German quotes, ...).

Languages may be given as NLTK names ("german") or ISO 639-1 codes ("de").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .errors import ConfigError

__all__ = ["LANGUAGE_CODES", "detokenize", "language_code", "tokenize"]

#: NLTK language names (as the punkt and stopwords data name them) → ISO 639-1 codes.
LANGUAGE_CODES: dict[str, str] = {
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "estonian": "et",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "greek": "el",
    "italian": "it",
    "malayalam": "ml",
    "norwegian": "no",
    "polish": "pl",
    "portuguese": "pt",
    "russian": "ru",
    "slovene": "sl",
    "spanish": "es",
    "swedish": "sv",
    "turkish": "tr",
    # languages Moses knows but NLTK's punkt does not (no sentence splitting for them)
    "arabic": "ar",
    "catalan": "ca",
    "chinese": "zh",
    "hindi": "hi",
    "hungarian": "hu",
    "icelandic": "is",
    "japanese": "ja",
    "korean": "ko",
    "latvian": "lv",
    "lithuanian": "lt",
    "romanian": "ro",
    "slovak": "sk",
    "tamil": "ta",
}


def language_code(language: str) -> str:
    """``"german"`` or ``"de"`` → ``"de"``; an unknown name is a :class:`ConfigError`."""
    lang = language.strip().lower()
    if lang in LANGUAGE_CODES:
        return LANGUAGE_CODES[lang]
    if len(lang) == 2 and lang.isalpha():
        return lang
    from .errors import did_you_mean

    raise ConfigError(
        f"unknown language '{language}'.{did_you_mean(lang, LANGUAGE_CODES)}",
        hint=f"use a two-letter ISO code (de, en, ...) or one of: {', '.join(sorted(LANGUAGE_CODES))}",
    )


@functools.lru_cache(maxsize=16)
def _tokenizer(code: str) -> Any:
    from sacremoses import MosesTokenizer

    return MosesTokenizer(lang=code)


@functools.lru_cache(maxsize=16)
def _detokenizer(code: str) -> Any:
    from sacremoses import MosesDetokenizer

    return MosesDetokenizer(lang=code)


def tokenize(text: str, language: str = "en", *, lowercase: bool = False) -> list[str]:
    """Split text into words and punctuation marks, keeping case unless asked otherwise.

    Moses' HTML escaping is off, so tokens are the characters of the text.
    """
    tokens: list[str] = _tokenizer(language_code(language)).tokenize(text, escape=False)
    return [t.lower() for t in tokens] if lowercase else tokens


def detokenize(tokens: Sequence[str], language: str = "en") -> str:
    """Join tokens into running text by the language's spacing rules (the inverse of :func:`tokenize`)."""
    if not tokens:
        return ""
    return str(_detokenizer(language_code(language)).detokenize(list(tokens)))
