"""`illm train` end to end through the CLI: default dev split, time budget, --resume, --set, errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from illm_nlp.cli import cli, main

from ._train_helpers import grain_sample, pipeline_text


def test_train_cli_folder_per_label_with_seeded_split_budget_and_resume(shared_data, tmp_path, write_pipeline):
    data = grain_sample(shared_data, tmp_path, per_label=20)
    path = write_pipeline(pipeline_text(epochs=3, cell="lstm", pooling="last", train="max_length: 60\ndev_split: 0.25"))
    run = tmp_path / "run"
    runner = CliRunner()
    # a time budget far below one epoch: training stops after the first epoch, unfinished
    first = runner.invoke(cli, ["train", str(path), "--output", str(run), "--train", str(data), "--no-progress",
                                "--set", "train.max_minutes=0.0001"])
    assert first.exit_code == 0, first.output
    assert "time budget reached" in first.output
    state = json.loads((run / "checkpoints" / "state.json").read_text())
    assert state["next_epoch"] == 1
    second = runner.invoke(cli, ["train", str(path), "--output", str(run), "--train", str(data), "--no-progress", "--resume"])
    assert second.exit_code == 0, second.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["training"]["epochs_run"] == 3 and metrics["training"]["resumed_from_epoch"] == 1
    assert metrics["training"]["train_documents"] + metrics["training"]["dev_documents"] == 40
    assert metrics["dev"]["per_class"].keys() == {"grain", "other"}
    assert metrics["dev"]["per_class"]["grain"]["support"] == 5  # a per-label split: 25 % of 20
    assert len(json.loads((run / "history.json").read_text())["epochs"]) == 3


def test_train_cli_same_seed_same_model(shared_data, tmp_path, write_pipeline):
    from ._train_helpers import movie_sample

    train, _ = movie_sample(shared_data, tmp_path, n_train=120, n_dev=10)
    path = write_pipeline(pipeline_text(epochs=2))
    outs = []
    for name in ("a", "b"):
        result = CliRunner().invoke(cli, ["train", str(path), "-o", str(tmp_path / name), "--train", str(train), "--no-progress"])
        assert result.exit_code == 0, result.output
        outs.append(json.loads((tmp_path / name / "history.json").read_text())["epochs"])
    assert [(r["loss"], r["val_loss"]) for r in outs[0]] == [(r["loss"], r["val_loss"]) for r in outs[1]]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "train.epochs=0"], "train.epochs"),
        (["--set", "model.cell=transformer"], "model.cell"),
        (["--set", "train.monitor=bleu"], "train.monitor: 'bleu'"),
        (["--resume", "--overwrite"], "contradict"),
    ],
)
def test_train_cli_bad_settings_are_reported(corpora, tmp_path, write_pipeline, capsys, extra, message):
    path = write_pipeline(pipeline_text(epochs=1))
    with pytest.raises(SystemExit) as exc:
        main(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(corpora / "movie-sentences" / "train.jsonl"), "--no-progress", *extra])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and "Traceback" not in err


def test_train_cli_pipeline_without_head(tmp_path, write_pipeline, capsys):
    path = write_pipeline("version: 1\nstages:\n  - stage: nltk.clean.v1\n")
    with pytest.raises(SystemExit) as exc:
        main(["train", str(path), "--output", str(tmp_path / "run"), "--train", "x.jsonl"])
    assert exc.value.code == 2 and "no head section" in capsys.readouterr().err


def test_train_cli_predict_needs_input_or_text(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(tmp_path), "--text", "a", "--input", "b"])
    assert exc.value.code == 2 and "exactly one of --input" in capsys.readouterr().err
