"""NLTK data that stages need: how to find it, and how to install it.

Stages name resources as ``package`` or ``package/language`` (for example
``punkt_tab/german`` or ``stopwords``). Checking happens before the first
document is read, so a missing resource costs no partial output; the error
names the resource and the command that installs it. Downloading is only ever
done on request (``illm data download``), never by a stage.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from .errors import MissingResourceError

logger = logging.getLogger(__name__)

__all__ = ["KNOWN_PACKAGES", "Resource", "check", "download", "is_installed", "parse", "search_path"]

#: package -> the nltk.data paths that satisfy it (any one is enough). ``{lang}``
#: is replaced by the language part of the resource id.
KNOWN_PACKAGES: dict[str, tuple[str, ...]] = {
    "punkt_tab": ("tokenizers/punkt_tab/{lang}/",),
    "stopwords": ("corpora/stopwords/{lang}", "corpora/stopwords.zip/stopwords/{lang}"),
    "wordnet": ("corpora/wordnet.zip", "corpora/wordnet/", "corpora/wordnet"),
    "omw-1.4": ("corpora/omw-1.4.zip", "corpora/omw-1.4/"),
    "averaged_perceptron_tagger_eng": ("taggers/averaged_perceptron_tagger_eng/",),
}


@dataclass(frozen=True)
class Resource:
    """A resource id split into the downloadable package and an optional language."""

    package: str
    lang: str = ""

    @property
    def id(self) -> str:
        return f"{self.package}/{self.lang}" if self.lang else self.package

    def candidates(self) -> tuple[str, ...]:
        paths = KNOWN_PACKAGES.get(self.package, (self.package,))
        lang = self.lang or "english"
        if self.package == "stopwords" and not self.lang:
            return tuple(p.replace("/{lang}", "") for p in paths)
        return tuple(p.format(lang=lang) for p in paths)


def parse(resource_id: str) -> Resource:
    package, _, lang = resource_id.partition("/")
    return Resource(package, lang)


def search_path() -> list[str]:
    import nltk

    return list(nltk.data.path)


def is_installed(resource_id: str) -> bool:
    """True when any of the resource's paths is found on NLTK's search path."""
    import nltk

    for path in parse(resource_id).candidates():
        try:
            nltk.data.find(path)
            return True
        except LookupError:
            continue
    return False


def check(resource_ids: list[str] | tuple[str, ...], who: str = "") -> None:
    """Raise :class:`MissingResourceError` naming the first missing resource and the fix."""
    missing = sorted({r for r in resource_ids if not is_installed(r)})
    if not missing:
        return
    packages = sorted({parse(r).package for r in missing})
    where = f"{who} needs" if who else "needed:"
    env = os.environ.get("NLTK_DATA")
    looked = f" NLTK looked in: {', '.join(search_path()[:6])}" + (" (NLTK_DATA is set)" if env else "")
    raise MissingResourceError(
        f"{where} NLTK resource{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}, "
        f"which {'are' if len(missing) > 1 else 'is'} not installed.{looked}",
        hint=f"run `illm data download {' '.join(packages)}` (or `python -m nltk.downloader {' '.join(packages)}`), "
        "or point NLTK_DATA at a folder that holds it",
    )


def download(packages: list[str], target: str | None = None) -> dict[str, bool]:
    """Fetch packages with NLTK's downloader; returns package -> success."""
    import nltk

    results = {}
    for pkg in packages:
        logger.info("downloading NLTK package %s", pkg)
        results[pkg] = bool(nltk.download(pkg, download_dir=target, quiet=True, raise_on_error=False))
    return results
