"""Custom Keras layers of the toolkit's models, registered for safe-mode loading.

Every layer here is a named class registered with
``keras.saving.register_keras_serializable(package="illm_nlp")`` and has a
``get_config``, so a saved ``model.keras`` loads with
``keras.saving.load_model(..., safe_mode=True)``: no lambdas, no pickled code.
Import this module before loading a model (``illm_nlp.artifact`` does).

The pooling layers honour the padding mask, so padded positions never count
in a maximum, a mean or an attention distribution.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["AttentionPooling", "HashedNgrams", "MaskedMaxPooling", "MaskedMeanPooling"]


@keras.saving.register_keras_serializable(package="illm_nlp")
class MaskedMaxPooling(keras.layers.Layer):
    """Max over time of a ``(batch, time, features)`` sequence, ignoring padded steps."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            m = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
            inputs = inputs * m + (1.0 - m) * ops.cast(-1e9, inputs.dtype)
        return ops.max(inputs, axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="illm_nlp")
class MaskedMeanPooling(keras.layers.Layer):
    """Mean over the real (unpadded) steps of a sequence."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return ops.mean(inputs, axis=1)
        m = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        total = ops.sum(inputs * m, axis=1)
        count = ops.maximum(ops.sum(m, axis=1), 1.0)
        return total / count

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="illm_nlp")
class AttentionPooling(keras.layers.Layer):
    """Additive attention pooling: ``softmax(v·tanh(W h + b))``-weighted sum of the steps.

    The weights show which tokens decided the answer; padding gets weight 0.
    """

    def __init__(self, units: int = 64, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = int(units)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        dim = int(input_shape[-1])
        self.w = self.add_weight(name="w", shape=(dim, self.units), initializer="glorot_uniform")
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
        self.v = self.add_weight(name="v", shape=(self.units, 1), initializer="glorot_uniform")
        super().build(input_shape)

    def scores(self, inputs: Any, mask: Any = None) -> Any:
        """Attention weights ``(batch, time)``, summing to 1 over the real steps."""
        logits = ops.squeeze(ops.matmul(ops.tanh(ops.matmul(inputs, self.w) + self.b), self.v), -1)
        if mask is not None:
            logits = ops.where(ops.cast(mask, "bool"), logits, ops.cast(-1e9, logits.dtype))
        return ops.softmax(logits, axis=-1)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        weights = self.scores(inputs, mask)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="illm_nlp")
class HashedNgrams(keras.layers.Layer):
    """The word n-grams (orders 1..``order``) of a token-id sequence, hashed into ``buckets`` ids.

    fastText's trick for phrase features without an n-gram vocabulary: each
    n-gram's token ids are hashed (a polynomial hash, mixed with the order)
    into ``1..buckets-1``; an n-gram touching padding gets 0, so an Embedding
    with ``mask_zero`` skips it. Output: ``(batch, sum over orders of time-k+1)``,
    computed in the model, so the input pipeline and saved vocabulary stay as
    they are.
    """

    PRIME = 1_000_003
    MODULUS = 2_147_483_647  # keeps every intermediate product inside int64

    def __init__(self, order: int = 2, buckets: int = 200_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if order < 1 or buckets < 2:
            raise ValueError(f"HashedNgrams needs order >= 1 and buckets >= 2, got {order}, {buckets}")
        self.order = int(order)
        self.buckets = int(buckets)

    def call(self, ids: Any) -> Any:
        ids = ops.cast(ids, "int64")
        parts = []
        for k in range(1, self.order + 1):
            h = ops.zeros_like(ids[:, k - 1 :]) + k
            valid = None
            for j in range(k):
                end = j - (k - 1)
                w = ids[:, j:end] if end < 0 else ids[:, j:]
                h = ops.mod(h * self.PRIME + w, self.MODULUS)
                valid = w > 0 if valid is None else ops.logical_and(valid, w > 0)
            parts.append(ops.where(valid, ops.mod(h, self.buckets - 1) + 1, ops.zeros_like(h)))
        return ops.cast(ops.concatenate(parts, axis=1), "int32")

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        t = input_shape[1]
        return (input_shape[0], None if t is None else sum(max(0, t - k + 1) for k in range(1, self.order + 1)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "order": self.order, "buckets": self.buckets}
