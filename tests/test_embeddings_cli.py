"""`illm embed ...` end to end through click, on real vectors and the Austen sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from illm_nlp.cli import cli, main
from illm_nlp.embeddings.vectors import Vectors, load_vectors

PIPELINE = """
version: 1
corpus:
  reader: folder.v1
  path: {path}
  include: ["*.txt"]
  unit: paragraph
stages:
  - stage: nltk.clean.v1
    name: clean
    keep_punctuation: false
    output_sentences: true
{vector_stages}
output:
  path: {out}
"""


@pytest.fixture
def glove(shared_data) -> Path:
    return shared_data / "embeddings" / "glove.6B.50d.100k.txt.gz"


@pytest.fixture
def small_vectors(tmp_path, glove) -> Path:
    """The 3,000 most frequent GloVe words as a vectors folder (quick to load)."""
    return load_vectors(glove, limit=3000).save(tmp_path / "glove3k")


def run(*args: str) -> object:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def fail(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return info.value.code, capsys.readouterr().err


def write_pipeline(tmp_path: Path, corpora: Path, vector_stages: str = "") -> Path:
    path = tmp_path / "embed.yaml"
    path.write_text(PIPELINE.format(path=corpora / "austen", vector_stages=vector_stages, out=tmp_path / "out" / "clean.jsonl"), encoding="utf-8")
    return path


# -- train ------------------------------------------------------------------------------
def test_embeddings_cli_train_defaults_to_word2vec(tmp_path, corpora):
    pipeline = write_pipeline(tmp_path, corpora)
    out = tmp_path / "vecs"
    result = run("embed", "train", pipeline, "--output", out, "--no-progress", "--workers", "1")
    assert "trained" in result.output and str(out) in result.output
    vecs = Vectors.load(out)
    assert vecs.dim == 100 and len(vecs) > 100 and "elliot" in vecs  # cleaned: lower-cased
    assert "," not in vecs  # punctuation dropped by the cleaning stage
    saved = yaml.safe_load((out / "pipeline.yaml").read_text())
    assert [s["stage"] for s in saved["stages"]] == ["nltk.clean.v1", "gensim.word2vec.v1"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_embeddings_cli_train_uses_the_declared_stage_with_overrides(tmp_path, corpora):
    stages = "  - stage: gensim.fasttext.v1\n    name: vectors\n    vector_size: 12\n    min_count: 2\n    bucket: 5000\n"
    pipeline = write_pipeline(tmp_path, corpora, stages)
    out = tmp_path / "ft"
    run("embed", "train", pipeline, "--output", out, "--no-progress", "--workers", "1", "--set", "stages.vectors.epochs=2")
    vecs = Vectors.load(out)
    assert vecs.dim == 12 and vecs.has_subwords
    assert vecs.meta["training"]["settings"]["epochs"] == 2


def test_embeddings_cli_illm_run_saves_vectors_beside_the_output(tmp_path, corpora):
    stages = "  - stage: gensim.word2vec.v1\n    name: vectors\n    vector_size: 10\n    min_count: 2\n    epochs: 1\n"
    pipeline = write_pipeline(tmp_path, corpora, stages)
    run("run", pipeline, "--no-progress", "--workers", "1")
    out = tmp_path / "out"
    assert (out / "clean.jsonl").is_file()
    vecs = Vectors.load(out / "clean.vectors")
    assert vecs.dim == 10 and (out / "clean.vectors" / "vectors.w2v.txt").is_file()
    summary = json.loads((out / "clean.summary.json").read_text())
    assert summary["artifacts"]["vectors"]["words"] == len(vecs)


def test_embeddings_cli_train_two_vector_stages_need_a_choice(tmp_path, corpora, capsys):
    stages = "  - stage: gensim.word2vec.v1\n    name: w2v\n  - stage: gensim.fasttext.v1\n    name: ft\n"
    pipeline = write_pipeline(tmp_path, corpora, stages)
    code, err = fail(capsys, "embed", "train", pipeline, "--output", tmp_path / "v")
    assert code == 2 and "has 2 vector stages: w2v, ft" in err and "--stage NAME" in err
    code, err = fail(capsys, "embed", "train", pipeline, "--output", tmp_path / "v", "--stage", "w2c")
    assert code == 2 and "Did you mean 'w2v'" in err


# -- look-ups -------------------------------------------------------------------------------
def test_embeddings_cli_similar(small_vectors):
    out = run("embed", "similar", small_vectors, "king", "--top", "5").output.split()
    words = out[0::2]
    assert "queen" in words and "prince" in words and len(words) == 5
    data = json.loads(run("embed", "similar", small_vectors, "king", "--top", "3", "--json").output)
    assert data[0]["word"] == "prince" and data[0]["similarity"] == pytest.approx(0.8236, abs=1e-3)


def test_embeddings_cli_analogy(small_vectors):
    data = json.loads(run("embed", "analogy", small_vectors, "man", "king", "woman", "--json").output)
    assert data[0]["word"] == "queen"


def test_embeddings_cli_unknown_word_suggests(capsys, small_vectors):
    code, err = fail(capsys, "embed", "similar", small_vectors, "kingg")
    assert code == 2 and "word 'kingg' is not in the vectors" in err and "Did you mean 'king'" in err
    code, err = fail(capsys, "embed", "analogy", small_vectors, "man", "King", "woman")
    assert code == 2 and "word B 'King'" in err and "have 'king' (lower case)" in err


def test_embeddings_cli_info(small_vectors, glove):
    text = run("embed", "info", small_vectors, "--top", "5").output
    assert "3,000 words × 50 dimensions" in text and "the, ,, ., of, to" in text
    data = json.loads(run("embed", "info", glove, "--limit", "200", "--json").output)
    assert data["words"] == 200 and data["dim"] == 50 and data["most_frequent"][0] == {"word": "the", "count": None}


def test_embeddings_cli_info_of_trained_vectors_shows_counts(tmp_path):
    words = ["the", "sister", "brother"]
    Vectors(words, np.eye(3, dtype=np.float32), counts=[30, 20, 10]).save(tmp_path / "v")
    data = json.loads(run("embed", "info", tmp_path / "v", "--json").output)
    assert data["most_frequent"] == [{"word": "the", "count": 30}, {"word": "sister", "count": 20}, {"word": "brother", "count": 10}]


@pytest.mark.parametrize("fmt,binary", [("word2vec-text", False), ("word2vec-binary", True)])
def test_embeddings_cli_export(tmp_path, small_vectors, fmt, binary):
    target = tmp_path / ("out.bin" if binary else "out.txt")
    run("embed", "export", small_vectors, "--format", fmt, "--output", target)
    back = load_vectors(target)
    assert back.words == Vectors.load(small_vectors).words
    np.testing.assert_array_equal(back.matrix, Vectors.load(small_vectors).matrix)
    head = target.read_bytes()[:8]
    assert head.startswith(b"3000 50\n")


def test_embeddings_cli_evaluate(tmp_path, small_vectors):
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman woman king queen\nboy girl brother sister\nfather mother son daughter\nman woman zzzunknown queen\n", encoding="utf-8")
    data = json.loads(run("embed", "evaluate", small_vectors, "--analogies", questions, "--json").output)
    an, pairs = data["analogies"], data["pairs"]
    assert an["questions"] == 4 and an["answered"] == 3 and an["skipped_share"] == pytest.approx(0.25)
    assert an["correct"] >= 2 and an["sections"][0]["section"] == "family"
    assert Path(pairs["file"]).name == "wordsim353.tsv" and 0.3 < pairs["spearman"] < 0.9
    text = run("embed", "evaluate", small_vectors, "--analogies", questions).output
    assert "analogies" in text and "word pairs  Spearman" in text


def test_embeddings_cli_plot_writes_a_png(tmp_path, small_vectors):
    target = tmp_path / "map.png"
    run("embed", "plot", small_vectors, "--words", "king,queen,man,woman", "--words", "paris", "--output", target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 5000
    run("embed", "plot", small_vectors, "--top", "15", "--method", "tsne", "--output", tmp_path / "tsne.svg")
    assert (tmp_path / "tsne.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("args", [["--words", "king", "--top", "5"], []], ids=["both", "neither"])
def test_embeddings_cli_plot_needs_words_or_top(tmp_path, capsys, small_vectors, args):
    code, err = fail(capsys, "embed", "plot", small_vectors, *args, "--output", tmp_path / "m.png")
    assert code == 2 and "give either --words or --top" in err


def test_embeddings_cli_plot_unsupported_image_type(tmp_path, capsys, small_vectors):
    code, err = fail(capsys, "embed", "plot", small_vectors, "--words", "king,queen", "--output", tmp_path / "m.gif")
    assert code == 2 and "unsupported image type '.gif'" in err


def test_embeddings_cli_bad_vectors_file(tmp_path, capsys):
    bad = tmp_path / "bad.vec"
    bad.write_text("3 4\nalpha 1 2 3 4\nbeta 1 2\n", encoding="utf-8")
    code, err = fail(capsys, "embed", "info", bad)
    assert code == 1 and f"{bad}: line 3: expected 1 word + 4 numbers, got 2" in err and "Traceback" not in err
