"""Model input with ``tf.data``: token ids computed once, batches grouped by length.

Documents are encoded to token ids once (:class:`RaggedIds`, a flat NumPy
array plus row splits) and kept for the whole run. Each epoch's batches are
planned in NumPy from ``(seed, epoch)`` alone (:func:`batch_plan`): shuffle,
sort by length inside windows of ``window`` batches, cut into batches, shuffle
the batches. A batch is then padded only to its own longest sequence, so
little padding is computed, and the plan of epoch *k* is the same whether the
run started at epoch 0 or was resumed at *k*. :func:`make_dataset` turns the
plans into a prefetching ``tf.data.Dataset`` that gathers and pads each batch
inside TensorFlow.

Everything here is generic over heads: an :class:`Examples` holds any number
of named ragged id features (``tokens``; ``source``/``target_in`` for
seq2seq), ragged or dense targets and optional per-example weights.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .seed import epoch_rng

logger = logging.getLogger(__name__)

__all__ = ["Examples", "RaggedIds", "batch_plan", "eval_plan", "make_dataset", "steps_per_epoch"]


@dataclass
class RaggedIds:
    """Variable-length id sequences stored flat: ``values[row_splits[i]:row_splits[i+1]]`` is row *i*."""

    values: np.ndarray
    row_splits: np.ndarray
    #: how many rows were cut to ``max_length`` when packed
    truncated: int = 0

    @classmethod
    def from_lists(cls, rows: Iterable[Sequence[int]], *, max_length: int | None = None, what: str = "documents") -> RaggedIds:
        """Pack id lists; rows longer than ``max_length`` are cut, and the cut is logged with a count."""
        lengths: list[int] = []
        chunks: list[np.ndarray] = []
        cut = 0
        for row in rows:
            arr = np.asarray(row, dtype=np.int32)
            if max_length is not None and len(arr) > max_length:
                arr = arr[:max_length]
                cut += 1
            chunks.append(arr)
            lengths.append(len(arr))
        if cut:
            logger.warning("%d of %d %s were longer than max_length=%d tokens and were truncated", cut, len(lengths), what, max_length)
        values = np.concatenate(chunks) if chunks else np.zeros(0, np.int32)
        splits = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=splits[1:])
        return cls(values.astype(np.int32), splits, cut)

    def __len__(self) -> int:
        return len(self.row_splits) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.row_splits)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.row_splits[i] : self.row_splits[i + 1]]

    def padded(self, index: np.ndarray | None = None, length: int | None = None) -> np.ndarray:
        """Rows as a zero-padded matrix (to ``length`` or the longest selected row)."""
        idx = np.arange(len(self)) if index is None else np.asarray(index)
        lens = self.lengths[idx]
        width = int(length if length is not None else (lens.max() if len(lens) else 0))
        out = np.zeros((len(idx), width), np.int32)
        for r, i in enumerate(idx):
            row = self.row(int(i))[:width]
            out[r, : len(row)] = row
        return out

    def to_tf(self) -> Any:
        import tensorflow as tf

        return tf.RaggedTensor.from_row_splits(tf.constant(self.values), tf.constant(self.row_splits), validate=False)


@dataclass
class Examples:
    """Encoded examples of one split: named ragged id features, targets, optional weights.

    ``lengths`` is the key batches are grouped by (by default the length of
    the first feature). ``targets`` is a dense array (class ids, multi-hot
    rows) or a :class:`RaggedIds` (target sequences, padded per batch).
    """

    features: dict[str, RaggedIds]
    targets: np.ndarray | RaggedIds | None = None
    weights: np.ndarray | None = None
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        n = {len(v) for v in self.features.values()}
        if len(n) != 1:
            raise ValueError(f"features have different numbers of rows: {n}")
        if self.lengths is None or len(self.lengths) == 0:
            self.lengths = next(iter(self.features.values())).lengths

    def __len__(self) -> int:
        return len(next(iter(self.features.values())))

    @property
    def tokens(self) -> int:
        """Number of (non-padding) ids in the first feature: what tokens/s is counted in."""
        return int(next(iter(self.features.values())).lengths.sum())


def batch_plan(lengths: np.ndarray, batch_size: int, *, seed: int, epoch: int, window: int = 50) -> list[np.ndarray]:
    """The batches of one training epoch as arrays of example indices.

    Shuffle, then sort by length inside windows of ``window * batch_size``
    examples, cut into batches and shuffle the batch order. The number of
    batches is always ``ceil(n / batch_size)``, so ``steps_per_epoch`` is fixed.
    """
    n = len(lengths)
    rng = epoch_rng(seed, epoch)
    order = rng.permutation(n)
    span = max(1, window) * batch_size
    batches: list[np.ndarray] = []
    for start in range(0, n, span):
        chunk = order[start : start + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    perm = rng.permutation(len(batches))
    return [batches[i] for i in perm]


def eval_plan(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Batches for prediction: all examples sorted by length, so padding is minimal."""
    order = np.argsort(lengths, kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def steps_per_epoch(n: int, batch_size: int) -> int:
    return max(1, -(-n // batch_size))


def make_dataset(examples: Examples, plans: Sequence[np.ndarray], *, with_targets: bool = True) -> Any:
    """A prefetching ``tf.data.Dataset`` yielding one padded batch per planned index array.

    Yields ``(x, y)`` or ``(x, y, weight)``; ``x`` is the tensor itself when
    there is one feature, else a dict by feature name.
    """
    import tensorflow as tf

    sizes = np.array([len(p) for p in plans], np.int64)
    flat = np.concatenate(plans).astype(np.int64) if len(plans) else np.zeros(0, np.int64)
    index = tf.RaggedTensor.from_row_lengths(tf.constant(flat), tf.constant(sizes), validate=False)
    feats = {name: ids.to_tf() for name, ids in examples.features.items()}
    single = len(feats) == 1
    targets = examples.targets if with_targets else None
    tgt: Any = None
    if isinstance(targets, RaggedIds):
        tgt = targets.to_tf()
    elif targets is not None:
        tgt = tf.constant(targets)
    weights = tf.constant(examples.weights.astype(np.float32)) if (with_targets and examples.weights is not None) else None

    def gather(idx: Any) -> Any:
        x = {name: tf.gather(r, idx).to_tensor() for name, r in feats.items()}
        xs = next(iter(x.values())) if single else x
        if tgt is None:
            return (xs,)
        y = tf.gather(tgt, idx)
        if isinstance(y, tf.RaggedTensor):
            y = y.to_tensor()
        if weights is None:
            return xs, y
        return xs, y, tf.gather(weights, idx)

    ds = tf.data.Dataset.from_tensor_slices(index)
    ds = ds.map(gather)  # a gather and a pad: cheap, so no parallel calls (and order stays fixed)
    return ds.prefetch(tf.data.AUTOTUNE)


def training_dataset(examples: Examples, batch_size: int, *, seed: int, first_epoch: int, last_epoch: int, window: int = 50) -> Any:
    """Epochs ``first_epoch..last_epoch-1`` back to back, each with its own seeded plan."""
    plans: list[np.ndarray] = []
    for epoch in range(first_epoch, last_epoch):
        plans.extend(batch_plan(examples.lengths, batch_size, seed=seed, epoch=epoch, window=window))
    return make_dataset(examples, plans)
