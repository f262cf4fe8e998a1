"""Embedding matrix from vectors: missing-word policies, coverage, and unfreezing after N epochs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from illm_nlp.embeddings.coverage import measure_coverage
from illm_nlp.embeddings.keras_init import build_embedding_matrix
from illm_nlp.embeddings.vectors import Vectors, load_vectors
from illm_nlp.errors import ConfigError
from illm_nlp.vocab import Vocabulary

VEC_WORDS = ["the", "sister", "brother", "mother"]
VEC = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.float32)


@pytest.fixture
def vectors() -> Vectors:
    return Vectors(VEC_WORDS, VEC.copy(), source="hand-made")


@pytest.fixture
def vocab() -> Vocabulary:
    # 100 tokens in all: the 50, sister 20, zebra 15, Brother 10, qux 5
    return Vocabulary.build(
        [["the"] * 50, ["sister"] * 20, ["zebra"] * 15, ["Brother"] * 10, ["qux"] * 5],
        specials=["<s>"],
    )


def test_embeddings_keras_init_coverage_on_a_hand_made_case(vocab, vectors):
    assert vocab.tokens == ["<pad>", "<unk>", "<s>", "the", "sister", "zebra", "Brother", "qux"]
    cov = build_embedding_matrix(vocab, vectors, missing="zeros").coverage
    assert (cov.vocab_size, cov.found, cov.found_lowercase, cov.missing) == (5, 2, 1, 2)
    assert cov.vocab_share == pytest.approx(3 / 5)
    assert cov.token_share == pytest.approx(80 / 100)
    assert cov.missing_top == [("zebra", 15), ("qux", 5)]
    data = cov.to_dict()
    assert data["missing_top"] == [["zebra", 15], ["qux", 5]] and data["policy"] == "zeros"
    strict = measure_coverage(vocab, vectors, lowercase_fallback=False)
    assert (strict.found_lowercase, strict.vocab_share, strict.token_share) == (0, pytest.approx(2 / 5), pytest.approx(70 / 100))
    assert strict.missing_top[:2] == [("zebra", 15), ("Brother", 10)]


def test_embeddings_keras_init_coverage_saved_as_json(tmp_path, vocab, vectors):
    import json

    cov = build_embedding_matrix(vocab, vectors, missing="mean").coverage
    cov.save(tmp_path / "coverage.json")
    assert json.loads((tmp_path / "coverage.json").read_text())["token_share"] == 0.8
    assert "60.0% of the vocabulary, 80.0% of tokens" in cov.summary()


def test_embeddings_keras_init_found_rows_and_padding(vocab, vectors):
    init = build_embedding_matrix(vocab, vectors, missing="zeros")
    m = init.matrix
    assert m.shape == (len(vocab), 3) and m.dtype == np.float32
    np.testing.assert_array_equal(m[0], 0)  # padding
    np.testing.assert_array_equal(m[vocab.id("the")], VEC[0])
    np.testing.assert_array_equal(m[vocab.id("sister")], VEC[1])
    np.testing.assert_array_equal(m[vocab.id("Brother")], VEC[2])  # lower-case fallback
    assert init.sources[vocab.id("Brother")] == "lower" and init.sources[0] == "pad"
    no_fallback = build_embedding_matrix(vocab, vectors, missing="zeros", lowercase_fallback=False).matrix
    np.testing.assert_array_equal(no_fallback[vocab.id("Brother")], 0)


@pytest.mark.parametrize("policy", ["zeros", "mean", "random"])
def test_embeddings_keras_init_missing_policies(vocab, vectors, policy):
    init = build_embedding_matrix(vocab, vectors, missing=policy, seed=5)
    missing_ids = [vocab.id("zebra"), vocab.id("qux"), vocab.unk_id, vocab.id("<s>")]
    rows = init.matrix[missing_ids]
    if policy == "zeros":
        np.testing.assert_array_equal(rows, 0)
    elif policy == "mean":
        np.testing.assert_allclose(rows, np.tile(VEC.mean(axis=0), (4, 1)), rtol=1e-6)
    else:
        assert np.all(rows != 0) and len({tuple(r) for r in rows}) == 4
        again = build_embedding_matrix(vocab, vectors, missing="random", seed=5).matrix
        np.testing.assert_array_equal(again, init.matrix)  # seeded: the same matrix
        other = build_embedding_matrix(vocab, vectors, missing="random", seed=6).matrix
        assert not np.array_equal(other[missing_ids], rows)
    assert {init.sources[i] for i in missing_ids} == {policy}
    np.testing.assert_array_equal(init.matrix[vocab.id("the")], VEC[0])  # found words untouched


def test_embeddings_keras_init_random_matches_the_vectors_scale():
    rng = np.random.default_rng(0)
    scale = np.array([0.05, 0.5, 2.0], dtype=np.float32)
    centre = np.array([3.0, -1.0, 0.0], dtype=np.float32)
    vectors = Vectors([f"v{i}" for i in range(2000)], (rng.normal(size=(2000, 3)) * scale + centre).astype(np.float32))
    vocab = Vocabulary.build([[f"new{i}" for i in range(3000)]])
    rows = build_embedding_matrix(vocab, vectors, missing="random").matrix[2:]
    np.testing.assert_allclose(rows.mean(axis=0), centre, atol=0.1)
    np.testing.assert_allclose(rows.std(axis=0), scale, rtol=0.1)


def test_embeddings_keras_init_subword_policy_uses_fasttext_ngrams():
    from gensim.test.utils import datapath

    ft = load_vectors(Path(datapath("lee_fasttext_new.bin")))
    vocab = Vocabulary.build([["the", "government", "hurricanesque", "governmentalish", "x"]])
    init = build_embedding_matrix(vocab, ft, missing="subword")
    for word in ("hurricanesque", "governmentalish"):
        assert word not in ft
        np.testing.assert_allclose(init.matrix[vocab.id(word)], ft.get(word), rtol=1e-6)
        assert init.sources[vocab.id(word)] == "subword"
    assert init.coverage.subword == 3  # 'x' too: '<x>' is a 3-gram
    assert init.coverage.missing == 3 and init.coverage.found == 2
    np.testing.assert_allclose(init.matrix[vocab.unk_id], ft.mean(), rtol=1e-6)  # specials get the mean
    # the sub-word vector of an unseen word is closer to its stem's than to an unrelated word's
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    m = init.matrix
    assert cos(m[vocab.id("governmentalish")], m[vocab.id("government")]) > cos(m[vocab.id("governmentalish")], m[vocab.id("the")])


def test_embeddings_keras_init_subword_without_subwords_is_a_config_error(vocab, vectors):
    with pytest.raises(ConfigError, match="'subword' needs fastText vectors") as info:
        build_embedding_matrix(vocab, vectors, missing="subword")
    assert "missing: random" in info.value.hint


def test_embeddings_keras_init_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from illm_nlp.embeddings.keras_init import build_embedding_matrix\n"
        "import illm_nlp.embeddings.vectors, illm_nlp.embeddings.formats, illm_nlp.stages.gensim_vectors, illm_nlp.cli.embed\n"
        "bad = [m for m in ('tensorflow', 'keras', 'gensim', 'matplotlib', 'sklearn') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_embeddings_keras_init_unfreeze_embedding_after_n_epochs():
    import keras

    from illm_nlp.embeddings.keras_init import UnfreezeEmbedding

    keras.utils.set_random_seed(1)
    x = np.random.default_rng(0).integers(1, 20, size=(64, 6))
    y = (x[:, 0] > 10).astype("float32")
    emb = keras.layers.Embedding(20, 4, name="emb", trainable=False)
    model = keras.Sequential([keras.Input((6,), dtype="int32"), emb, keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    start = emb.get_weights()[0].copy()
    moved: list[float] = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            moved.append(float(np.abs(emb.get_weights()[0] - start).max()))

    unfreeze = UnfreezeEmbedding("emb", after_epochs=2)
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[unfreeze, Watch()])
    assert moved[0] == 0.0 and moved[1] == 0.0  # frozen for two epochs
    assert moved[2] > 0.0 and moved[3] > moved[2]  # then trained
    assert unfreeze.unfrozen_at == 2 and emb.trainable
    assert len(history.history["accuracy"]) == 4  # metrics keep being logged after the switch
    with pytest.raises(ConfigError, match="no layer 'emd'. Did you mean 'emb'") as info:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[UnfreezeEmbedding("emd", 0)])
    # Keras numbers auto-named layers per process, so compare with the model's own names.
    assert info.value.hint == "layers: " + ", ".join(layer.name for layer in model.layers)
    assert info.value.hint.startswith("layers: emb, ")
