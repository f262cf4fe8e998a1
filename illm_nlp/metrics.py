"""Scores for generated text: BLEU and chrF (sacrebleu), ROUGE (rouge-score), and the lead-N baseline.

All scores are on a 0–100 scale, computed on *detokenised* text against the
references as written, so they match what sacrebleu and rouge-score report
elsewhere. A summariser's ROUGE means little alone: :func:`lead` gives the
first-N-sentences baseline to report beside it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from .errors import DataError

__all__ = ["ROUGE_KEYS", "bleu", "chrf", "lead", "rouge", "split_sentences"]

ROUGE_KEYS = ("rouge1", "rouge2", "rougeL")


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str], what: str) -> None:
    if len(hypotheses) != len(references):
        raise DataError(
            f"{what}: {len(hypotheses)} outputs but {len(references)} references",
            hint="score each output against the reference of the same document",
        )
    if not references:
        raise DataError(f"{what}: nothing to score (no references)", hint="give at least one document with a target")


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (sacrebleu defaults: 13a tokenisation, cased), one reference per output."""
    import sacrebleu

    _check_pairs(hypotheses, references, "BLEU")
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus chrF (character n-gram F-score, sacrebleu defaults)."""
    import sacrebleu

    _check_pairs(hypotheses, references, "chrF")
    return float(sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score)


@functools.lru_cache(maxsize=4)
def _scorer(types: tuple[str, ...], stemmer: bool) -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(types), use_stemmer=stemmer)


def rouge(
    hypotheses: Sequence[str],
    references: Sequence[str],
    *,
    types: Sequence[str] = ROUGE_KEYS,
    stemmer: bool = True,
) -> dict[str, float]:
    """Mean ROUGE F1 per type (``rouge1``, ``rouge2``, ``rougeL``) over the documents, 0–100.

    rouge-score's own tokeniser is used (lower-cased, alphanumeric words), with
    the Porter stemmer as in the published summarisation results.
    """
    _check_pairs(hypotheses, references, "ROUGE")
    scorer = _scorer(tuple(types), stemmer)
    totals = dict.fromkeys(types, 0.0)
    for hyp, ref in zip(hypotheses, references):
        scores = scorer.score(ref, hyp)  # rouge-score takes (target, prediction)
        for t in types:
            totals[t] += scores[t].fmeasure
    return {t: 100.0 * totals[t] / len(references) for t in types}


_PARAGRAPH = re.compile(r"\n\s*\n")
#: languages whose punkt data was found (checked once per process, not per document)
_CHECKED: set[str] = set()


def split_sentences(text: str, language: str = "english") -> list[str]:
    """Sentences of a text with NLTK's punkt model for the language; paragraph breaks always split.

    Raises :class:`~illm_nlp.errors.MissingResourceError` (naming the fix)
    when punkt has no data for the language, instead of NLTK's LookupError.
    """
    from nltk.tokenize import sent_tokenize

    from . import resources

    if language not in _CHECKED:
        resources.check([f"punkt_tab/{language}"], who=f"sentence splitting ({language})")
        _CHECKED.add(language)
    out: list[str] = []
    for para in _PARAGRAPH.split(text):
        para = " ".join(para.split())
        if para:
            out.extend(s for s in sent_tokenize(para, language=language) if s.strip())
    return out


def lead(text: str, n: int = 3, language: str = "english") -> str:
    """The lead-N baseline: the document's first ``n`` sentences, joined by spaces."""
    return " ".join(split_sentences(text, language)[:n])
