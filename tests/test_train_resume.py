"""Resuming from the last checkpoint gives the same model as an uninterrupted run; seeded runs repeat."""

from __future__ import annotations

import json

import numpy as np
import pytest

from illm_nlp.pipeline import load_pipeline
from illm_nlp.training.run import train_pipeline

from ._train_helpers import movie_sample, pipeline_text


@pytest.fixture
def sample(shared_data, tmp_path):
    return movie_sample(shared_data, tmp_path, n_train=200, n_dev=60)


def _weights(run_dir):
    from illm_nlp.artifact import load_run

    return load_run(run_dir).model.get_weights()


@pytest.mark.parametrize(
    ("cell", "pooling", "bidirectional"),
    [("gru", "max", False), pytest.param("lstm", "attention", True, marks=pytest.mark.slow)],
)
def test_train_resume_equals_uninterrupted_run(sample, tmp_path, write_pipeline, cell, pooling, bidirectional):
    train, dev = sample
    path = write_pipeline(pipeline_text(epochs=3, cell=cell, pooling=pooling, bidirectional=bidirectional))
    full = train_pipeline(load_pipeline(path), tmp_path / "full", train=train, dev=dev, progress=False)

    # interrupted after the first epoch (by a time budget far below one epoch), then resumed
    train_pipeline(load_pipeline(path, ["train.max_minutes=0.0001"]), tmp_path / "resumed", train=train, dev=dev, progress=False)
    assert (tmp_path / "resumed" / "checkpoints" / "state.json").exists()
    resumed = train_pipeline(load_pipeline(path), tmp_path / "resumed", train=train, dev=dev, resume=True, progress=False)

    assert resumed["training"]["resumed_from_epoch"] == 1
    assert not (tmp_path / "resumed" / "checkpoints").exists()  # finished: the checkpoint is dropped
    assert resumed["dev"]["accuracy"] == full["dev"]["accuracy"]
    for a, b in zip(_weights(tmp_path / "full"), _weights(tmp_path / "resumed")):
        np.testing.assert_array_equal(a, b)
    hist_full = json.loads((tmp_path / "full" / "history.json").read_text())["epochs"]
    hist_res = json.loads((tmp_path / "resumed" / "history.json").read_text())["epochs"]
    assert [r["loss"] for r in hist_full] == [r["loss"] for r in hist_res]


@pytest.mark.slow
@pytest.mark.parametrize("stop_after", [1, 2])
def test_train_resume_around_the_embedding_unfreeze(sample, tmp_path, write_pipeline, shared_data, monkeypatch, stop_after):
    """Embedding frozen for 1 epoch, then unfrozen; the run is killed after epoch 1 (before) or 2 (after)."""
    from illm_nlp import artifact

    train, dev = sample
    vectors = shared_data / "embeddings" / "glove.6B.50d.100k.txt.gz"
    text = pipeline_text(epochs=3).replace("max_vocab: 2000", f"max_vocab: 2000\n  vectors: {vectors}\n  vectors_limit: 5000\n  trainable: false\n  unfreeze_after: 1")
    path = write_pipeline(text)
    train_pipeline(load_pipeline(path), tmp_path / "full", train=train, dev=dev, progress=False)
    # a run killed right after epoch `stop_after`: its checkpoint is there, its manifest is not
    with monkeypatch.context() as m:
        m.setattr(artifact, "finish_checkpoints", lambda run_dir, keep: None)
        train_pipeline(load_pipeline(path, [f"train.epochs={stop_after}"]), tmp_path / "resumed", train=train, dev=dev, progress=False)
    (tmp_path / "resumed" / "manifest.json").unlink()
    train_pipeline(load_pipeline(path), tmp_path / "resumed", train=train, dev=dev, resume=True, progress=False)
    for a, b in zip(_weights(tmp_path / "full"), _weights(tmp_path / "resumed")):
        np.testing.assert_array_equal(a, b)
    assert (tmp_path / "full" / "embedding" / "coverage.json").exists()
