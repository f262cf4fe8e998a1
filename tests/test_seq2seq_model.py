"""The Keras encoder–decoder: a copy task learnt in seconds, decoding, and save/load in safe mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from illm_nlp.decoding import beam_search, decode, greedy_search
from illm_nlp.models.seq2seq import MaskedLoss, Seq2SeqStepper, build_seq2seq, masked_accuracy, masked_loss

BOS, EOS, VOCAB = 2, 3, 16


def copy_data(n: int, seed: int = 0, max_len: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random id sequences (ids 4..15) whose target is the sequence itself."""
    rng = np.random.default_rng(seed)
    src = np.zeros((n, max_len), np.int32)
    tin = np.zeros((n, max_len + 1), np.int32)
    tout = np.zeros((n, max_len + 1), np.int32)
    for i in range(n):
        k = int(rng.integers(3, max_len + 1))
        seq = rng.integers(4, VOCAB, size=k)
        src[i, :k] = seq
        tin[i, 0] = BOS
        tin[i, 1 : k + 1] = seq
        tout[i, :k] = seq
        tout[i, k] = EOS
    return src, tin, tout


def exact(results, src) -> float:
    return float(np.mean([r.ids == [int(t) for t in row if t] for r, row in zip(results, src)]))


@pytest.fixture(scope="module")
def copy_models() -> dict[str, object]:
    """One small model per attention kind, trained on the copy task for a few seconds."""
    src, tin, tout = copy_data(2000)
    models = {}
    for attention, cell in (("luong", "lstm"), ("bahdanau", "gru")):
        keras.utils.set_random_seed(1)
        model = build_seq2seq(
            source_vocab_size=VOCAB, target_vocab_size=VOCAB, embedding_dim=32, units=64,
            attention=attention, cell=cell, dropout=0.0,
        )
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=MaskedLoss(), metrics=[masked_accuracy])
        history = model.fit((src, tin), tout, batch_size=64, epochs=6, verbose=0)
        models[attention] = (model, history.history)
    return models


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
def test_seq2seq_model_learns_the_copy_task(copy_models, attention: str) -> None:
    model, history = copy_models[attention]
    assert history["loss"][-1] < history["loss"][0] / 10
    assert history["masked_accuracy"][-1] > 0.97
    src, _, _ = copy_data(200, seed=99)
    out = greedy_search(Seq2SeqStepper(model), src, bos=BOS, eos=EOS, max_length=10)
    assert exact(out, src) >= 0.95


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
def test_seq2seq_model_attention_follows_the_copied_position(copy_models, attention: str) -> None:
    model, _ = copy_models[attention]
    src, _, _ = copy_data(100, seed=5)
    out = greedy_search(Seq2SeqStepper(model), src, bos=BOS, eos=EOS, max_length=10)
    right = [r.attention == list(range(len(r.ids))) for r in out if r.ids == [int(t) for t in src[out.index(r)] if t]]
    assert np.mean(right) > 0.8


def test_seq2seq_model_beam_one_equals_greedy(copy_models) -> None:
    model, _ = copy_models["luong"]
    src, _, _ = copy_data(64, seed=7)
    stepper = Seq2SeqStepper(model)
    greedy = greedy_search(stepper, src, bos=BOS, eos=EOS, max_length=10)
    beam1 = beam_search(stepper, src, beam=1, bos=BOS, eos=EOS, max_length=10)
    assert [g.ids for g in greedy] == [b.ids for b in beam1]


def test_seq2seq_model_save_and_load_give_identical_output(copy_models, tmp_path: Path) -> None:
    model, _ = copy_models["bahdanau"]
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
    src, tin, _ = copy_data(32, seed=3)
    np.testing.assert_array_equal(np.asarray(model((src, tin))), np.asarray(loaded((src, tin))))
    a = decode(Seq2SeqStepper(model), src, beam=3, bos=BOS, eos=EOS, max_length=10)
    b = decode(Seq2SeqStepper(loaded), src, beam=3, bos=BOS, eos=EOS, max_length=10)
    assert [(x.ids, x.score) for x in a] == [(y.ids, y.score) for y in b]


def test_seq2seq_model_padding_does_not_change_the_output(copy_models) -> None:
    model, _ = copy_models["luong"]
    stepper = Seq2SeqStepper(model)
    src = np.array([[5, 6, 7, 0, 0, 0, 0, 0]], np.int32)
    short = greedy_search(stepper, src[:, :3], bos=BOS, eos=EOS, max_length=10)[0]
    padded = greedy_search(stepper, src, bos=BOS, eos=EOS, max_length=10)[0]
    assert short.ids == padded.ids == [5, 6, 7]


@pytest.mark.parametrize("options", [{"bidirectional": False, "encoder_layers": 2}, {"shared_embeddings": True, "tie_output": True}])
def test_seq2seq_model_variants_build_and_round_trip(options: dict, tmp_path: Path) -> None:
    model = build_seq2seq(source_vocab_size=VOCAB, target_vocab_size=VOCAB, embedding_dim=8, units=8, **options)
    src, tin, _ = copy_data(4)
    assert tuple(model((src, tin)).shape) == (4, tin.shape[1], VOCAB)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", compile=False, safe_mode=True)
    np.testing.assert_allclose(np.asarray(model((src, tin))), np.asarray(loaded((src, tin))), rtol=0, atol=0)


def test_seq2seq_model_label_smoothing_and_padding_in_the_loss() -> None:
    y_true = np.array([[1, 2, 0, 0]], np.int32)
    logits = np.zeros((1, 4, 4), np.float32)
    logits[0, 0, 1] = logits[0, 1, 2] = 10.0
    logits[0, 2:, 3] = 50.0  # padded positions are ignored whatever they predict
    plain = float(masked_loss(y_true, logits))
    assert plain == pytest.approx(-np.log(np.exp(10) / (np.exp(10) + 3)), rel=1e-2)
    smoothed = float(masked_loss(y_true, logits, 0.1))
    logp = logits[0, 0] - np.log(np.exp(logits[0, 0]).sum())
    assert smoothed == pytest.approx(0.9 * plain - 0.1 * logp.mean(), rel=1e-3)
    assert float(masked_accuracy(y_true, logits)) == 1.0
