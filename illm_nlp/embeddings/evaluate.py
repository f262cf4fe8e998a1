"""Standard intrinsic evaluations of word vectors, run by gensim.

- analogies (``questions-words.txt``, Mikolov et al.: "man is to king as woman
  is to ?"): accuracy over the questions whose four words the vectors know;
- word pairs (``wordsim353.tsv``): Pearson and Spearman correlation between
  the vectors' cosine similarities and human judgements.

Both files ship inside gensim's test data, so the defaults work offline. The
share of questions/pairs skipped for unknown words is reported too: a score
on 5% of the questions says little.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from ..errors import DataError
from .neighbours import keyed
from .vectors import Vectors

logger = logging.getLogger(__name__)

__all__ = ["default_analogies", "default_pairs", "evaluate_analogies", "evaluate_pairs"]


def default_analogies() -> Path:
    from gensim.test.utils import datapath

    return Path(datapath("questions-words.txt"))


def default_pairs() -> Path:
    from gensim.test.utils import datapath

    return Path(datapath("wordsim353.tsv"))


def _count_questions(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip() and not line.startswith(":"))


def evaluate_analogies(vectors: Vectors, path: Path | None = None, *, restrict: int = 300_000, case_insensitive: bool = True) -> dict[str, Any]:
    """Analogy accuracy overall and per section, over the questions the vectors can answer."""
    path = Path(path) if path else default_analogies()
    if not path.is_file():
        raise DataError(f"analogy file '{path}' does not exist", hint="give a questions-words.txt style file (': section' lines, then 'a b c d')")
    kv = keyed(vectors)
    _score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict, case_insensitive=case_insensitive)
    total = _count_questions(path)
    out_sections = []
    for sec in sections:
        if sec["section"] == "Total accuracy":
            continue
        n = len(sec["correct"]) + len(sec["incorrect"])
        out_sections.append({"section": sec["section"], "answered": n, "correct": len(sec["correct"]),
                             "accuracy": len(sec["correct"]) / n if n else None})
    answered = sum(s["answered"] for s in out_sections)
    correct = sum(s["correct"] for s in out_sections)
    return {
        "file": str(path),
        "questions": total,
        "answered": answered,
        "skipped_share": 1 - answered / total if total else None,
        "correct": correct,
        "accuracy": correct / answered if answered else None,
        "sections": out_sections,
    }


def evaluate_pairs(vectors: Vectors, path: Path | None = None, *, restrict: int = 300_000, case_insensitive: bool = True) -> dict[str, Any]:
    """Pearson / Spearman correlation with human similarity judgements (tab-separated 'word word score')."""
    path = Path(path) if path else default_pairs()
    if not path.is_file():
        raise DataError(f"word-pair file '{path}' does not exist", hint="give a wordsim353.tsv style file: 'word<TAB>word<TAB>score' lines")
    kv = keyed(vectors)
    try:
        pearson, spearman, oov = kv.evaluate_word_pairs(str(path), restrict_vocab=restrict, case_insensitive=case_insensitive)
    except ValueError as exc:  # gensim: no pair with both words known
        return {"file": str(path), "pearson": None, "spearman": None, "skipped_share": 1.0, "note": str(exc).split(":")[0]}

    def num(x: Any) -> float | None:
        x = float(x)
        return None if math.isnan(x) else x

    return {
        "file": str(path),
        "pearson": num(pearson[0]),
        "pearson_p": num(pearson[1]),
        "spearman": num(spearman.statistic if hasattr(spearman, "statistic") else spearman[0]),
        "spearman_p": num(spearman.pvalue if hasattr(spearman, "pvalue") else spearman[1]),
        "skipped_share": oov / 100.0,
    }
