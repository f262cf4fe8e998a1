"""Faster copies of NLTK's Punkt sentence splitter and treebank word tokenizer.

Since 3.10, NLTK runs every regular expression through ``nltk.redos``: the
third-party ``regex`` engine plus a wall-clock timeout on each call. That
guards against hostile *patterns*; the patterns here are NLTK's own fixed
ones, and on short sentences the wrapper and engine cost about half the
tokenizer's time. These classes take NLTK's pattern *sources* (read from
NLTK at run time, never copied) and compile them with the standard ``re``
module, which gives the same matches for these patterns about twice as fast.

The word tokenizer also skips the ten contraction passes ("cannot", "gonna",
"'tis"...) when one combined search shows none can match, which is exact:
a pass that cannot match leaves the text unchanged.

Both are checked against NLTK on a sample when first built in a process;
if NLTK ever changes in a way these copies do not follow, they log a warning
and NLTK's own tokenizer is used, so output is always NLTK's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["punkt_tokenizer", "stdlib_pattern", "treebank_tokenizer"]

# ``regex`` flag values that have a standard-``re`` equivalent (same meaning).
_FLAG_NAMES = ("IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII", "UNICODE")
# Flags of ``regex`` that change nothing for these patterns (VERSION0 is its re-compatible mode).
_HARMLESS = 8192

_PLAIN_WORD = re.compile(r"[A-Za-z' ]+")

_SELF_TEST = (
    'Mr. Smith paid $3.50 for the U.S. edition at 5 p.m. on Jan. 3. "Was it Mr. Brown\'s?" he asked! '
    "I cannot say -- gonna find out... (maybe) [not] 'tis {odd}; costs: 1,000 or 3,36 euros. "
    "“Quoted,” she said ‘softly’. «Guillemets» — dashes – too. Don't won't they'll we're I'd it's."
)


class FallbackNeeded(Exception):
    """A pattern cannot be compiled for the standard ``re`` module."""


def stdlib_pattern(pattern: Any) -> re.Pattern[str]:
    """Compile an NLTK pattern (``TimedPattern``, ``regex`` or ``re``) with the standard ``re`` module."""
    import regex

    if isinstance(pattern, re.Pattern):
        return pattern
    inner = getattr(pattern, "_rx", pattern)
    src, flags = inner.pattern, int(inner.flags)
    out = 0
    for name in _FLAG_NAMES:
        bit = int(getattr(regex, name))
        if flags & bit:
            out |= int(getattr(re, name))
            flags &= ~bit
    if flags & ~_HARMLESS:
        raise FallbackNeeded(f"pattern {src!r} uses regex-only flags {flags:#x}")
    if out & re.ASCII:
        out &= ~re.UNICODE
    try:
        return re.compile(src, out)
    except re.error as exc:
        raise FallbackNeeded(f"pattern {src!r}: {exc}") from None


def required_chars(rx: re.Pattern[str]) -> frozenset[str] | None:
    """Characters of which at least one occurs in every match of ``rx`` (None when that cannot be told).

    Read from the parsed pattern: a required literal or small character set
    anywhere in the top-level sequence. When the text has none of them the
    pattern cannot match, so its substitution can be skipped: exact, and a
    few fast ``in`` tests instead of a regex scan of the sentence.
    """
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python < 3.11
        return None
    try:
        parsed = parser.parse(rx.pattern, rx.flags)
    except (re.error, ValueError, TypeError):  # pragma: no cover - the pattern compiled, so this is unexpected
        return None

    def usable(ch: str, icase: bool) -> bool:
        # Under IGNORECASE a letter also matches its other cases (and oddities like the Kelvin sign).
        return not icase or (ch.isascii() and not ch.isalpha())

    def item(op: Any, av: Any, icase: bool) -> frozenset[str] | None:
        if op is sre.LITERAL:
            return frozenset(chr(av)) if usable(chr(av), icase) else None
        if op is sre.IN:
            chars: set[str] = set()
            for sub_op, sub_av in av:
                if sub_op is sre.LITERAL:
                    chars.add(chr(sub_av))
                elif sub_op is sre.RANGE and sub_av[1] - sub_av[0] <= 16:
                    chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
                else:
                    return None
            return frozenset(chars) if all(usable(c, icase) for c in chars) else None
        if op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            return sequence(list(sub), icase or bool(add_flags & re.IGNORECASE))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, _high, sub = av
            return sequence(list(sub), icase) if low >= 1 else None
        if op is getattr(sre, "ATOMIC_GROUP", None):
            return sequence(list(av), icase)
        if op is sre.BRANCH:
            branches = [sequence(list(b), icase) for b in av[1]]
            if any(b is None for b in branches):
                return None
            return frozenset().union(*branches)  # type: ignore[arg-type]
        return None

    def sequence(items: list[Any], icase: bool) -> frozenset[str] | None:
        # The smallest set wins, but never a set of spaces (every sentence has those) over a real one.
        found = [req for op, av in items if (req := item(op, av, icase)) is not None]
        return min(found, key=lambda req: (all(c.isspace() for c in req), len(req)), default=None)

    found = sequence(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    return found if found and len(found) <= 8 else None


_Pass = tuple[re.Pattern[str], str, str | None, Callable[[str], object] | None]


def _guarded(rx: re.Pattern[str], sub: str) -> _Pass:
    """(pattern, replacement, the one required character or None, a search for any of several or None).

    One character is tested with ``in``; several with a one-class regex search
    (both scan in C); neither means the pass always runs.
    """
    req = required_chars(rx)
    if not req:
        return rx, sub, None, None
    if len(req) == 1:
        return rx, sub, next(iter(req)), None
    return rx, sub, None, re.compile("[" + "".join(re.escape(c) for c in sorted(req)) + "]").search


class FastTreebankTokenizer:
    """NLTK's ``NLTKWordTokenizer`` (what ``word_tokenize`` uses), on the standard ``re`` engine."""

    def __init__(self) -> None:
        from nltk.tokenize.destructive import NLTKWordTokenizer

        t = NLTKWordTokenizer
        # The passes in NLTK's order; each with the characters it needs in order to change anything.
        self._before = [_guarded(stdlib_pattern(r), s) for r, s in (*t.STARTING_QUOTES, *t.PUNCTUATION,
                                                                    t.PARENS_BRACKETS, t.DOUBLE_DASHES)]
        self._ending = [_guarded(stdlib_pattern(r), s) for r, s in t.ENDING_QUOTES]
        self._contractions = [stdlib_pattern(r) for r in (*t.CONTRACTIONS2, *t.CONTRACTIONS3)]
        self._literals = self._contraction_literals()
        self._guard = self._contraction_guard()

    def _contraction_literals(self) -> tuple[str, ...] | None:
        """The word each contraction pattern needs ("cannot", " 'tis"), or None if one is not a plain word.

        For ASCII text, ignoring case means only A-Z/a-z, so "the lower-cased
        text contains none of these" proves no pass can match.
        """
        literals = []
        for rx in self._contractions:
            src = rx.pattern
            if not src.startswith("(?i)"):
                return None
            for piece in ("(?i)", r"\b", "(?#X)", r"(?=\s)", "(", ")"):
                src = src.replace(piece, "")
            if not _PLAIN_WORD.fullmatch(src):
                return None
            literals.append(src.lower())
        return tuple(literals)

    def _contraction_guard(self) -> re.Pattern[str] | None:
        """One search that matches wherever any contraction pass could (None: no guard, run them all)."""
        parts = []
        for rx in self._contractions:
            if not rx.pattern.startswith("(?i)") or rx.flags & re.ASCII:
                return None
            parts.append(f"(?:{rx.pattern[4:]})")
        return re.compile("|".join(parts), re.IGNORECASE)

    def _may_contract(self, text: str) -> bool:
        if self._literals is not None and text.isascii():
            low = text.lower()
            return any(lit in low for lit in self._literals)
        return self._guard is None or self._guard.search(text) is not None

    def tokenize(self, text: str) -> list[str]:
        """Split one sentence into tokens, exactly as ``NLTKWordTokenizer().tokenize`` does."""
        for rx, sub, char, search in self._before:
            if (char is None or char in text) and (search is None or search(text)):
                text = rx.sub(sub, text)
        text = " " + text + " "
        for rx, sub, char, search in self._ending:
            if (char is None or char in text) and (search is None or search(text)):
                text = rx.sub(sub, text)
        if self._may_contract(text):
            for rx in self._contractions:
                text = rx.sub(r" \1 \2 ", text)
        return text.split()


def _fast_punkt_classes() -> tuple[type, type]:
    """Subclasses of Punkt's language variables and token with stdlib-``re`` patterns."""
    from nltk.tokenize import punkt

    base_vars = punkt.PunktLanguageVars
    non_punct = stdlib_pattern(punkt._re_non_punct)

    class StdlibLanguageVars(base_vars):  # type: ignore[misc, valid-type]
        __slots__ = ()
        re_boundary_realignment = stdlib_pattern(base_vars.re_boundary_realignment)

        def _word_tokenizer_re(self) -> Any:
            try:
                return self._re_word_tokenizer  # type: ignore[has-type]
            except AttributeError:
                self._re_word_tokenizer = stdlib_pattern(base_vars._word_tokenizer_re(self))  # type: ignore[misc]
                return self._re_word_tokenizer

        def period_context_re(self) -> Any:
            try:
                return self._re_period_context  # type: ignore[has-type]
            except AttributeError:
                self._re_period_context = stdlib_pattern(base_vars.period_context_re(self))  # type: ignore[misc]
                return self._re_period_context

    base_tok = punkt.PunktToken

    class StdlibToken(base_tok):  # type: ignore[misc, valid-type]
        __slots__ = ()
        _RE_ELLIPSIS = stdlib_pattern(base_tok._RE_ELLIPSIS)
        _RE_NUMERIC = stdlib_pattern(base_tok._RE_NUMERIC)
        _RE_INITIAL = stdlib_pattern(base_tok._RE_INITIAL)
        _RE_ALPHA = stdlib_pattern(base_tok._RE_ALPHA)

        @property
        def is_non_punct(self) -> Any:
            return non_punct.search(self.type)

    return StdlibLanguageVars, StdlibToken


@cache
def punkt_tokenizer(language: str) -> Any:
    """NLTK's Punkt model for ``language``, loaded once per process, on the fast regex engine.

    Raises NLTK's ``LookupError`` when the model is not installed; stages check
    their resources before the first document, so users see MissingResourceError.
    """
    from nltk.tokenize.punkt import PunktTokenizer

    reference = PunktTokenizer(language)
    try:
        lang_vars, token_cls = _fast_punkt_classes()
        fast = PunktTokenizer(language)
        fast._lang_vars = lang_vars()
        fast._Token = token_cls
        if fast.tokenize(_SELF_TEST) == reference.tokenize(_SELF_TEST):
            return fast
        logger.warning("the fast Punkt copy disagrees with NLTK %s; using NLTK's own (slower)", _nltk_version())
    except (FallbackNeeded, AttributeError, TypeError) as exc:
        logger.warning("cannot build the fast Punkt copy (%s); using NLTK's own (slower)", exc)
    return reference


@cache
def treebank_tokenizer() -> Any:
    """An object with ``tokenize(sentence)`` giving exactly NLTK's ``word_tokenize`` tokens for one sentence."""
    from nltk.tokenize.destructive import NLTKWordTokenizer

    reference = NLTKWordTokenizer()
    try:
        fast = FastTreebankTokenizer()
        sample = [_SELF_TEST, *_SELF_TEST.split(". ")]
        if all(fast.tokenize(s) == reference.tokenize(s) for s in sample):
            return fast
        logger.warning("the fast treebank copy disagrees with NLTK %s; using NLTK's own (slower)", _nltk_version())
    except (FallbackNeeded, AttributeError, TypeError, ValueError) as exc:
        logger.warning("cannot build the fast treebank copy (%s); using NLTK's own (slower)", exc)
    return reference


def _nltk_version() -> str:
    import nltk

    return str(getattr(nltk, "__version__", "?"))
