"""summarize.extractive.v1: sentence scoring, selection in document order, and a run over a folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from illm_nlp.cli import cli, main
from illm_nlp.document import Doc
from illm_nlp.registry import stages
from illm_nlp.stages.summarize import centroid_scores, textrank_scores

TEXT = (
    "Solar panels turn sunlight into electricity. "
    "My neighbour owns a red bicycle. "
    "Solar panels on roofs make electricity for homes. "
    "The electricity from solar panels is clean. "
    "Cheese is made from milk."
)


def build(**options):
    return stages.build("summarize.extractive.v1", options, "stages[0]")


def test_stages_summarize_textrank_ranks_the_hub_of_a_star_graph_first() -> None:
    sim = np.zeros((5, 5))
    sim[0, 1:] = sim[1:, 0] = 1.0  # sentence 0 is like every other; the others only like it
    scores = textrank_scores(sim)
    assert scores.sum() == pytest.approx(1.0)
    assert int(np.argmax(scores)) == 0
    assert np.allclose(scores[1:], scores[1])


def test_stages_summarize_textrank_of_an_empty_graph_is_uniform() -> None:
    assert np.allclose(textrank_scores(np.zeros((4, 4))), 0.25)


def test_stages_summarize_centroid_prefers_the_typical_sentence() -> None:
    vecs = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])
    assert list(np.argsort(-centroid_scores(vecs))) == [1, 0, 2]


@pytest.mark.parametrize("method", ["textrank", "centroid"])
def test_stages_summarize_keeps_the_central_sentences_in_document_order(method: str) -> None:
    doc = build(method=method, sentences=2)(Doc(id="d", text=TEXT))
    chosen = doc.meta["summary_sentences"]
    # two of the three sentences about solar panels, never the off-topic ones, in document order
    assert len(chosen) == 2 and set(chosen) <= {0, 2, 3}
    assert chosen == sorted(chosen)
    assert "bicycle" not in doc.meta["summary"] and "Cheese" not in doc.meta["summary"]
    assert doc.text == TEXT


def test_stages_summarize_ratio_and_short_documents() -> None:
    doc = build(ratio=0.4)(Doc(id="d", text=TEXT))
    assert len(doc.meta["summary_sentences"]) == 2  # ceil(0.4 * 5)
    short = build(sentences=3)(Doc(id="s", text="Only one sentence here."))
    assert short.meta["summary"] == "Only one sentence here."


def test_stages_summarize_into_text_replaces_the_text() -> None:
    doc = build(sentences=1, into="text")(Doc(id="d", text=TEXT))
    assert "solar" in doc.text.lower() and doc.text.count(".") == 1
    assert doc.meta["source_sentences"] == 5


def test_stages_summarize_with_word_vectors(tmp_path: Path) -> None:
    # a tiny word2vec text file: "solar", "panels" and "electricity" point one way, the rest another
    words = {"solar": [1, 0], "panels": [1, 0.1], "electricity": [0.9, 0], "bicycle": [0, 1], "cheese": [0.1, 1], "milk": [0, 1]}
    path = tmp_path / "vecs.txt"
    path.write_text(f"{len(words)} 2\n" + "".join(f"{w} {v[0]} {v[1]}\n" for w, v in words.items()), encoding="utf-8")
    doc = build(sentences=2, vectors=str(path))(Doc(id="d", text=TEXT))
    assert "bicycle" not in doc.meta["summary"] and "Cheese" not in doc.meta["summary"]


def test_stages_summarize_is_deterministic() -> None:
    st = build(sentences=2)
    assert st(Doc(id="a", text=TEXT)).meta == st(Doc(id="b", text=TEXT)).meta


def test_stages_summarize_runs_over_a_folder(tmp_path: Path, write_pipeline) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "solar.txt").write_text(TEXT, encoding="utf-8")
    (docs / "other.txt").write_text("Cats sleep a lot. Cats like warm places. Dogs bark.", encoding="utf-8")
    pipeline = write_pipeline(
        f"""
corpus: {{reader: folder.v1, path: {docs}}}
stages:
  - stage: summarize.extractive.v1
    sentences: 1
output: {{path: {tmp_path / 'out.jsonl'}}}
"""
    )
    result = CliRunner().invoke(cli, ["run", str(pipeline)])
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines())}
    assert len(records) == 2
    summaries = {k.split("/")[-1].removesuffix(".txt"): v["meta"]["summary"] for k, v in records.items()}
    assert summaries["other"].startswith("Cats")
    assert "solar" in summaries["solar"].lower()


def test_stages_summarize_language_without_punkt_fails_before_reading(tmp_path: Path, write_pipeline, capsys) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Some text. More text.", encoding="utf-8")
    pipeline = write_pipeline(
        f"""
corpus: {{reader: folder.v1, path: {docs}}}
stages: [{{stage: summarize.extractive.v1, language: japanese, stopwords: false}}]
output: {{path: {tmp_path / 'out.jsonl'}}}
"""
    )
    with pytest.raises(SystemExit) as info:
        main(["run", str(pipeline)])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "punkt_tab/japanese" in err and "illm data download" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_stages_summarize_rejects_bad_options() -> None:
    from illm_nlp.errors import ConfigError

    with pytest.raises(ConfigError, match="sentences"):
        build(sentences=0)
    with pytest.raises(ConfigError, match="not an NLTK language name"):
        build(language="English")
