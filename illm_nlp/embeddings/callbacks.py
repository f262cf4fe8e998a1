"""Keras callbacks for models started from word vectors.

Imports Keras at module level: reach it through
``illm_nlp.embeddings.keras_init.UnfreezeEmbedding``, which loads this module
only when asked.
"""

from __future__ import annotations

import logging
from typing import Any

import keras

logger = logging.getLogger(__name__)

__all__ = ["UnfreezeEmbedding"]


class UnfreezeEmbedding(keras.callbacks.Callback):
    """Make a frozen layer (the pretrained embedding) trainable after ``after_epochs`` epochs.

    Training the rest of the model first, with the embedding frozen, keeps the
    large early gradients of a random head from wrecking good pretrained
    vectors; unfreezing later lets the vectors adapt to the task.

    Keras 3 fixes the trainable variables when a model is compiled, and an
    optimizer only updates the variables it was built with, so flipping
    ``layer.trainable`` mid-``fit`` has no effect by itself. At the start of
    epoch ``after_epochs`` (0-based, i.e. after that many finished epochs) this
    callback therefore does what a re-``compile`` does for the weights: it
    sets the layer trainable, replaces the optimizer by a *fresh one of the same
    configuration* built on the new trainable variables (its step count and
    moment estimates restart; the learning rate stays), and rebuilds the train
    function, which ``fit`` picks up from the next batch. The compiled loss and
    metrics are kept, so the epoch logs continue unchanged. ``unfrozen_at``
    records the epoch (``None`` if training ended first).
    """

    def __init__(self, layer_name: str, after_epochs: int) -> None:
        super().__init__()
        if after_epochs < 0:
            raise ValueError(f"after_epochs must be >= 0, got {after_epochs}")
        self.layer_name = layer_name
        self.after_epochs = int(after_epochs)
        self.unfrozen_at: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Fail at once on a wrong name, not after N epochs of training.
        self._layer()

    def _layer(self) -> Any:
        try:
            return self.model.get_layer(self.layer_name)
        except ValueError:
            from ..errors import ConfigError, did_you_mean

            names = [layer.name for layer in self.model.layers]
            raise ConfigError(
                f"UnfreezeEmbedding: the model has no layer '{self.layer_name}'.{did_you_mean(self.layer_name, names)}",
                hint=f"layers: {', '.join(names)}",
            ) from None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.unfrozen_at is not None or epoch < self.after_epochs:
            return
        layer = self._layer()
        self.unfrozen_at = epoch
        if layer.trainable:
            return
        model = self.model
        layer.trainable = True
        old = model.optimizer
        with _strategy_scope(model):
            fresh = old.__class__.from_config(old.get_config())
            # Build now, outside the traced train step: creating the optimizer's
            # slot variables inside a tf.function would fail.
            fresh.build(model.trainable_variables)
        model.optimizer = fresh
        # What compile() records, so Keras does not warn about a stale trainable state.
        model._compiled_trainable_state = {lyr: lyr.trainable for lyr in model._flatten_layers()}
        model.train_function = None
        model.make_train_function()
        logger.info("epoch %d: layer '%s' is now trainable (%d trainable weights)", epoch + 1, self.layer_name, len(model.trainable_weights))


def _strategy_scope(model: Any) -> Any:
    import contextlib

    strategy = getattr(model, "distribute_strategy", None)
    return strategy.scope() if strategy is not None and hasattr(strategy, "scope") else contextlib.nullcontext()
