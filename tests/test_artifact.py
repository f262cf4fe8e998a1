"""The run directory: manifest, versions, missing files, unfinished runs, safe loading."""

from __future__ import annotations

import json
import shutil

import pytest

import illm_nlp
from illm_nlp import artifact
from illm_nlp.cli import main
from illm_nlp.errors import ArtifactError, UsageError
from illm_nlp.pipeline import load_pipeline
from illm_nlp.training.run import train_pipeline

from ._train_helpers import pipeline_text, write_jsonl
from .conftest import CORPORA


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A real (tiny) run trained on the shipped movie-sentences sample."""
    tmp = tmp_path_factory.mktemp("artifact")
    path = tmp / "pipeline.yaml"
    path.write_text(pipeline_text(epochs=1), encoding="utf-8")
    train_pipeline(load_pipeline(path), tmp / "run", train=CORPORA / "movie-sentences" / "train.jsonl", progress=False)
    return tmp / "run"


@pytest.fixture
def copy_of(run_dir, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(run_dir, dst)
    return dst


def test_artifact_manifest_lists_files_and_versions(run_dir):
    manifest = artifact.check_run(run_dir)
    assert manifest["format"] == "illm-run" and manifest["toolkit"]["version"] == illm_nlp.__version__
    assert {"model.keras", "vocab.txt", "labels.json", "pipeline.yaml", "metrics.json"} <= set(manifest["files"])
    assert "keras" in manifest["libraries"] and "nltk" in manifest["libraries"]


def test_artifact_loaded_copy_predicts_like_the_original(run_dir, copy_of):
    texts = ["An astonishing film.", "Tedious."]
    assert illm_nlp.load(copy_of).predict(texts) == illm_nlp.load(run_dir).predict(texts)
    info = illm_nlp.load(copy_of).info()
    assert info["labels"] == ["neg", "pos"] and info["versions"]["toolkit"] == illm_nlp.__version__


@pytest.mark.parametrize("name", ["model.keras", "vocab.txt", "labels.json", "pipeline.yaml"])
def test_artifact_missing_file_is_an_artifact_error(copy_of, name):
    (copy_of / name).unlink()
    with pytest.raises(ArtifactError, match=name):
        illm_nlp.load(copy_of)


def test_artifact_missing_file_via_cli_exits_with_a_clear_message(copy_of, capsys):
    (copy_of / "vocab.txt").unlink()
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(copy_of), "--text", "hello"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "missing vocab.txt" in err and "E401" in err and "Traceback" not in err


def test_artifact_other_toolkit_version_is_refused(copy_of):
    manifest = json.loads((copy_of / "manifest.json").read_text())
    manifest["toolkit"]["version"] = "9.3.0"
    (copy_of / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="9.3.0") as exc:
        illm_nlp.load(copy_of)
    assert "pip install" in (exc.value.hint or "") or "illm-nlp==9.3.0" in (exc.value.hint or "")


def test_artifact_other_format_version_is_refused(copy_of):
    manifest = json.loads((copy_of / "manifest.json").read_text())
    manifest["format_version"] = 99
    (copy_of / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format 99"):
        illm_nlp.load(copy_of)


def test_artifact_unfinished_run_points_at_resume(copy_of):
    (copy_of / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match="unfinished run") as exc:
        illm_nlp.load(copy_of)
    assert "--resume" in exc.value.hint


@pytest.mark.parametrize("make", ["missing", "file", "empty-folder"])
def test_artifact_not_a_run_directory(tmp_path, make):
    path = tmp_path / "x"
    if make == "file":
        path.write_text("hi")
    elif make == "empty-folder":
        path.mkdir()
    with pytest.raises(ArtifactError):
        illm_nlp.load(path)


def test_artifact_corrupt_model_is_an_artifact_error(copy_of):
    (copy_of / "model.keras").write_bytes(b"not a zip file")
    with pytest.raises(ArtifactError, match="model.keras"):
        illm_nlp.load(copy_of)


def test_artifact_prepare_refuses_to_mix_runs(run_dir, tmp_path):
    with pytest.raises(UsageError, match="not empty"):
        artifact.prepare_run_dir(run_dir)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "thesis.txt").write_text("precious")
    with pytest.raises(UsageError, match="does not look like a run"):
        artifact.prepare_run_dir(other, overwrite=True)
    assert (other / "thesis.txt").exists()


def test_artifact_training_into_an_existing_run_needs_overwrite_or_resume(copy_of, write_pipeline, tmp_path, capsys):
    data = write_jsonl(tmp_path / "t.jsonl", [{"text": f"text {i}", "label": "ab"[i % 2]} for i in range(10)])
    path = write_pipeline(pipeline_text(epochs=1))
    with pytest.raises(SystemExit) as exc:
        main(["train", str(path), "--output", str(copy_of), "--train", str(data)])
    assert exc.value.code == 2 and "--overwrite" in capsys.readouterr().err


def test_artifact_save_keras_model_handles_subclassed_models(tmp_path):
    import keras
    import numpy as np

    from illm_nlp.artifact import save_keras_model

    @keras.saving.register_keras_serializable(package="illm_nlp_tests")
    class Tiny(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    x = np.ones((1, 3), dtype="float32")
    want = model(x)
    path = save_keras_model(model, tmp_path / "model.keras")
    again = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(again(x), want, rtol=1e-6)
