"""head.classify.v1: training on real samples, the saved artifact, predict, evaluate, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from illm_nlp.cli import cli, main
from illm_nlp.document import Doc
from illm_nlp.heads.classify_metrics import classification_metrics
from illm_nlp.pipeline import load_pipeline
from illm_nlp.registry import heads
from illm_nlp.training.run import clean_documents, read_documents, reader_for

from ._train_helpers import movie_sample, pipeline_text, write_jsonl
from .conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not beside the repo")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny sentiment model trained in-process (the head itself, so its in-memory predictor is at hand)."""
    tmp = tmp_path_factory.mktemp("classify")
    train, dev = movie_sample(SHARED_DATA, tmp)
    path = tmp / "pipeline.yaml"
    path.write_text(pipeline_text(epochs=3), encoding="utf-8")
    pipe = load_pipeline(path)
    head = heads.build("head.classify.v1", {}, "head")
    train_docs = clean_documents(pipe, read_documents(reader_for(pipe, train, labels=True), what="train", path=train), what="train")
    dev_docs = clean_documents(pipe, read_documents(reader_for(pipe, dev, labels=True), what="dev", path=dev), what="dev")
    run_dir = tmp / "run"
    run_dir.mkdir()
    (run_dir / "pipeline.yaml").write_text(pipe.config.to_yaml(), encoding="utf-8")
    metrics = head.fit(pipeline=pipe, train=train_docs, dev=dev_docs, run_dir=run_dir, progress=False)
    return {"head": head, "run_dir": run_dir, "metrics": metrics, "train": train, "dev": dev, "pipeline": path, "tmp": tmp}


def test_heads_classify_loss_goes_down(trained):
    epochs = json.loads((trained["run_dir"] / "history.json").read_text())["epochs"]
    assert len(epochs) == 3
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    assert {"val_accuracy", "val_macro_f1", "val_loss"} <= set(epochs[0])


def test_heads_classify_run_directory_is_complete(trained):
    names = {p.name for p in trained["run_dir"].iterdir()}
    assert {"manifest.json", "pipeline.yaml", "model.keras", "vocab.txt", "labels.json", "metrics.json",
            "history.json", "training.png", "confusion.png", "logs"} <= names
    assert "checkpoints" not in names  # training finished: the resume state is dropped
    manifest = json.loads((trained["run_dir"] / "manifest.json").read_text())
    assert manifest["task"] == "classify" and manifest["head"] == "head.classify.v1"
    assert {"tensorflow", "keras", "nltk", "numpy"} <= set(manifest["libraries"]) | {"tensorflow"}
    assert json.loads((trained["run_dir"] / "labels.json").read_text())["labels"] == ["neg", "pos"]


def test_heads_classify_save_load_predict_gives_identical_probabilities(trained):
    import illm_nlp

    texts = [json.loads(line)["text"] for line in trained["dev"].read_text().splitlines()[:40]] + ["", "!!!"]
    before = trained["head"].predictor.predict(texts)
    loaded = illm_nlp.load(trained["run_dir"])
    after = loaded.predict(texts)
    assert [a["probabilities"] for a in after] == [b["probabilities"] for b in before]
    probs = np.array([[a["probabilities"][k] for k in ("neg", "pos")] for a in after])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert all(a["label"] == a["labels"][0] for a in after)


def test_heads_classify_evaluate_matches_the_dev_metrics_of_training(trained):
    import illm_nlp

    loaded = illm_nlp.load(trained["run_dir"])
    docs = read_documents(reader_for(loaded.pipeline, trained["dev"], labels=True), what="dev", path=trained["dev"])
    metrics = loaded.evaluate(docs)
    dev = trained["metrics"]["dev"]
    assert metrics["accuracy"] == dev["accuracy"] and metrics["confusion"] == dev["confusion"]
    assert set(metrics) >= {"accuracy", "macro_f1", "per_class", "confusion"}


def test_heads_classify_evaluate_cli_json_and_plot(trained, tmp_path):
    result = CliRunner().invoke(cli, ["evaluate", str(trained["run_dir"]), "--data", str(trained["dev"]), "--json", "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout[result.stdout.index("{"):])
    assert set(metrics["per_class"]) == {"neg", "pos"}
    assert sum(map(sum, metrics["confusion"]["matrix"])) == 80
    assert (tmp_path / "confusion.png").stat().st_size > 1000


def test_heads_classify_predict_label_less_folder(trained, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(["A triumph of a film.", "Dull and far too long.", "I laughed, I cried."]):
        (folder / f"d{i}.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(cli, ["predict", str(trained["run_dir"]), "--input", str(folder), "--output", str(out), "--top", "1"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["d0.txt", "d1.txt", "d2.txt"]
    assert all(r["label"] in ("neg", "pos") and list(r["meta"]["probabilities"]) == [r["label"]] for r in rows)
    assert not list(tmp_path.glob("*.partial"))


def test_heads_classify_predict_one_text(trained):
    result = CliRunner().invoke(cli, ["predict", str(trained["run_dir"]), "--text", "What a lovely film.", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["label"] in ("neg", "pos") and set(answer["probabilities"]) == {"neg", "pos"}


@pytest.mark.parametrize(
    ("y_true", "y_pred", "accuracy", "macro_f1", "matrix"),
    [
        ([0, 0, 1, 1, 2], [0, 1, 1, 1, 2], 0.8, (2 / 3 + 0.8 + 1) / 3, [[1, 1, 0], [0, 2, 0], [0, 0, 1]]),
        ([0, 1, 2], [0, 1, 2], 1.0, 1.0, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        ([0, 0, 0, 0], [0, 0, 0, 0], 1.0, 1 / 3, [[4, 0, 0], [0, 0, 0], [0, 0, 0]]),
    ],
)
def test_heads_classify_metrics_on_known_cases(y_true, y_pred, accuracy, macro_f1, matrix):
    m = classification_metrics(np.array(y_true), np.array(y_pred), ["a", "b", "c"])
    assert m["accuracy"] == pytest.approx(accuracy)
    assert m["macro_f1"] == pytest.approx(macro_f1)
    assert m["confusion"] == {"labels": ["a", "b", "c"], "matrix": matrix}
    if y_true == [0, 0, 1, 1, 2]:
        assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
        assert m["per_class"]["b"]["precision"] == pytest.approx(2 / 3)


def test_heads_classify_multi_label_metrics_known_case():
    y = np.array([[1, 0], [1, 1], [0, 1]])
    p = np.array([[1, 0], [1, 0], [0, 1]])
    m = classification_metrics(y, p, ["x", "y"], multi_label=True)
    assert m["accuracy"] == pytest.approx(2 / 3)
    assert m["per_class"]["y"]["recall"] == pytest.approx(0.5)
    assert m["confusion"]["per_label"]["y"] == [[1, 0], [1, 1]]


def test_heads_classify_multi_label_trains_and_predicts_label_lists(shared_data, tmp_path, write_pipeline):
    from illm_nlp.artifact import load_run
    from illm_nlp.training.run import train_pipeline

    src = (shared_data / "classification" / "movie-sentences" / "train.jsonl").read_text().splitlines()[:200]
    rows = []
    for line in src:
        rec = json.loads(line)
        labels = [rec["label"]] + (["question"] if "?" in rec["text"] else []) + (["long"] if len(rec["text"]) > 120 else [])
        rows.append({"text": rec["text"], "label": labels})
    data = write_jsonl(tmp_path / "multi.jsonl", rows)
    path = write_pipeline(pipeline_text(epochs=2, head="multi_label: true\nthreshold: 0.4\nclass_weight: balanced"))
    metrics = train_pipeline(load_pipeline(path), tmp_path / "run", train=data, progress=False)
    assert set(metrics["dev"]) >= {"accuracy", "macro_f1", "micro_f1", "per_class"}
    assert set(metrics["dev"]["per_class"]) == {"long", "neg", "pos", "question"}
    answers = load_run(tmp_path / "run").predict(["Is this the worst film ever made?", "Fine."])
    for a in answers:
        assert isinstance(a["label"], list)
        assert all(a["probabilities"][name] >= 0.4 for name in a["label"])
        assert len(a["probabilities"]) == 4


def test_heads_classify_balanced_class_weights():
    head = heads.build("head.classify.v1", {"class_weight": "balanced"}, "head")
    w = head._weights(np.array([0, 0, 0, 1]), ["a", "b"])
    np.testing.assert_allclose(w, [4 / 6, 4 / 6, 4 / 6, 2.0])
    head = heads.build("head.classify.v1", {"class_weight": {"b": 3}}, "head")
    np.testing.assert_allclose(head._weights(np.array([0, 1]), ["a", "b"]), [1.0, 3.0])


def _fail(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code, capsys.readouterr().err


def test_heads_classify_unknown_label_field_is_reported(shared_data, tmp_path, write_pipeline, capsys):
    train, _ = movie_sample(shared_data, tmp_path, n_train=20, n_dev=5)
    path = write_pipeline(pipeline_text(epochs=1) + "corpus:\n  reader: folder.v1\n  path: x\n  label_from: field\n  label_field: sentiment\n")
    code, err = _fail(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(train)], capsys)
    assert code == 1
    assert "no documents could be read" in err and "sentiment" in err and "Traceback" not in err


def test_heads_classify_empty_training_set_is_reported(tmp_path, write_pipeline, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    path = write_pipeline(pipeline_text(epochs=1))
    code, err = _fail(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(empty)], capsys)
    assert code == 1
    assert "training data" in err and "empty.jsonl" in err and "Fix:" in err


def test_heads_classify_single_label_set_is_reported(tmp_path, write_pipeline, capsys):
    data = write_jsonl(tmp_path / "one.jsonl", [{"text": f"text number {i}", "label": "pos"} for i in range(10)])
    path = write_pipeline(pipeline_text(epochs=1))
    code, err = _fail(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(data)], capsys)
    assert code == 1 and "only one label (pos)" in err


def test_heads_classify_dev_label_unknown_to_training_is_reported(tmp_path, write_pipeline, capsys):
    train = write_jsonl(tmp_path / "t.jsonl", [{"text": f"text {i}", "label": "ab"[i % 2]} for i in range(10)])
    dev = write_jsonl(tmp_path / "d.jsonl", [{"text": "text", "label": "c"}])
    path = write_pipeline(pipeline_text(epochs=1, stages=False))
    code, err = _fail(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(train), "--dev", str(dev)], capsys)
    assert code == 1 and "label 'c'" in err and "known labels: a, b" in err


def test_heads_classify_multi_label_data_needs_multi_label_head():
    head = heads.build("head.classify.v1", {}, "head")
    with pytest.raises(Exception, match="multi_label: true"):
        head._targets([Doc(id="d1", text="x", label=["a", "b"])], ["a", "b"], "training data")


def test_heads_classify_ensemble_averages_its_members_and_resumes_member_by_member(shared_data, tmp_path, write_pipeline, monkeypatch):
    """ensemble: 2 trains two seeded members (here of two kinds); the saved model's output is their mean;
    a resumed run loads the member that had finished instead of training it again."""
    import illm_nlp
    from illm_nlp import artifact
    from illm_nlp.training.run import train_pipeline

    train, dev = movie_sample(shared_data, tmp_path, n_train=200, n_dev=60)
    path = write_pipeline(pipeline_text(epochs=2, head="ensemble: 2\nmembers: [{}, {layers: 0, pooling: mean, ngrams: 2, ngram_buckets: 100}]"))
    metrics = train_pipeline(load_pipeline(path), tmp_path / "run", train=train, dev=dev, progress=False)
    run = tmp_path / "run"
    assert metrics["training"]["ensemble"] == 2
    assert [m["seed"] for m in metrics["training"]["members"]] == [7, 8]
    assert len(metrics["dev_members"]) == 2 and metrics["training"]["epochs_run"] == 4
    assert not (run / "members").exists() and {"member-1", "member-2"} <= {p.name for p in (run / "logs").iterdir()}
    history = json.loads((run / "history.json").read_text())["epochs"]
    assert [(r["member"], r["epoch"]) for r in history] == [(1, 1), (1, 2), (2, 1), (2, 2)]

    predictor = illm_nlp.load(run)
    model = predictor.model
    members = [layer for layer in model.layers if layer.name.startswith("member_")]
    assert [m.name for m in members] == ["member_1", "member_2"]
    assert any("gru" in layer.name for layer in members[0].layers) and not any("gru" in layer.name for layer in members[1].layers)
    assert any(layer.name == "encoder_ngrams" for layer in members[1].layers)
    docs = predictor.clean([Doc(id=str(i), text=json.loads(line)["text"]) for i, line in enumerate(dev.read_text().splitlines()[:30])])
    ids = predictor.encode(docs)
    x = ids.padded(np.arange(len(ids)), max(1, int(ids.lengths.max())))
    each = [np.asarray(m(x, training=False)) for m in members]
    assert not np.allclose(each[0], each[1])  # different seeds, different members
    np.testing.assert_allclose(predictor.probabilities(ids), (each[0] + each[1]) / 2, atol=1e-5)
    assert metrics["dev"]["accuracy"] == predictor.evaluate(read_documents(reader_for(predictor.pipeline, dev, labels=True), what="dev", path=dev))["accuracy"]

    # Killed before the ensemble was saved: on resume each member is restored from its checkpoint.
    real_fit = artifact.finish_checkpoints
    monkeypatch.setattr(artifact, "finish_checkpoints", lambda run_dir, keep: None)
    from illm_nlp.heads import classify

    calls = []
    real_member = classify.ClassifyHead._train_member

    def counting(self, *args, **kwargs):
        calls.append(args[3])  # k
        return real_member(self, *args, **kwargs)

    monkeypatch.setattr(classify.ClassifyHead, "_train_member", counting)
    train_pipeline(load_pipeline(path, ["train.epochs=2"]), tmp_path / "again", train=train, dev=dev, progress=False)
    (tmp_path / "again" / "manifest.json").unlink()  # as if killed after the members' last checkpoints
    monkeypatch.setattr(artifact, "finish_checkpoints", real_fit)
    resumed = train_pipeline(load_pipeline(path), tmp_path / "again", train=train, dev=dev, resume=True, progress=False)
    assert calls == [0, 1, 0, 1]
    assert resumed["training"]["members"][0]["epochs_run"] == 2
    assert [m["resumed_from_epoch"] for m in resumed["training"]["members"]] == [2, 2]  # restored, not retrained
    np.testing.assert_allclose(illm_nlp.load(tmp_path / "again").probabilities(ids), predictor.probabilities(ids), atol=1e-5)


@pytest.mark.parametrize(("members", "message"), [
    ("[{}, {max_vocab: 50}]", "head.members[1]: max_vocab cannot differ between ensemble members"),
    ("[{}, {units: -1}]", "head.members[1]"),
    ("[{}, {layers: 0}]", "'last' needs a recurrent layer"),
])
def test_heads_classify_bad_member_overrides_stop_before_training(shared_data, tmp_path, write_pipeline, capsys, members, message):
    train, dev = movie_sample(shared_data, tmp_path, n_train=60, n_dev=20)
    path = write_pipeline(pipeline_text(epochs=1, head=f"members: {members}", pooling="last"))
    code, err = _fail(["train", str(path), "--output", str(tmp_path / "run"), "--train", str(train), "--dev", str(dev)], capsys)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "run" / "vocab.txt").exists()  # stopped before reading any data
