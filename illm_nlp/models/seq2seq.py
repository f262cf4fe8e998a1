"""An RNN encoder–decoder with attention, as Keras 3 layers that save in ``.keras`` format.

The encoder is an embedding plus one or more (optionally bidirectional) LSTM or
GRU layers; its final states, projected, start the decoder. The decoder reads
the target shifted right (teacher forcing), and at each position attends over
the encoder outputs from its own RNN output (Luong et al. 2015's
arrangement), with the score chosen by ``attention``:

- ``bahdanau``: additive, ``v·tanh(W₁q + W₂k)`` (Bahdanau et al. 2015);
- ``luong``: multiplicative "general", ``q·W·k`` (Luong et al. 2015).

Attending *after* the decoder RNN (rather than feeding the context into it)
lets training run the decoder over the whole target at once, which is what
makes it fast enough on a CPU; decoding uses the same layers one step at a
time (:meth:`Seq2Seq.encode` then :meth:`Seq2Seq.decode_step`).

Every class is registered with ``keras.saving.register_keras_serializable``
so a saved model loads with Keras' safe mode (no pickled code).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

__all__ = ["Attention", "MaskedLoss", "Seq2Seq", "Seq2SeqStepper", "build_seq2seq", "masked_accuracy", "masked_loss"]

_PACKAGE = "illm_nlp"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Attention(keras.layers.Layer):
    """Attention of decoder outputs (queries) over encoder outputs (keys = values).

    Returns the attentional vectors ``tanh(W_c[context; query])`` and the
    attention weights ``[batch, target_len, source_len]`` (the latter drive the
    unknown-word replacement and can be shown to a person).
    """

    def __init__(self, units: int, kind: str = "luong", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if kind not in ("luong", "bahdanau"):
            raise ValueError(f"attention must be 'luong' or 'bahdanau', got {kind!r}")
        self.units = int(units)
        self.kind = kind
        if kind == "bahdanau":
            self.query_proj = keras.layers.Dense(units, use_bias=False, name="query_proj")
            self.key_proj = keras.layers.Dense(units, use_bias=True, name="key_proj")
            self.score_proj = keras.layers.Dense(1, use_bias=False, name="score")
        else:
            self.key_proj = keras.layers.Dense(units, use_bias=False, name="key_proj")
        self.combine = keras.layers.Dense(units, activation="tanh", use_bias=False, name="combine")

    def build(self, query_shape: Any, keys_shape: Any = None, mask_shape: Any = None) -> None:
        keys_shape = keys_shape if keys_shape is not None else query_shape
        self.key_proj.build(keys_shape)
        if self.kind == "bahdanau":
            self.query_proj.build(query_shape)
            self.score_proj.build((None, None, None, self.units))
        self.combine.build((None, None, int(keys_shape[-1]) + int(query_shape[-1])))
        self.built = True

    def call(self, query: Any, keys: Any, mask: Any = None) -> tuple[Any, Any]:
        """``query`` [B, T, Dq], ``keys`` [B, S, Dk], ``mask`` [B, S] (True = real source token)."""
        k = self.key_proj(keys)
        if self.kind == "bahdanau":
            q = self.query_proj(query)
            scores = ops.squeeze(self.score_proj(ops.tanh(q[:, :, None, :] + k[:, None, :, :])), -1)
        else:
            scores = ops.matmul(query, ops.transpose(k, (0, 2, 1)))
        if mask is not None:
            scores = ops.where(ops.cast(mask, "bool")[:, None, :], scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, keys)
        return self.combine(ops.concatenate([context, query], axis=-1)), weights

    def compute_mask(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units, "kind": self.kind}


def _rnn(cell: str, units: int, *, name: str, dropout: float = 0.0) -> Any:
    cls = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    return cls(units, return_sequences=True, return_state=True, dropout=dropout, name=name)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class Seq2Seq(keras.Model):
    """Encoder–decoder with attention: ``model((source_ids, target_in_ids))`` → logits ``[B, T, V_target]``.

    Id 0 is padding on both sides (masked in the encoder, the attention and
    the loss). With ``shared_embeddings`` source and target use one
    vocabulary and one embedding table (summarisation copies many words).
    """

    def __init__(
        self,
        *,
        source_vocab_size: int,
        target_vocab_size: int,
        embedding_dim: int = 128,
        units: int = 256,
        cell: str = "lstm",
        encoder_layers: int = 1,
        bidirectional: bool = True,
        attention: str = "luong",
        dropout: float = 0.2,
        shared_embeddings: bool = False,
        tie_output: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', got {cell!r}")
        if shared_embeddings and source_vocab_size != target_vocab_size:
            raise ValueError("shared embeddings need one vocabulary (equal sizes)")
        self.config_values = dict(
            source_vocab_size=int(source_vocab_size),
            target_vocab_size=int(target_vocab_size),
            embedding_dim=int(embedding_dim),
            units=int(units),
            cell=cell,
            encoder_layers=int(encoder_layers),
            bidirectional=bool(bidirectional),
            attention=attention,
            dropout=float(dropout),
            shared_embeddings=bool(shared_embeddings),
            tie_output=bool(tie_output),
        )
        self.cell = cell
        self.units = int(units)
        self.n_states = 2 if cell == "lstm" else 1
        self.source_embedding = keras.layers.Embedding(source_vocab_size, embedding_dim, name="source_embedding")
        self.target_embedding = (
            self.source_embedding
            if shared_embeddings
            else keras.layers.Embedding(target_vocab_size, embedding_dim, name="target_embedding")
        )
        self.encoder_rnns = []
        for i in range(encoder_layers):
            rnn = _rnn(cell, units, name=f"encoder_{i}")
            self.encoder_rnns.append(keras.layers.Bidirectional(rnn, name=f"encoder_bi_{i}") if bidirectional else rnn)
        self.bridges = [keras.layers.Dense(units, activation="tanh", name=f"bridge_{j}") for j in range(self.n_states)]
        self.decoder_rnn = _rnn(cell, units, name="decoder")
        self.attention = Attention(units, attention, name="attention")
        self.dropout = keras.layers.Dropout(dropout)
        self.tie_output = bool(tie_output)
        if tie_output:
            # Output layer shares the target embedding (transposed): fewer weights, better rare words.
            self.output_proj = keras.layers.Dense(embedding_dim, use_bias=False, name="output_proj")
            self.output_bias = self.add_weight(shape=(target_vocab_size,), initializer="zeros", name="output_bias")
        else:
            self.output_proj = keras.layers.Dense(target_vocab_size, name="output")

    # -- pieces used by training and by step-by-step decoding --------------------------
    def encode(self, source_ids: Any, training: bool = False) -> tuple[Any, Any, list[Any]]:
        """Source ids ``[B, S]`` → (encoder outputs ``[B, S, D]``, source mask ``[B, S]``, decoder start states)."""
        mask = ops.not_equal(source_ids, 0)
        x = self.dropout(self.source_embedding(source_ids), training=training)
        states: list[Any] = []
        for i, rnn in enumerate(self.encoder_rnns):
            out = rnn(x, mask=mask, training=training)
            x, states = out[0], list(out[1:])
            if i + 1 < len(self.encoder_rnns):
                x = self.dropout(x, training=training)
        if isinstance(self.encoder_rnns[-1], keras.layers.Bidirectional):
            n = self.n_states
            # [fwd h, (fwd c), bwd h, (bwd c)] → concatenate each kind of state across directions
            states = [ops.concatenate([states[j], states[n + j]], axis=-1) for j in range(n)]
        start = [bridge(s) for bridge, s in zip(self.bridges, states)]
        return x, mask, start

    def decode(
        self, target_in: Any, states: list[Any], encoded: Any, source_mask: Any, training: bool = False
    ) -> tuple[Any, list[Any], Any]:
        """Run the decoder over ``target_in`` ``[B, T]`` from ``states`` → (logits, new states, attention)."""
        y = self.dropout(self.target_embedding(target_in), training=training)
        out = self.decoder_rnn(y, initial_state=states, mask=ops.not_equal(target_in, 0), training=training)
        h, new_states = out[0], list(out[1:])
        attended, weights = self.attention(h, encoded, source_mask)
        attended = self.dropout(attended, training=training)
        if self.tie_output:
            logits = ops.matmul(self.output_proj(attended), ops.transpose(self.target_embedding.embeddings)) + self.output_bias
        else:
            logits = self.output_proj(attended)
        return logits, new_states, weights

    def decode_step(self, tokens: Any, states: list[Any], encoded: Any, source_mask: Any) -> tuple[Any, list[Any], Any]:
        """One decoding step for ``tokens`` ``[B]`` → (log-probabilities ``[B, V]``, states, attention ``[B, S]``)."""
        logits, new_states, weights = self.decode(tokens[:, None], states, encoded, source_mask)
        return ops.log_softmax(logits[:, 0, :], axis=-1), new_states, weights[:, 0, :]

    def call(self, inputs: Any, training: bool = False) -> Any:
        if isinstance(inputs, dict):  # what illm_nlp.training.data yields: features by name
            source_ids, target_in = inputs["source"], inputs["target_in"]
        else:
            source_ids, target_in = inputs
        encoded, mask, states = self.encode(source_ids, training=training)
        logits, _, _ = self.decode(target_in, states, encoded, mask, training=training)
        return logits

    def compute_mask(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        base = super().get_config()
        return {**{k: v for k, v in base.items() if k in ("name", "trainable", "dtype")}, **self.config_values}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Seq2Seq:
        return cls(**config)


def build_seq2seq(**options: Any) -> Seq2Seq:
    """Create a :class:`Seq2Seq` and build its weights by calling it once on a tiny batch."""
    model = Seq2Seq(**options)
    model((ops.ones((1, 2), dtype="int32"), ops.ones((1, 2), dtype="int32")))
    return model


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MaskedLoss(keras.losses.Loss):
    """:func:`masked_loss` as a Keras loss object, so label smoothing is saved with the model."""

    def __init__(self, label_smoothing: float = 0.0, name: str = "masked_loss", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return masked_loss(y_true, y_pred, self.label_smoothing)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package=_PACKAGE)
def masked_loss(y_true: Any, y_pred: Any, label_smoothing: float = 0.0) -> Any:
    """Cross-entropy over real (non-padding) target tokens, optionally label-smoothed.

    Smoothing mixes the one-hot target with the uniform distribution:
    ``(1 - ε)·NLL + ε·mean_k(−log p_k)``, the same as Keras' ``label_smoothing``
    but without building one-hot tensors of the vocabulary's size.
    """
    y_true = ops.cast(y_true, "int32")
    logp = ops.log_softmax(y_pred, axis=-1)
    nll = -ops.squeeze(ops.take_along_axis(logp, y_true[..., None], axis=-1), -1)
    if label_smoothing:
        nll = (1.0 - label_smoothing) * nll - label_smoothing * ops.mean(logp, axis=-1)
    mask = ops.cast(ops.not_equal(y_true, 0), nll.dtype)
    return ops.sum(nll * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package=_PACKAGE)
def masked_accuracy(y_true: Any, y_pred: Any) -> Any:
    """Share of real target tokens whose most likely prediction is right (teacher-forced)."""
    y_true = ops.cast(y_true, "int32")
    hit = ops.cast(ops.equal(ops.cast(ops.argmax(y_pred, axis=-1), "int32"), y_true), "float32")
    mask = ops.cast(ops.not_equal(y_true, 0), "float32")
    return ops.sum(hit * mask) / ops.maximum(ops.sum(mask), 1.0)


class Seq2SeqStepper:
    """Adapts a :class:`Seq2Seq` to :class:`illm_nlp.decoding.StepModel` (NumPy in, NumPy out).

    The encoder and the one-step decoder are compiled once with
    ``tf.function`` over any batch size and source length, so each decoding
    step is one graph call rather than dozens of eager operations.
    """

    def __init__(self, model: Seq2Seq) -> None:
        import tensorflow as tf

        self.model = model
        n = model.n_states
        ids = tf.TensorSpec([None, None], tf.int32)
        self._encode = tf.function(self._encode_impl, input_signature=[ids])
        self._step = tf.function(
            self._step_impl,
            input_signature=[
                tf.TensorSpec([None], tf.int32),
                tf.TensorSpec([None, None, None], tf.float32),
                tf.TensorSpec([None, None], tf.bool),
                *[tf.TensorSpec([None, model.units], tf.float32) for _ in range(n)],
            ],
        )

    def _encode_impl(self, source_ids: Any) -> list[Any]:
        encoded, mask, states = self.model.encode(source_ids)
        return [encoded, mask, *states]

    def _step_impl(self, tokens: Any, encoded: Any, mask: Any, *states: Any) -> list[Any]:
        logp, new_states, weights = self.model.decode_step(tokens, list(states), encoded, mask)
        return [logp, weights, *new_states]

    def start(self, source_ids: Any) -> list[Any]:
        import numpy as np

        return [np.asarray(a) for a in self._encode(np.asarray(source_ids, dtype=np.int32))]

    def step(self, tokens: Any, state: list[Any]) -> tuple[Any, Any, list[Any]]:
        import numpy as np

        encoded, mask, *states = state
        logp, weights, *new_states = self._step(np.asarray(tokens, dtype=np.int32), encoded, mask, *states)
        return np.asarray(logp), np.asarray(weights), [encoded, mask, *[np.asarray(s) for s in new_states]]
