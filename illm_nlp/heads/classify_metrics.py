"""Classification metrics with label names: accuracy, macro-F1, per-class scores, confusion.

Computed with scikit-learn, and returned as plain JSON-able dicts keyed by
label *name* (never an id), in the shape ``illm evaluate --json`` prints:
``accuracy``, ``macro_f1``, ``per_class`` (precision, recall, f1, support per
label) and ``confusion`` (``labels`` and the ``matrix``, rows = true label).
For multi-label data ``accuracy`` is the exact-match (subset) accuracy,
``micro_f1`` is added and ``confusion`` holds one 2×2 matrix per label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["classification_metrics", "format_table"]


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str], *, multi_label: bool = False) -> dict[str, Any]:
    """Metrics for id arrays (single-label: shape (n,); multi-label: 0/1 matrices (n, labels))."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        multilabel_confusion_matrix,
        precision_recall_fscore_support,
    )

    names = list(labels)
    ids = list(range(len(names)))
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if multi_label:
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, labels=ids, zero_division=0)
        out: dict[str, Any] = {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=ids, zero_division=0)),
            "micro_f1": float(f1_score(y_true, y_pred, average="micro", labels=ids, zero_division=0)),
        }
        mats = multilabel_confusion_matrix(y_true, y_pred, labels=ids)
        out["confusion"] = {"labels": names, "per_label": {n: m.tolist() for n, m in zip(names, mats)}, "layout": "[[tn, fp], [fn, tp]]"}
    else:
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, labels=ids, zero_division=0)
        out = {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=ids, zero_division=0)),
            "confusion": {"labels": names, "matrix": confusion_matrix(y_true, y_pred, labels=ids).tolist()},
        }
    out["per_class"] = {
        n: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])} for i, n in enumerate(names)
    }
    out["documents"] = len(y_true)
    return out


def format_table(metrics: dict[str, Any]) -> str:
    """A readable report: the headline numbers, the per-class table and the confusion matrix."""
    lines = [f"documents  {metrics.get('documents', '?')}", f"accuracy   {metrics['accuracy']:.4f}", f"macro-F1   {metrics['macro_f1']:.4f}"]
    if "micro_f1" in metrics:
        lines.append(f"micro-F1   {metrics['micro_f1']:.4f}")
    per = metrics["per_class"]
    width = max([5, *(len(n) for n in per)])
    lines += ["", f"{'label':<{width}}  precision  recall      f1  support"]
    for name, row in per.items():
        lines.append(f"{name:<{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  {row['f1']:6.4f}  {row['support']:7d}")
    conf = metrics.get("confusion", {})
    if "matrix" in conf:
        names = conf["labels"]
        cell = max([6, *(len(n) for n in names)])
        lines += ["", "confusion (rows: true, columns: predicted)", " " * (width + 2) + "".join(f"{n:>{cell + 1}}" for n in names)]
        for name, row in zip(names, conf["matrix"]):
            lines.append(f"{name:<{width}}  " + "".join(f"{v:>{cell + 1}d}" for v in row))
    return "\n".join(lines)
