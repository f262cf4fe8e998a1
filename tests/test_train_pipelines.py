"""The shipped classification pipelines train, evaluate and predict on the bundled samples."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from illm_nlp.cli import cli

from .conftest import REPO, SHARED_DATA

VECTORS = SHARED_DATA / "embeddings" / "glove.6B.50d.100k.txt.gz"


@pytest.mark.parametrize(
    ("pipeline", "test_data", "labels", "extra"),
    [
        ("seed-rnn.yaml", "movie-sentences/test.jsonl", ["neg", "pos"], []),
        ("seed-rnn.yaml", "reuters-grain/test", ["grain", "other"], ["--train", "corpora/reuters-grain/train"]),
        pytest.param("classify-sentiment.yaml", "movie-sentences/test.jsonl", ["neg", "pos"],
                     ["--set", f"vars.vectors={VECTORS}", "--set", "model.vectors_limit=3000", "--set", "model.vectors_vocab=3000"],
                     marks=pytest.mark.slow),
        pytest.param("classify-topics.yaml", "reuters-grain/test", ["grain", "other"],
                     ["--set", f"vars.vectors={VECTORS}", "--set", "model.vectors_limit=3000", "--set", "train.max_length=80"],
                     marks=pytest.mark.slow),
    ],
)
def test_train_pipelines_shipped_ones_run_end_to_end(pipeline, test_data, labels, extra, tmp_path, monkeypatch):
    if not VECTORS.exists():
        pytest.skip("../shared/data is not beside the repo")
    monkeypatch.chdir(REPO)
    run = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", f"pipelines/{pipeline}", "--output", str(run), "--no-progress",
                                 "--set", "train.epochs=1", *extra])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["evaluate", str(run), "--data", f"corpora/{test_data}", "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout[result.stdout.index("{"):])
    assert sorted(metrics["per_class"]) == labels and 0.0 <= metrics["accuracy"] <= 1.0
    result = runner.invoke(cli, ["predict", str(run), "--text", "Wheat and corn exports rose sharply this year.", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(json.loads(result.stdout.strip().splitlines()[-1])["probabilities"]) == labels
