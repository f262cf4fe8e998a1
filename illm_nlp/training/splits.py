"""The seeded dev split used when no dev set is given.

Single-label data is split per label (stratified) so a rare class is not left
out of dev by chance; multi-label or label-less data is split at random. The
same documents and seed always give the same split, so a resumed run holds out
the same documents as the run it continues.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from ..errors import DataError

logger = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["dev_split"]


def dev_split(docs: Sequence[T], share: float, seed: int, *, where: str = "training data") -> tuple[list[T], list[T]]:
    """Return ``(train, dev)`` with about ``share`` of ``docs`` in dev, in their original order."""
    n = len(docs)
    if n < 2:
        raise DataError(
            f"{where}: {n} document(s) cannot be split into training and dev sets",
            hint="give more training documents, or a dev set with --dev PATH",
        )
    rng = np.random.default_rng([seed % (2**32), 7919])
    groups: dict[object, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        label = getattr(doc, "label", None)
        groups[label if isinstance(label, str) else None].append(i)
    dev_idx: list[int] = []
    stratified = len(groups) > 1 and None not in groups and all(len(g) >= 2 for g in groups.values())
    if stratified:
        for key in sorted(groups, key=str):
            idx = np.array(groups[key])
            k = max(1, round(len(idx) * share))
            dev_idx.extend(rng.permutation(idx)[:k].tolist())
    else:
        k = max(1, round(n * share))
        dev_idx = rng.permutation(n)[:k].tolist()
    if len(dev_idx) >= n:
        dev_idx = dev_idx[: n - 1]
    chosen = set(dev_idx)
    train = [d for i, d in enumerate(docs) if i not in chosen]
    dev = [d for i, d in enumerate(docs) if i in chosen]
    logger.info("held out %d of %d documents as dev (seed %d%s)", len(dev), n, seed, ", per label" if stratified else "")
    return train, dev
