"""Turning bytes into text for the readers: decoding with useful errors, HTML stripping.

Every function here reports a problem as a short reason string that starts
with its kind (``"undecodable: ..."``, ``"binary file: ..."``) because the run
summary groups skipped documents by the words before the first colon.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from ..errors import ConfigError

__all__ = [
    "BINARY_SNIFF_BYTES",
    "UndecodableError",
    "check_encoding",
    "decode",
    "decode_record",
    "line_body",
    "nul_reason",
    "strip_html",
]

#: How much of a file is looked at for NUL bytes before it is called binary (as git and grep do).
BINARY_SNIFF_BYTES = 8192


class UndecodableError(ValueError):
    """Bytes that are not valid in the chosen encoding; ``reason`` says where."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_encoding(encoding: str, option: str = "encoding") -> tuple[str, bool]:
    """The codec's canonical name and whether it is ASCII-compatible.

    Line formats split raw bytes at ``\\n`` before decoding, which is only
    right for encodings that write ASCII as ASCII (UTF-8, Latin-1, cp1252 ...),
    not for UTF-16 or UTF-32.
    """
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"{option}: unknown encoding {encoding!r}",
            hint="use a Python codec name such as utf-8, latin-1, cp1252 or utf-16",
        ) from None
    try:
        ascii_compatible = "a\n\t,{".encode(info.name) == b"a\n\t,{"
    except (UnicodeError, LookupError):  # pragma: no cover - exotic codecs
        ascii_compatible = False
    return info.name, ascii_compatible


def decode(data: bytes | bytearray | memoryview, encoding: str, base_offset: int = 0, strip_bom: bool = False) -> str:
    """Decode ``data`` strictly; on failure raise :class:`UndecodableError` naming the file byte offset.

    ``base_offset`` is where ``data`` starts in its file, so the offset in the
    message is one a hex editor (or ``cmp``) finds.
    """
    try:
        text = str(data, encoding)
    except UnicodeDecodeError as exc:
        bad = bytes(data[exc.start : min(exc.end, exc.start + 4)])
        shown = " ".join(f"0x{b:02x}" for b in bad)
        raise UndecodableError(
            f"undecodable: not valid {encoding} at byte {base_offset + exc.start} ({shown}); "
            f"set encoding: to the file's encoding (e.g. latin-1 or cp1252)"
        ) from None
    if strip_bom and text.startswith("\ufeff"):
        text = text[1:]
    return text


def line_body(raw: bytes | bytearray) -> bytes | bytearray | memoryview:
    """``raw`` without its line ending (``\\n`` or ``\\r\\n``); a long line is not copied (lines can be huge)."""
    end = len(raw)
    if raw.endswith(b"\n"):
        end -= 2 if raw.endswith(b"\r\n") else 1
    if end == len(raw):
        return raw
    return raw[:end] if end < 65536 else memoryview(raw)[:end]


def nul_reason(data: bytes | bytearray, base_offset: int = 0) -> str | None:
    """``"binary file: ..."`` if ``data`` holds a NUL byte (text files never do), else None."""
    if b"\x00" not in data:
        return None
    at = data.find(b"\x00")
    return f"binary file: NUL byte at byte {base_offset + at}; not a text file"


def decode_record(raw: bytes | bytearray, encoding: str, offset: int) -> str:
    """A line or paragraph without its final line ending, decoded; raise :class:`UndecodableError` for a NUL byte too."""
    bad = nul_reason(raw, offset)
    if bad:
        raise UndecodableError(bad)
    return decode(line_body(raw), encoding, offset, strip_bom=offset == 0)


# -- HTML ---------------------------------------------------------------------
#: Elements whose content is never text a reader wants.
_DROP = frozenset({"script", "style", "noscript", "template", "svg", "math", "head"})
#: Elements that start a new line (the rest are inline and join their text).
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "title", "tr", "ul",
})
#: Block elements that end a paragraph (a blank line in the output).
_PARAGRAPH = frozenset({
    "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl", "dt", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
    "title", "tr", "ul",
})
_WHITESPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML page, one paragraph per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._drop_depth = 0
        self._pre_depth = 0
        self._keep_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            # <title> lives in <head>, which is dropped; its text is still worth keeping.
            self._keep_title = True
            self.parts.append("\n\n")
            return
        if tag in _DROP:
            self._drop_depth += 1
            return
        if tag == "pre":
            self._pre_depth += 1
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._keep_title = False
            self.parts.append("\n\n")
        elif tag in _DROP:
            self._drop_depth = max(0, self._drop_depth - 1)
            return
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
        if tag in _PARAGRAPH:
            self.parts.append("\n\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._drop_depth == 0 or self._keep_title:
            # Source line breaks are just spaces in HTML, except inside <pre>.
            self.parts.append(data if self._pre_depth else _WHITESPACE.sub(" ", data))


def strip_html(html: str) -> str:
    """The visible text of an HTML document.

    Tags are removed, ``<script>``/``<style>`` (and the rest of ``<head>``
    except ``<title>``) dropped, entities decoded, runs of spaces collapsed;
    block elements (``<p>``, ``<div>``, headings, list items, ...) become
    paragraphs separated by a blank line, ``<br>`` a line break.
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    blank = True  # drop leading blank lines and runs of them
    for line in lines:
        if line:
            out.append(line)
            blank = False
        elif not blank:
            out.append("")
            blank = True
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
