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

    # "interrupted" after 2 epochs (a run whose budget was 2 epochs), then resumed to 3
    train_pipeline(load_pipeline(path, ["train.epochs=2"]), tmp_path / "resumed", train=train, dev=dev, progress=False)
    resumed = train_pipeline(load_pipeline(path), tmp_path / "resumed", train=train, dev=dev, resume=True, progress=False)

    assert resumed["training"]["resumed_from_epoch"] == 2
    assert resumed["dev"]["accuracy"] == full["dev"]["accuracy"]
    for a, b in zip(_weights(tmp_path / "full"), _weights(tmp_path / "resumed")):
        np.testing.assert_array_equal(a, b)
    hist_full = json.loads((tmp_path / "full" / "history.json").read_text())["epochs"]
    hist_res = json.loads((tmp_path / "resumed" / "history.json").read_text())["epochs"]
    assert [r["loss"] for r in hist_full] == [r["loss"] for r in hist_res]


@pytest.mark.slow
def test_train_resume_after_the_embedding_was_unfrozen(sample, tmp_path, write_pipeline, shared_data):
    train, dev = sample
    vectors = shared_data / "embeddings" / "glove.6B.50d.100k.txt.gz"
    text = pipeline_text(epochs=3).replace("max_vocab: 2000", f"max_vocab: 2000\n  vectors: {vectors}\n  vectors_limit: 5000\n  trainable: false\n  unfreeze_after: 1")
    path = write_pipeline(text)
    train_pipeline(load_pipeline(path), tmp_path / "full", train=train, dev=dev, progress=False)
    train_pipeline(load_pipeline(path, ["train.epochs=2"]), tmp_path / "resumed", train=train, dev=dev, progress=False)
    train_pipeline(load_pipeline(path), tmp_path / "resumed", train=train, dev=dev, resume=True, progress=False)
    for a, b in zip(_weights(tmp_path / "full"), _weights(tmp_path / "resumed")):
        np.testing.assert_array_equal(a, b)
    assert (tmp_path / "full" / "embedding" / "coverage.json").exists()
