"""A labelled 2-D map of chosen words, for a person to look at.

PCA (scikit-learn) is fast and deterministic and keeps the large-scale layout;
t-SNE keeps local neighbourhoods (clusters) but distorts distances between
them. matplotlib draws with the non-interactive Agg backend, so it works on a
server without a display.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import UsageError
from .vectors import Vectors

logger = logging.getLogger(__name__)

__all__ = ["plot_words", "project"]

Method = Literal["pca", "tsne"]


def project(points: np.ndarray, method: Method = "pca", *, seed: int = 13) -> np.ndarray:
    """Reduce ``(n, dim)`` points to ``(n, 2)``."""
    n = points.shape[0]
    if n < 2:
        raise UsageError(f"a map needs at least 2 words, got {n}", hint="give more --words or a larger --top")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(points)
    if method == "tsne":
        from sklearn.manifold import TSNE

        # perplexity must stay below the number of points
        perplexity = float(min(30.0, max(1.0, (n - 1) / 3)))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(points)
    raise UsageError(f"unknown projection '{method}'", hint="choose pca or tsne")


def plot_words(
    vectors: Vectors,
    words: Sequence[str],
    output: str | Path,
    *,
    method: Method = "pca",
    title: str | None = None,
    seed: int = 13,
) -> Path:
    """Draw ``words`` at their 2-D projection, labelled, into ``output`` (PNG, SVG or PDF by suffix), atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .atomic import atomic_file

    words = list(dict.fromkeys(words))
    points = np.stack([vectors.require(w) for w in words]).astype(np.float64)
    xy = project(points, method, seed=seed)
    size = 7 + min(9, len(words) / 25)
    fig, ax = plt.subplots(figsize=(size * 1.3, size), dpi=120)
    try:
        ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#1f77b4", alpha=0.7)
        for (x, y), w in zip(xy, words):
            ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
        ax.margins(0.08)  # room for the labels of points at the edges
        ax.set_title(title or f"{len(words)} words, {'t-SNE' if method == 'tsne' else 'PCA'} of {vectors.dim}-d vectors")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.tight_layout()
        out = Path(output)
        with atomic_file(out) as tmp:
            fig.savefig(tmp, format=out.suffix.lstrip(".").lower() or "png")
    finally:
        plt.close(fig)
    logger.info("wrote a %s map of %d words to %s", method, len(words), output)
    return out
