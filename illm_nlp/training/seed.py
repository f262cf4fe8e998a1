"""Seeding for reproducible runs: the same seed gives the same model twice on CPU.

Python's, NumPy's and TensorFlow's generators are all seeded through
``keras.utils.set_random_seed``; TensorFlow's op determinism is switched on so
that reductions and ``tf.data`` run in a fixed order. Data order never comes
from a global generator: :mod:`illm_nlp.training.data` derives each epoch's
batches from ``(seed, epoch)``, which is what makes ``--resume`` equal an
uninterrupted run.
"""

from __future__ import annotations

import logging
import os
import random

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["epoch_rng", "seed_everything"]


def seed_everything(seed: int, *, deterministic: bool = True) -> None:
    """Seed Python, NumPy, TensorFlow and Keras; optionally enable TF op determinism."""
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    random.seed(seed)
    np.random.seed(seed % (2**32))
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        try:
            tf.config.experimental.enable_op_determinism()
        except (AttributeError, RuntimeError) as exc:  # pragma: no cover - very old TF
            logger.warning("could not enable TensorFlow op determinism: %s", exc)


def epoch_rng(seed: int, epoch: int, stream: int = 0) -> np.random.Generator:
    """An independent generator for one epoch (and one purpose), the same on every run and resume."""
    return np.random.default_rng([seed % (2**32), epoch, stream])
