"""keras.rnn.v1: options, masking, pooling, pretrained vectors, safe-mode saving."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from illm_nlp.errors import ConfigError
from illm_nlp.registry import models
from illm_nlp.vocab import Vocabulary


def _build(**options):
    return models.build("keras.rnn.v1", options, "model")


def _model(spec, vocab_size=20, matrix=None):
    import keras

    inputs = keras.Input((None,), dtype="int32")
    enc = spec.build(vocab_size, matrix)
    return keras.Model(inputs, enc(inputs).pooled), enc


def test_models_rnn_registry_and_factory_do_not_import_tensorflow():
    code = (
        "import sys, illm_nlp; from illm_nlp.registry import models, heads;"
        "spec = models.build('keras.rnn.v1', {'units': 4}, 'model'); heads.build('head.classify.v1', {}, 'head');"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


COMBOS = [("lstm", p, True) for p in ("last", "max", "mean", "attention")] + [("gru", p, False) for p in ("last", "max", "mean", "attention")] + [
    ("simple", "last", False), ("simple", "max", True)]


@pytest.mark.parametrize(("cell", "pooling", "bidirectional"), COMBOS)
def test_models_rnn_padding_does_not_change_the_document_vector(cell, pooling, bidirectional):
    spec = _build(cell=cell, pooling=pooling, bidirectional=bidirectional, units=6, embedding_dim=5, layers=2)
    model, _ = _model(spec)
    short = np.array([[3, 4, 5]], np.int32)
    padded = np.array([[3, 4, 5, 0, 0, 0, 0]], np.int32)
    a = model(short, training=False).numpy()
    b = model(padded, training=False).numpy()
    assert a.shape == (1, spec.output_dim()) == (1, 12 if bidirectional else 6)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # and a different document gives a different vector (the encoder is not constant)
    c = model(np.array([[7, 8, 9]], np.int32), training=False).numpy()
    assert not np.allclose(a, c)


def test_models_rnn_final_states_per_direction():
    import keras

    spec = _build(cell="lstm", bidirectional=True, units=4, embedding_dim=3)
    inputs = keras.Input((None,), dtype="int32")
    out = spec.build(10)(inputs)
    assert len(out.states) == 4  # forward h, c then backward h, c
    assert tuple(out.sequence.shape) == (None, None, 8)


def test_models_rnn_pretrained_vectors_initialise_the_embedding(tmp_path):
    path = tmp_path / "vec.txt"
    path.write_text("3 4\nfilm 1 0 0 0\ngood 0 1 0 0\nbad 0 0 1 0\n", encoding="utf-8")
    vocab = Vocabulary.build([["film", "good", "good", "dull"]])
    spec = _build(vectors=str(path), missing="zeros", trainable=False, unfreeze_after=2, units=3)
    init = spec.embedding_init(vocab, seed=1)
    _, enc = _model(spec, len(vocab), init)
    emb = enc.embedding.get_weights()[0]
    assert emb.shape == (len(vocab), 4)
    np.testing.assert_array_equal(emb[vocab.id("good")], [0, 1, 0, 0])
    np.testing.assert_array_equal(emb[vocab.id("film")], [1, 0, 0, 0])
    np.testing.assert_array_equal(emb[vocab.id("dull")], [0, 0, 0, 0])
    assert not enc.embedding.trainable
    assert init.coverage.to_dict()


def test_models_rnn_missing_vectors_file_is_a_config_error(tmp_path):
    spec = _build(vectors=str(tmp_path / "nope.txt"))
    with pytest.raises(ConfigError, match="nope.txt"):
        spec.embedding_init(Vocabulary.build([["a"]]), seed=1)


def test_models_rnn_unfreeze_needs_a_frozen_embedding():
    with pytest.raises(ConfigError, match="trainable: false"):
        _build(unfreeze_after=2)


@pytest.mark.parametrize("bad", [{"units": 0}, {"cell": "transformer"}, {"pooling": "sum"}, {"dropout": 1.5}, {"unit": 3}])
def test_models_rnn_bad_options_name_the_key(bad):
    with pytest.raises(ConfigError, match=f"model.{next(iter(bad))}"):
        _build(**bad)


def test_models_rnn_custom_layers_save_and_load_in_safe_mode(tmp_path):
    from illm_nlp.artifact import load_keras_model, save_keras_model

    spec = _build(pooling="attention", units=4, embedding_dim=4)
    model, _ = _model(spec)
    path = save_keras_model(model, tmp_path / "model.keras")
    loaded = load_keras_model(path)
    x = np.array([[1, 2, 3, 0], [4, 5, 0, 0]], np.int32)
    np.testing.assert_array_equal(model(x, training=False).numpy(), loaded(x, training=False).numpy())


def test_models_rnn_hashed_ngrams_known_case():
    from illm_nlp.models.keras_layers import HashedNgrams

    layer = HashedNgrams(2, 1000)
    x = np.array([[5, 6, 7, 0], [5, 6, 0, 0]], np.int32)
    out = np.asarray(layer(x))
    assert out.shape == (2, 4 + 3)  # 4 unigram slots + 3 bigram slots
    uni, bi = out[:, :4], out[:, 4:]
    assert (uni[0, :3] > 0).all() and uni[0, 3] == 0 and (uni[1, 2:] == 0).all()  # padding hashes to 0
    assert uni[0, 0] == uni[1, 0] and bi[0, 0] == bi[1, 0]  # the same n-gram, the same bucket, wherever it is
    assert bi[0, 1] > 0 and bi[1, 1] == 0 and bi[0, 2] == 0  # a bigram touching padding is 0
    assert len({int(v) for v in out[0] if v}) == 5  # five different n-grams
    assert (out < 1000).all() and (out >= 0).all()
    assert np.asarray(HashedNgrams(3, 1000)(np.array([[5]], np.int32))).tolist() == [[uni[0, 0]]]  # too short for 2-, 3-grams


def test_models_rnn_ngram_branch_joins_the_pooled_vector_and_saves(tmp_path):
    from illm_nlp.artifact import load_keras_model, save_keras_model

    spec = _build(pooling="max", units=4, embedding_dim=4, ngrams=2, ngram_buckets=50, ngram_dim=3)
    assert spec.output_dim() == 7
    model, _ = _model(spec)
    short, padded = np.array([[3, 4, 5]], np.int32), np.array([[3, 4, 5, 0, 0]], np.int32)
    a = model(short, training=False).numpy()
    assert a.shape == (1, 7)
    np.testing.assert_allclose(a, model(padded, training=False).numpy(), rtol=1e-5, atol=1e-6)
    # word order changes the bigram part even where max pooling of the words alone might not
    b = model(np.array([[5, 4, 3]], np.int32), training=False).numpy()
    assert not np.allclose(a[0, 4:], b[0, 4:])
    loaded = load_keras_model(save_keras_model(model, tmp_path / "model.keras"))
    np.testing.assert_array_equal(a, loaded(short, training=False).numpy())
