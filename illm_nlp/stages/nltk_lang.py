"""Language names for the NLTK stages: ISO codes and NLTK's own names.

NLTK names its models by English language name (``punkt_tab/german``,
``stopwords/spanish``, ``SnowballStemmer("german")``), while people and
other tools write ISO 639-1 codes (``de``, ``es``). Pipeline files may use
either; :func:`resolve_language` turns both into NLTK's name, and an unknown
name is a :class:`~illm_nlp.errors.ConfigError` that lists what exists.

Which *feature* a language has differs: Punkt ships 19 sentence models, the
Snowball stemmer 15 languages, WordNet and the perceptron tagger only
English. Those per-feature checks happen at build time so a pipeline asking
for, say, Hindi sentence splitting fails with a clear message instead of a
resource download that could never succeed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from ..errors import ConfigError, did_you_mean

__all__ = ["ISO_CODES", "LANGUAGES", "PUNKT_LANGUAGES", "LanguageName", "require_feature", "resolve_language", "snowball_languages"]

#: ISO 639-1 code -> NLTK's language name (the names NLTK data uses for files).
ISO_CODES: dict[str, str] = {
    "ar": "arabic", "az": "azerbaijani", "be": "belarusian", "bg": "bulgarian", "bn": "bengali",
    "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish", "fr": "french",
    "gu": "gujarati", "he": "hebrew", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "it": "italian",
    "ja": "japanese", "kk": "kazakh", "ko": "korean", "ml": "malayalam", "ms": "malaysian", "ne": "nepali",
    "nl": "dutch", "no": "norwegian", "nb": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sk": "slovak", "sl": "slovene", "sq": "albanian", "sv": "swedish", "ta": "tamil",
    "tg": "tajik", "tr": "turkish", "uk": "ukrainian", "uz": "uzbek", "vi": "vietnamese", "zh": "chinese",
}

#: Every language name an NLTK stage accepts (stop-word lists exist for most;
#: whether the data is installed is checked later, as a resource).
LANGUAGES: frozenset[str] = frozenset(ISO_CODES.values()) | {"hinglish"}

#: Languages with a Punkt sentence model in NLTK's ``punkt_tab`` package.
PUNKT_LANGUAGES: frozenset[str] = frozenset({
    "czech", "danish", "dutch", "english", "estonian", "finnish", "french", "german", "greek", "italian",
    "malayalam", "norwegian", "polish", "portuguese", "russian", "slovene", "spanish", "swedish", "turkish",
})


def snowball_languages() -> tuple[str, ...]:
    """The languages NLTK's Snowball stemmer knows (read from NLTK, not copied)."""
    from nltk.stem.snowball import SnowballStemmer

    return tuple(lang for lang in SnowballStemmer.languages if lang != "porter")


def resolve_language(value: str, where: str = "language") -> str:
    """``"de"``, ``"DE"``, ``"de-AT"`` or ``"German"`` → ``"german"``; anything else is a ConfigError."""
    raw = str(value).strip()
    key = raw.lower().replace("_", "-")
    if key in LANGUAGES:
        return key
    code = key.split("-", 1)[0]
    if code in ISO_CODES:
        return ISO_CODES[code]
    choices = sorted(LANGUAGES)
    raise ConfigError(
        f"{where}: unknown language {raw!r}.{did_you_mean(key, [*choices, *ISO_CODES])}",
        hint=f"use NLTK's name or an ISO 639-1 code; available: {', '.join(choices)}",
    )


def require_feature(language: str, feature: str, available: frozenset[str] | tuple[str, ...], where: str, hint: str) -> None:
    """Refuse a language that a feature (Punkt, Snowball, WordNet...) does not cover."""
    if language in available:
        return
    raise ConfigError(
        f"{where}: {feature} has no model for language '{language}'; it covers: {', '.join(sorted(available))}",
        hint=hint,
    )


def _validate_language(value: str) -> str:
    """Pydantic hook: resolve at load time, so the error names the pipeline file and key."""
    from pydantic_core import PydanticCustomError

    try:
        return resolve_language(value, where="language")
    except ConfigError as exc:
        message = exc.message.removeprefix("language: ")
        detail = (message[:-1] if message.endswith("'.") else message) + (f" — {exc.hint}" if exc.hint else "")
        raise PydanticCustomError("unknown_language", "{detail}", {"detail": detail}) from None


#: A language option: NLTK name or ISO code, resolved to NLTK's name when the pipeline is validated.
LanguageName = Annotated[
    str,
    AfterValidator(_validate_language),
    Field(description="NLTK's language name (english, german, spanish...) or an ISO 639-1 code (en, de, es)"),
]
