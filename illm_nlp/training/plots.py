"""Training curves (``training.png``) and confusion matrices (``confusion.png``).

Drawn with matplotlib's Agg backend (no display needed) and written
atomically, so a plot beside a run is always whole.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["plot_confusion", "plot_history", "plot_members"]


def _figure(*args: Any, **kwargs: Any) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure(*args, **kwargs)


def _save(fig: Any, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}{path.suffix}")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def _finish(fig: Any, path: Path, title: str, axes: Sequence[tuple[Any, str]], **legend: Any) -> Path:
    """Label the per-epoch axes, add legends where there is something to name, title and save."""
    for ax, name in axes:
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(**legend)
    fig.suptitle(title)
    return _save(fig, path)


def plot_history(epochs: Sequence[dict[str, Any]], path: Path, *, title: str = "training", best_epoch: int | None = None) -> Path:
    """Loss (train, and dev when known) on the left, the other metrics on the right, per epoch."""
    fig = _figure(figsize=(10, 4))
    ax_loss, ax_metric = fig.subplots(1, 2)
    xs = [int(r["epoch"]) for r in epochs]
    skip = {"epoch", "seconds", "dev_seconds", "learning_rate"}
    keys = sorted({k for r in epochs for k in r if k not in skip})
    for key in keys:
        ys = [r.get(key) for r in epochs]
        ax = ax_loss if key.endswith("loss") else ax_metric
        ax.plot(xs, ys, marker="o", markersize=3, label=key, linestyle="--" if not key.startswith("val_") else "-")
    if best_epoch:
        for ax in (ax_loss, ax_metric):
            ax.axvline(best_epoch, color="grey", alpha=0.5, linestyle=":", label=f"best epoch ({best_epoch})")
    return _finish(fig, path, title, ((ax_loss, "loss"), (ax_metric, "metric")), fontsize=8)


def plot_members(histories: Sequence[Sequence[dict[str, Any]]], path: Path, *, title: str = "training",
                 best_epochs: Sequence[int] = ()) -> Path:
    """An ensemble's training: loss (left) and dev metrics (right) of each member, one colour per member."""
    fig = _figure(figsize=(10, 4))
    ax_loss, ax_metric = fig.subplots(1, 2)
    skip = {"epoch", "seconds", "dev_seconds", "learning_rate", "member"}
    colours = [f"C{i % 10}" for i in range(len(histories))]
    for i, epochs in enumerate(histories):
        xs = [int(r["epoch"]) for r in epochs]
        keys = sorted({k for r in epochs for k in r if k not in skip})
        for key in keys:
            if key.endswith("loss") or key.startswith("val_"):
                ax = ax_loss if key.endswith("loss") else ax_metric
                ys = [r.get(key, float("nan")) for r in epochs]
                ax.plot(xs, ys, marker="o", markersize=2, color=colours[i], alpha=0.8,
                        linestyle="-" if key.startswith("val_") else "--", label=f"{key} #{i + 1}")
        if i < len(best_epochs) and best_epochs[i]:
            ax_metric.axvline(best_epochs[i], color=colours[i], alpha=0.4, linestyle=":")
    return _finish(fig, path, title, ((ax_loss, "loss"), (ax_metric, "dev metric")), fontsize=6, ncol=2)


def plot_confusion(matrix: Sequence[Sequence[int]], labels: Sequence[str], path: Path, *, title: str = "confusion matrix") -> Path:
    """A labelled confusion matrix (rows: true label, columns: predicted), with counts in the cells."""
    import numpy as np

    m = np.asarray(matrix)
    n = len(labels)
    size = max(4.0, min(14.0, 1.0 + 0.6 * n))
    fig = _figure(figsize=(size, size * 0.85))
    ax = fig.subplots()
    im = ax.imshow(m, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(n), labels=list(labels), rotation=45, ha="right")
    ax.set_yticks(range(n), labels=list(labels))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if n <= 30:
        high = m.max() / 2 if m.size else 0
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8, color="white" if m[i, j] > high else "black")
    ax.set_title(title)
    return _save(fig, path)
