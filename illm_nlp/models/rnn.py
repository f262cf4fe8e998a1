"""``keras.rnn.v1``: the recurrent text encoder every Keras head builds on.

Token ids → embedding (trained from scratch, or initialised from pretrained
word vectors, frozen or not) → 1–N recurrent layers (LSTM, GRU or SimpleRNN,
optionally bidirectional, with dropout and recurrent dropout) with padding
masked all the way → one vector per document (last state, max, mean or
attention pooling).

The factory returns an :class:`RNNEncoderSpec`, a small frozen config object:
building a pipeline never imports TensorFlow. A head calls
:meth:`RNNEncoderSpec.build` when it trains, and the returned
:class:`RNNEncoder` is called on a Keras input inside a functional model;
its :class:`EncoderOutputs` carry the per-step sequence, the pooled vector and
the final states, so a classifier uses ``pooled`` and a seq2seq decoder uses
``sequence`` and ``states``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from ..errors import ConfigError
from ..registry import models
from ..vocab import Vocabulary

logger = logging.getLogger(__name__)

__all__ = ["EncoderOutputs", "RNNEncoder", "RNNEncoderSpec", "rnn_encoder"]

Cell = Literal["lstm", "gru", "simple"]
Pooling = Literal["last", "max", "mean", "attention"]
Missing = Literal["random", "zeros", "mean", "subword"]


@dataclass
class EncoderOutputs:
    """What the encoder gives a head (Keras tensors in a functional model)."""

    #: (batch, time, features): the top layer's output at every step (masked).
    sequence: Any
    #: (batch, features): the pooled document vector, after dropout.
    pooled: Any
    #: the top layer's final states, per direction ([h, c] for LSTM, [h] otherwise; forward then backward).
    states: list[Any]
    #: (batch, time) bool padding mask of the input ids.
    mask: Any


@dataclass(frozen=True)
class RNNEncoderSpec:
    """The validated options of ``keras.rnn.v1``; :meth:`build` makes the layers."""

    cell: Cell = "lstm"
    units: int = 128
    layers: int = 1
    bidirectional: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    embedding_dim: int = 100
    vectors: str | None = None
    vectors_limit: int | None = None
    vectors_vocab: int | None = None
    missing: Missing = "random"
    trainable: bool = True
    unfreeze_after: int | None = None
    pooling: Pooling = "last"
    attention_units: int = 64
    max_vocab: int | None = 20000
    min_count: int = 1
    ngrams: int = 0
    ngram_buckets: int = 200_000
    ngram_dim: int = 16

    # -- data side ------------------------------------------------------------
    def build_vocab(self, token_lists: Iterable[Sequence[str]], specials: Sequence[str] = ()) -> Vocabulary:
        """The vocabulary over the training tokens, by this encoder's ``max_vocab`` and ``min_count``.

        With ``vectors_vocab: N`` the N most frequent words of the vector file
        that training did not see are appended, so that at prediction time a
        word met only in new text still has its pretrained vector instead of
        becoming ``<unk>``.
        """
        vocab = Vocabulary.build(token_lists, min_count=self.min_count, max_size=self.max_vocab, specials=specials)
        if not (self.vectors and self.vectors_vocab):
            return vocab
        vectors = self.load_vectors()
        extra = [w for w in vectors.words[: self.vectors_vocab] if w not in vocab.index and w.strip() == w and w]
        logger.info("vocabulary: %d words from training + %d more from %s", len(vocab), len(extra), self.vectors)
        return Vocabulary(vocab.tokens + extra, vocab.counts)

    def load_vectors(self) -> Any:
        """The pretrained vectors named by ``vectors`` (read once per process)."""
        if not self.vectors:
            raise ConfigError("model.vectors: no vector file is set")
        if not Path(self.vectors).exists():
            raise ConfigError(
                f"model.vectors: the vector file '{self.vectors}' does not exist",
                hint="give the path of a word2vec/GloVe/fastText file (e.g. --set vars.vectors=PATH), or remove 'vectors' to train embeddings from scratch",
            )
        return _load_vectors_cached(str(Path(self.vectors).resolve()), self.vectors_limit, Path(self.vectors).stat().st_mtime_ns)

    def embedding_init(self, vocab: Vocabulary, *, seed: int) -> Any:
        """Pretrained vectors for ``vocab`` (an ``EmbeddingInit`` with ``.matrix`` and ``.coverage``), or None."""
        if not self.vectors:
            return None
        from ..embeddings.keras_init import build_embedding_matrix

        vectors = self.load_vectors()
        init = build_embedding_matrix(vocab, vectors, missing=self.missing, seed=seed)
        cov = init.coverage.to_dict() if hasattr(init.coverage, "to_dict") else dict(init.coverage)
        logger.info("embedding from %s: %s", self.vectors, cov)
        return init

    def output_dim(self) -> int:
        """Size of the pooled vector (without vectors, layers: 0 pools embedding_dim-sized word vectors)."""
        seq = self.units * (2 if self.bidirectional else 1) if self.layers else self.embedding_dim
        return seq + (self.ngram_dim if self.ngrams else 0)

    # -- model side -----------------------------------------------------------
    def build(self, vocab_size: int, embedding_init: Any = None, *, name: str = "encoder", trainable: bool | None = None) -> RNNEncoder:
        """Create the Keras layers (imports TensorFlow). ``embedding_init.matrix`` sets the embedding weights."""
        return RNNEncoder(self, vocab_size, embedding_init, name=name, trainable=self.trainable if trainable is None else trainable)


class RNNEncoder:
    """The layers of one encoder; call it on an int ids tensor inside a functional model."""

    def __init__(self, spec: RNNEncoderSpec, vocab_size: int, embedding_init: Any, *, name: str, trainable: bool) -> None:
        import keras

        from . import keras_layers

        self.spec = spec
        matrix = getattr(embedding_init, "matrix", embedding_init)
        dim = int(matrix.shape[1]) if matrix is not None else spec.embedding_dim
        if matrix is not None and int(matrix.shape[0]) != vocab_size:
            raise ValueError(f"embedding matrix has {matrix.shape[0]} rows for a vocabulary of {vocab_size}")
        self.embedding = keras.layers.Embedding(vocab_size, dim, mask_zero=True, trainable=trainable, name=f"{name}_embedding")
        if matrix is not None:
            self.embedding.build((None, None))
            self.embedding.embeddings.assign(matrix.astype("float32"))
        cell_cls = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}[spec.cell]
        self.rnns: list[Any] = []
        for i in range(spec.layers):
            top = i == spec.layers - 1
            layer = cell_cls(
                spec.units,
                return_sequences=True,
                return_state=top,
                dropout=spec.dropout,
                recurrent_dropout=spec.recurrent_dropout,
                name=f"{name}_{spec.cell}_{i + 1}",
            )
            if spec.bidirectional:
                layer = keras.layers.Bidirectional(layer, name=f"{name}_bi{spec.cell}_{i + 1}")
            self.rnns.append(layer)
        self.pool: Any = None
        if spec.pooling == "max":
            self.pool = keras_layers.MaskedMaxPooling(name=f"{name}_maxpool")
        elif spec.pooling == "mean":
            self.pool = keras_layers.MaskedMeanPooling(name=f"{name}_meanpool")
        elif spec.pooling == "attention":
            self.pool = keras_layers.AttentionPooling(spec.attention_units, name=f"{name}_attention")
        self.concat = keras.layers.Concatenate(name=f"{name}_final_state") if spec.bidirectional else None
        self.ngrams: list[Any] = []
        if spec.ngrams:
            self.ngrams = [
                keras_layers.HashedNgrams(spec.ngrams, spec.ngram_buckets, name=f"{name}_ngrams"),
                keras.layers.Embedding(spec.ngram_buckets, spec.ngram_dim, mask_zero=True, name=f"{name}_ngram_embedding"),
                keras_layers.MaskedMeanPooling(name=f"{name}_ngram_mean"),
                keras.layers.Concatenate(name=f"{name}_with_ngrams"),
            ]
        self.dropout = keras.layers.Dropout(spec.dropout, name=f"{name}_dropout") if spec.dropout > 0 else None

    @property
    def embedding_layer_name(self) -> str:
        return str(self.embedding.name)

    def __call__(self, ids: Any) -> EncoderOutputs:
        x = self.embedding(ids)
        mask = self.embedding.compute_mask(ids)
        states: list[Any] = []
        if not self.rnns:  # layers: 0: the word vectors themselves are the sequence (a bag-of-embeddings model)
            sequence = x
        else:
            for layer in self.rnns[:-1]:
                x = layer(x)
            out = self.rnns[-1](x)
            sequence, states = out[0], list(out[1:])
        per_dir = 2 if self.spec.cell == "lstm" else 1
        if self.spec.pooling == "last":
            if self.spec.bidirectional:
                pooled = self.concat([states[0], states[per_dir]])
            else:
                pooled = states[0]
        else:
            pooled = self.pool(sequence)
        if self.ngrams:
            hashed, embed, mean, join = self.ngrams
            pooled = join([pooled, mean(embed(hashed(ids)))])
        if self.dropout is not None:
            pooled = self.dropout(pooled)
        return EncoderOutputs(sequence=sequence, pooled=pooled, states=states, mask=mask)


@functools.lru_cache(maxsize=2)
def _load_vectors_cached(path: str, limit: int | None, mtime: int) -> Any:
    from ..embeddings.vectors import load_vectors

    return load_vectors(path, limit=limit)


@models.register("keras.rnn.v1")
def rnn_encoder(
    *,
    cell: Annotated[Cell, Field(description="recurrent cell: lstm, gru or simple (SimpleRNN)")] = "lstm",
    units: Annotated[int, Field(gt=0, description="units per recurrent layer (per direction)")] = 128,
    layers: Annotated[int, Field(ge=0, le=8, description=(
        "stacked recurrent layers; 0: none, the word vectors are pooled directly (a fast bag-of-embeddings "
        "model in the manner of fastText/SWEM, e.g. as a different member of an ensemble)"))] = 1,
    bidirectional: Annotated[bool, Field(description="read the text both ways (doubles the output size)")] = False,
    dropout: Annotated[float, Field(ge=0, lt=1, description="dropout on each recurrent layer's inputs and on the pooled vector")] = 0.0,
    recurrent_dropout: Annotated[float, Field(ge=0, lt=1, description="dropout on the recurrent state (slower on CPU)")] = 0.0,
    embedding_dim: Annotated[int, Field(gt=0, description="embedding size when no vectors are given")] = 100,
    vectors: Annotated[str | None, Field(description="pretrained word vectors (word2vec text/binary, GloVe, fastText, gensim KeyedVectors) to initialise the embedding")] = None,
    vectors_limit: Annotated[int | None, Field(gt=0, description="read only the first N vectors of the file")] = None,
    vectors_vocab: Annotated[int | None, Field(gt=0, description="also put the N most frequent words of the vector file in the vocabulary, so words unseen in training keep their pretrained vector")] = None,
    missing: Annotated[Missing, Field(description="vectors for words the file lacks: random, zeros, mean, or subword (fastText)")] = "random",
    trainable: Annotated[bool, Field(description="update the embedding while training")] = True,
    unfreeze_after: Annotated[int | None, Field(ge=1, description="with trainable: false, start updating the embedding after this many epochs")] = None,
    pooling: Annotated[Pooling, Field(description="one vector per document: last state, max, mean, or attention over the steps")] = "last",
    attention_units: Annotated[int, Field(gt=0, description="hidden size of attention pooling")] = 64,
    max_vocab: Annotated[int | None, Field(gt=2, description="vocabulary size including <pad> and <unk> (most frequent words kept)")] = 20000,
    min_count: Annotated[int, Field(ge=1, description="words seen fewer times in training become <unk>")] = 1,
    ngrams: Annotated[int, Field(ge=0, le=4, description=(
        "also pool a bag of hashed word n-grams of orders 1..N (fastText-style) beside the recurrent state: "
        "the phrase evidence linear models are good at, cheaply; 0: off"))] = 0,
    ngram_buckets: Annotated[int, Field(ge=2, description="hash buckets for the n-grams (each holds ngram_dim floats)")] = 200_000,
    ngram_dim: Annotated[int, Field(gt=0, description="size of the pooled n-gram vector")] = 16,
) -> RNNEncoderSpec:
    """Recurrent text encoder: embedding, stacked (bi)LSTM/GRU/SimpleRNN with masking, pooled to one vector.

    Heads build it into their Keras model; the embedding can start from
    pretrained vectors (coverage is saved with the run).
    """
    if layers == 0 and pooling == "last":
        raise ConfigError(
            "model.pooling: 'last' needs a recurrent layer, and layers is 0",
            hint="with layers: 0 use pooling max, mean or attention over the word vectors",
        )
    if unfreeze_after is not None and trainable:
        raise ConfigError(
            f"model.unfreeze_after: {unfreeze_after} only makes sense with trainable: false",
            hint="set trainable: false to start with a frozen embedding, or remove unfreeze_after",
        )
    return RNNEncoderSpec(
        cell=cell,
        units=units,
        layers=layers,
        bidirectional=bidirectional,
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        embedding_dim=embedding_dim,
        vectors=vectors,
        vectors_limit=vectors_limit,
        vectors_vocab=vectors_vocab,
        missing=missing,
        trainable=trainable,
        unfreeze_after=unfreeze_after,
        pooling=pooling,
        attention_units=attention_units,
        max_vocab=max_vocab,
        min_count=min_count,
        ngrams=ngrams,
        ngram_buckets=ngram_buckets,
        ngram_dim=ngram_dim,
    )
