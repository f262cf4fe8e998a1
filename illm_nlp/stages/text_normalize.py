"""Text-level cleaning before tokenising: Unicode form, HTML, placeholders.

:class:`TextNormalizer` is shared by ``nltk.clean.v1`` (which keeps the
document's text and only uses the result to tokenise) and by the small
``text.normalize.v1`` stage (which rewrites ``Doc.text``, for pipelines that
want the cleaned text itself, e.g. for summarisation).

Placeholders: URLs, e-mail addresses and numbers can be replaced by ``<url>``,
``<email>`` and ``<num>``. Inside the cleaning stage they are first written as
plain alphabetic sentinels (``illmplaceholderurl``) so that no tokenizer splits
them at the angle brackets, and are mapped to ``<url>``... per token.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from html.parser import HTMLParser
from typing import Annotated, Literal

from pydantic import Field

from ..document import Doc
from ..registry import stages
from .base import Stage

logger = logging.getLogger(__name__)

__all__ = ["PLACEHOLDERS", "SENTINELS", "TextNormalizer", "UnicodeForm", "strip_html"]

UnicodeForm = Literal["NFC", "NFKC", "NFD", "NFKD", "none"]

#: kind -> the placeholder token that replaces it.
PLACEHOLDERS: dict[str, str] = {"url": "<url>", "email": "<email>", "num": "<num>"}
#: kind -> an alphabetic stand-in that every tokenizer keeps whole; mapped back per token.
SENTINELS: dict[str, str] = {k: f"illmplaceholder{k}" for k in PLACEHOLDERS}

# Trailing sentence punctuation is not part of a URL ("see http://x.org.").
_URL = re.compile(r"(?:(?:https?|ftp)://|www\.)[^\s<>\"'()\[\]{}]+(?<![.,;:!?])", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.-])")
# 12, 3.50, 1,000,000, 2024 — not digits glued to letters ("2nd", "mp3").
_NUMBER = re.compile(r"(?<![\w.,])\d++(?:[.,]\d++)*+(?!\w)")
_SPACES = re.compile(r"[ \t\f\v]*\n[ \t\f\v\n]*|[ \t\f\v]{2,}")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment: no tags, no script/style, entities decoded."""

    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                        "section", "article", "header", "footer", "blockquote", "pre", "table", "ul", "ol", "title"})
    _SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Remove HTML tags, comments, scripts and styles; decode entities; keep block breaks as newlines.

    Uses the standard library's HTML parser, which copes with broken markup
    the way browsers do, rather than a tag-matching regex.
    """
    if "<" not in text:
        return html.unescape(text) if "&" in text else text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    out = "".join(parser.parts)
    return _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", out).strip()


class TextNormalizer:
    """Unicode normalisation, HTML stripping and placeholders, compiled once."""

    def __init__(self, *, unicode_form: UnicodeForm = "NFC", strip_html: bool = False, replace_urls: bool = False,
                 replace_emails: bool = False, replace_numbers: bool = False, lowercase: bool = False,
                 sentinels: bool = False) -> None:
        self.unicode_form = None if unicode_form == "none" else unicode_form
        self.strip_html = strip_html
        self.lowercase = lowercase
        marks = SENTINELS if sentinels else PLACEHOLDERS
        # Padded with spaces so "(see http://a.b)" still splits around the placeholder.
        self._subs: list[tuple[re.Pattern[str], str]] = []
        if replace_emails:  # before URLs: "x@www.example.org" is an address
            self._subs.append((_EMAIL, f" {marks['email']} "))
        if replace_urls:
            self._subs.append((_URL, f" {marks['url']} "))
        if replace_numbers:
            self._subs.append((_NUMBER, f" {marks['num']} "))
        self.active = bool(self.unicode_form or strip_html or self._subs or lowercase)

    def __call__(self, text: str) -> str:
        if self.unicode_form and not unicodedata.is_normalized(self.unicode_form, text):
            text = unicodedata.normalize(self.unicode_form, text)
        if self.strip_html:
            text = strip_html(text)
        for rx, mark in self._subs:
            text = rx.sub(mark, text)
        if self.lowercase:
            text = text.lower()
        return text


class NormalizeStage(Stage):
    """Rewrites ``Doc.text`` in place with a :class:`TextNormalizer`."""

    def __init__(self, normalizer: TextNormalizer) -> None:
        self.normalizer = normalizer

    def __call__(self, doc: Doc) -> Doc | None:
        doc.text = self.normalizer(doc.text)
        return doc


@stages.register("text.normalize.v1")
def text_normalize(
    *,
    unicode_form: Annotated[UnicodeForm, Field(description="Unicode normalisation form ('none' keeps the text as read)")] = "NFC",
    lowercase: Annotated[bool, Field(description="lower-case the whole text")] = False,
    strip_html: Annotated[bool, Field(description="remove HTML tags, scripts and styles; decode entities like &amp;")] = False,
    replace_urls: Annotated[bool, Field(description="replace http(s)/ftp/www addresses by <url>")] = False,
    replace_emails: Annotated[bool, Field(description="replace e-mail addresses by <email>")] = False,
    replace_numbers: Annotated[bool, Field(description="replace numbers (12, 3.50, 1,000) by <num>")] = False,
) -> Stage:
    """Normalise the document text itself: Unicode form, HTML, URL/e-mail/number placeholders, case.

    Use it when the cleaned *text* is what later stages or the output need;
    ``nltk.clean.v1`` has the same options and leaves ``text`` untouched.
    """
    return NormalizeStage(TextNormalizer(unicode_form=unicode_form, strip_html=strip_html, replace_urls=replace_urls,
                                         replace_emails=replace_emails, replace_numbers=replace_numbers, lowercase=lowercase))
