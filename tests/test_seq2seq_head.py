"""head.seq2seq.v1 end to end on real pairs: train a tiny model, evaluate, save, load, predict, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from illm_nlp.cli import cli, main
from illm_nlp.document import Doc
from illm_nlp.errors import DataError, MissingResourceError, UsageError
from illm_nlp.pipeline import load_pipeline
from illm_nlp.registry import heads

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
TINY = {"hidden": 32, "embedding_dim": 16, "source_vocab": 600, "target_vocab": 600, "dev_documents": 20, "max_source_length": 30}


def read_tsv(path: Path, n: int) -> list[Doc]:
    docs = []
    for i, line in zip(range(n), path.open(encoding="utf-8")):
        de, en = line.rstrip("\n").split("\t")
        docs.append(Doc(id=f"{path.stem}:{i + 1}", text=de, target=en))
    return docs


def pipeline(write_pipeline, head: dict, epochs: int = 2, stages: str = "[]"):
    options = ", ".join(f"{k}: {json.dumps(v)}" for k, v in head.items())
    return load_pipeline(
        write_pipeline(
            f"""
stages: {stages}
train: {{epochs: {epochs}, batch_size: 16, learning_rate: 0.005, patience: 0, seed: 3}}
head: {{stage: head.seq2seq.v1, {options}}}
"""
        )
    )


def build(pipe):
    return heads.build(pipe.config.head.factory, pipe.config.head.options, "head")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny translation model trained for two epochs on the shipped de-en sample (shared by the tests)."""
    tmp = tmp_path_factory.mktemp("s2s")
    yaml = tmp / "p.yaml"
    yaml.write_text(
        "train: {epochs: 2, batch_size: 16, learning_rate: 0.005, patience: 0, seed: 3}\n"
        "head: {stage: head.seq2seq.v1, " + ", ".join(f"{k}: {v}" for k, v in TINY.items()) + "}\n",
        encoding="utf-8",
    )
    pipe = load_pipeline(yaml)
    head = build(pipe)
    train = read_tsv(CORPORA / "de-en" / "train.tsv", 400)
    dev = read_tsv(CORPORA / "de-en" / "test.tsv", 40)
    run = tmp / "run"
    metrics = head.fit(pipeline=pipe, train=train, dev=dev, run_dir=run, progress=False)
    return {"pipe": pipe, "head": head, "run": run, "metrics": metrics, "dev": dev}


def test_seq2seq_head_training_loss_goes_down(trained) -> None:
    history = json.loads((trained["run"] / "history.json").read_text())["epochs"]
    assert len(history) == 2
    assert history[1]["loss"] < history[0]["loss"]
    assert {"val_bleu", "val_chrf"} <= set(history[0])


def test_seq2seq_head_writes_a_complete_run(trained) -> None:
    run = trained["run"]
    for name in ("model.keras", "source_vocab.txt", "target_vocab.txt", "seq2seq.json", "metrics.json", "manifest.json", "training.png"):
        assert (run / name).exists(), name
    info = json.loads((run / "seq2seq.json").read_text())
    assert info["task"] == "translate" and info["train_pairs"] == 400
    # the target vocabulary keeps case and punctuation
    target_words = {line.split("\t")[0] for line in (run / "target_vocab.txt").read_text().splitlines()}
    assert {"The", "the", ".", "?"} <= target_words


def test_seq2seq_head_save_load_gives_identical_output(trained) -> None:
    first = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    second = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    texts = ["Ich habe Hunger.", "Das Flugzeug hebt ab.", "Er kommt morgen."]
    for beam in (1, 3):
        assert first.predict(texts, beam=beam) == second.predict(texts, beam=beam)


def test_seq2seq_head_beam_one_equals_greedy_stream(trained) -> None:
    predictor = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    text = "Sie kommt sich sehr wichtig vor."
    greedy = predictor.predict([text], beam=1, max_length=12)[0]["text"]
    assert "".join(predictor.stream(text, max_length=12)) == greedy


def test_seq2seq_head_evaluate_reports_bleu_chrf_and_writes_outputs(trained, tmp_path: Path) -> None:
    predictor = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    out = tmp_path / "outputs.jsonl"
    scores = predictor.evaluate(trained["dev"][:10], beam=2, outputs=str(out))
    assert 0.0 <= scores["bleu"] <= 100.0 and 0.0 <= scores["chrf"] <= 100.0
    assert scores["documents"] == 10 and scores["beam"] == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["reference"] for r in rows] == [d.target for d in trained["dev"][:10]]
    assert all(set(r) == {"id", "source", "reference", "output"} for r in rows)


def test_seq2seq_head_unknown_words_are_replaced_or_marked(trained) -> None:
    predictor = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    text = "Zyxwvutsrq Qwertzuiopü."
    marked = predictor.predict([text], beam=1, replace_unknown=False)[0]
    replaced = predictor.predict([text], beam=1, replace_unknown=True)[0]
    assert marked["unknown"] == replaced["unknown"]
    assert marked["tokens"].count("<unk>") == marked["unknown"]
    assert "<unk>" not in replaced["tokens"]
    assert len(marked["tokens"]) == len(replaced["tokens"])


def test_seq2seq_head_rejects_unknown_decoding_settings(trained) -> None:
    predictor = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    with pytest.raises(UsageError, match="Did you mean 'beam'"):
        predictor.predict(["Hallo."], beem=2)


def test_seq2seq_head_empty_target_is_a_data_error(write_pipeline, tmp_path: Path) -> None:
    pipe = pipeline(write_pipeline, TINY)
    docs = [Doc(id="a:1", text="Guten Tag.", target="Good day."), Doc(id="a:2", text="Danke.", target=" ")]
    with pytest.raises(DataError, match="empty target .*'a:2'"):
        build(pipe).fit(pipeline=pipe, train=docs, dev=docs, run_dir=tmp_path / "run", progress=False)


def test_seq2seq_head_summarize_without_punkt_for_the_language(write_pipeline, tmp_path: Path) -> None:
    pipe = pipeline(write_pipeline, {**TINY, "task": "summarize", "source_language": "japanese", "target_language": "japanese"})
    docs = [Doc(id="a", text="長い文章です。", target="要約。")] * 3
    with pytest.raises(MissingResourceError, match="punkt_tab/japanese"):
        build(pipe).fit(pipeline=pipe, train=docs, dev=docs, run_dir=tmp_path / "run", progress=False)


def test_seq2seq_head_summarize_reports_rouge_and_lead_baseline(write_pipeline, tmp_path: Path, corpora) -> None:
    rows = [json.loads(line) for line in (corpora / "debian-descriptions" / "train.jsonl").open(encoding="utf-8")]
    docs = [Doc(id=r["id"], text=r["text"], target=r["summary"]) for r in rows[:100]]
    head_opts = {**TINY, "task": "summarize", "source_language": "english", "target_language": "english", "shared_vocab": True,
                 "vocabulary": "sentencepiece", "source_vocab": 250, "max_source_length": 30, "max_target_length": 12,
                 "lead_sentences": 1, "dev_documents": 10}
    pipe = pipeline(write_pipeline, head_opts, epochs=1)
    head = build(pipe)
    head.fit(pipeline=pipe, train=docs[:80], dev=docs[80:], run_dir=tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "shared.spm").exists() and (tmp_path / "run" / "vocab.txt").exists()
    predictor = build(pipe).load(tmp_path / "run", pipe)
    scores = predictor.evaluate(docs[80:], beam=2)
    assert {"rouge1", "rouge2", "rougeL", "lead_rouge1", "lead_rouge2", "lead_rougeL"} <= set(scores)
    assert scores["lead_n"] == 1
    # the lead-1 baseline is a fixed function of the data: the same on every run
    from illm_nlp.metrics import lead, rouge

    base = rouge([lead(d.text, 1) for d in docs[80:]], [d.target for d in docs[80:]])
    assert scores["lead_rougeL"] == pytest.approx(round(base["rougeL"], 2))


def test_seq2seq_head_cli_train_evaluate_predict(tmp_path: Path, corpora, write_pipeline, caplog) -> None:
    options = ", ".join(f"{k}: {v}" for k, v in TINY.items())
    train = tmp_path / "train.tsv"
    train.write_text("".join(list((corpora / "de-en" / "train.tsv").open(encoding="utf-8"))[:120]), encoding="utf-8")
    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(list((corpora / "de-en" / "test.tsv").open(encoding="utf-8"))[:30]), encoding="utf-8")
    pipe = write_pipeline(
        f"""
corpus: {{reader: pairs.v1, path: {train}, source_lang: de, target_lang: en}}
stages: [{{stage: nltk.clean.v1, language: german, lowercase: true}}]
train: {{epochs: 1, batch_size: 16, learning_rate: 0.005, seed: 3}}
head: {{stage: head.seq2seq.v1, {options}}}
"""
    )
    run = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(cli, ["train", str(pipe), "-o", str(run), "--dev", str(dev), "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["predict", str(run), "--text", "Ich habe Hunger.", "--beam", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() and "<unk>" not in result.output
    result = runner.invoke(
        cli, ["evaluate", str(run), "--data", str(dev), "--json", "--beam", "1", "--write-outputs",
              "--report-dir", str(tmp_path / "report")]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output[result.output.index("{"):result.output.rindex("}") + 1])
    assert {"bleu", "chrf"} <= set(scores) and scores["beam"] == 1 and scores["documents"] == 30
    assert len((tmp_path / "report" / "outputs.jsonl").read_text(encoding="utf-8").splitlines()) == 30
    # evaluation data is cleaned by the run's own stages (here: lower-cased NLTK tokens), as in training
    import illm_nlp

    predictor = illm_nlp.load(run)
    assert predictor._cleaned(Doc(id="x", text="Ich habe Hunger.", target="I am hungry.")).tokens == ["ich", "habe", "hunger", "."]
    # a tsv line with one column is skipped, and the skip names the line and the reason
    bad = tmp_path / "bad.tsv"
    bad.write_text("Guten Tag.\tGood day.\nNur eine Spalte\n", encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(run), "--data", str(bad), "--json", "--report-dir", str(tmp_path / "r2")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output[result.output.index("{"):result.output.rindex("}") + 1])["documents"] == 1
    assert "bad.tsv:2" in caplog.text and "expected 2 tab-separated columns, got 1" in caplog.text


def test_seq2seq_head_cli_predict_needs_a_finished_run(tmp_path: Path, capsys) -> None:
    (tmp_path / "run").mkdir()
    with pytest.raises(SystemExit) as info:
        main(["predict", str(tmp_path / "run"), "--text", "Ich habe Hunger."])
    assert info.value.code == 2
    assert "manifest.json is missing" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["translate-de-en.yaml", "summarize-abstractive.yaml", "summarize-extractive.yaml"])
def test_seq2seq_head_shipped_pipelines_validate(name: str, shared_data, monkeypatch) -> None:
    monkeypatch.chdir(CORPORA.parent)  # the shipped pipelines name their data relative to the repository root
    result = CliRunner().invoke(cli, ["validate", str(CORPORA.parent / "pipelines" / name)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_seq2seq_head_lists_its_decoding_settings(trained) -> None:
    predictor = build(trained["pipe"]).load(trained["run"], trained["pipe"])
    settings = predictor.settings()
    assert settings["beam"] == 5 and settings["replace_unknown"] is True and settings["min_length"] == 1
    assert set(settings) == {"beam", "length_penalty", "max_length", "min_length", "replace_unknown", "batch_size"}
