"""head.generate.v1: sampling, text units, a known-answer language model, the Austen sample end to end."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from illm_nlp.heads.generate import render_units, sample_next, text_units

from ._runs_interactive import trained_run

LOGITS = np.log(np.array([0.05, 0.5, 0.3, 0.1, 0.05]))


# -- sampling ------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"temperature": 0.0, "top_k": 0, "top_p": 1.0},
        {"temperature": 1.0, "top_k": 1, "top_p": 1.0},
        {"temperature": 1.0, "top_k": 0, "top_p": 0.1},
    ],
)
def test_heads_generate_sample_next_degenerate_settings_pick_the_most_likely(settings: dict) -> None:
    rng = np.random.default_rng(0)
    picks = {sample_next(LOGITS, rng=rng, **settings) for _ in range(50)}
    assert picks == {1}


def test_heads_generate_sample_next_top_k_and_top_p_bound_the_choices() -> None:
    rng = np.random.default_rng(1)
    top2 = {sample_next(LOGITS, temperature=1.0, top_k=2, top_p=1.0, rng=rng) for _ in range(300)}
    assert top2 == {1, 2}
    # the nucleus of p=0.85 is {1, 2, 3} (0.5 + 0.3 < 0.85 ≤ 0.5 + 0.3 + 0.1)
    nucleus = {sample_next(LOGITS, temperature=1.0, top_k=0, top_p=0.85, rng=rng) for _ in range(500)}
    assert nucleus == {1, 2, 3}


def test_heads_generate_sample_next_follows_the_distribution_and_bans() -> None:
    rng = np.random.default_rng(2)
    draws = [sample_next(LOGITS, temperature=1.0, top_k=0, top_p=1.0, rng=rng, banned=[2]) for _ in range(4000)]
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert counts[2] == 0
    expected = np.exp(LOGITS)
    expected[2] = 0
    expected /= expected.sum()
    assert np.abs(counts - expected).max() < 0.03


def test_heads_generate_sample_next_is_reproducible_with_a_seed() -> None:
    def draws(seed: int) -> list[int]:
        rng = np.random.default_rng(seed)
        return [sample_next(LOGITS, temperature=1.3, top_k=0, top_p=1.0, rng=rng) for _ in range(30)]

    assert draws(9) == draws(9)
    assert draws(9) != draws(10)


# -- units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "text", "units"),
    [
        ("word", "It's fine, Anne.\n\nYes!", ["It", "'s", "fine", ",", "Anne", ".", "<p>", "Yes", "!"]),
        ("char", "Hi,\nyou", ["H", "i", ",", "<nl>", "y", "o", "u"]),
    ],
)
def test_heads_generate_text_units_round_trip(level: str, text: str, units: list[str]) -> None:
    assert text_units(text, level=level, language="en", lowercase=False) == units
    assert render_units(units, level=level, language="en") == text


def test_heads_generate_text_units_drop_control_characters() -> None:
    assert text_units("a\x00b\tc", level="char", language="en", lowercase=True) == ["a", "b", " ", "c"]


# -- a language model whose answer is known --------------------------------------------


def _train(tmp_path: Path, write_pipeline, text: str, head: str, train: str, name: str = "lm") -> Path:
    from illm_nlp.cli import main

    data = tmp_path / f"{name}-data"
    data.mkdir()
    (data / "text.txt").write_text(text, encoding="utf-8")
    pipeline = write_pipeline(
        f"version: 1\ncorpus:\n  reader: folder.v1\n  path: {data}\n  unit: paragraph\n"
        f"head:\n  stage: head.generate.v1\n{head}\ntrain:\n{train}\n",
        name=f"{name}.yaml",
    )
    run_dir = tmp_path / name
    try:
        main(["train", str(pipeline), "--output", str(run_dir), "--no-progress"])
    except SystemExit as exc:  # main() exits only on errors
        pytest.fail(f"illm train exited with {exc.code}")
    return run_dir


REPEAT_HEAD = """  level: char
  cell: {cell}
  units: 32
  embedding_dim: 8
  sequence_length: 12
  min_count: 1
  dropout: 0.0
  max_length: 9"""
REPEAT_TRAIN = """  epochs: 8
  batch_size: 16
  learning_rate: 0.02
  seed: 3
  patience: 0"""
# one paragraph per line pair: 60 paragraphs of "abcabc..." so the dev split has text too
REPEAT_TEXT = "\n\n".join(["abcabcabcabcabcabcabcabcabcabc"] * 60)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_heads_generate_learns_a_repeating_pattern(tmp_path: Path, write_pipeline, cell: str) -> None:
    import illm_nlp

    run_dir = _train(tmp_path, write_pipeline, REPEAT_TEXT, REPEAT_HEAD.format(cell=cell), REPEAT_TRAIN)
    history = json.loads((run_dir / "history.json").read_text())["epochs"]
    assert history[-1]["loss"] < history[0]["loss"] / 2
    predictor = illm_nlp.load(run_dir)
    assert predictor.task == "generate"
    # greedy decoding continues the pattern exactly
    answer = predictor.predict(["abcab"], temperature=0, max_length=9)[0]
    assert answer["text"] == "cabcabcab"
    # the text is all but certain to the model: perplexity near 1 on held-out copies
    from illm_nlp.document import Doc

    metrics = predictor.evaluate([Doc(id="x", text="abcabcabcabcabcabc")])
    assert 1.0 <= metrics["perplexity"] < 1.6
    assert metrics["tokens"] == 18  # 18 characters + end mark, each predicted from the one before
    assert math.isclose(metrics["bits_per_token"], metrics["cross_entropy"] / math.log(2), rel_tol=1e-3)
    # and a text against the pattern is far less likely
    assert predictor.evaluate([Doc(id="y", text="cbacbacbacbacba")])["perplexity"] > 3 * metrics["perplexity"]


def test_heads_generate_seeded_training_is_reproducible(tmp_path: Path, write_pipeline) -> None:
    head = REPEAT_HEAD.format(cell="gru")
    train = REPEAT_TRAIN.replace("epochs: 8", "epochs: 2")
    a = _train(tmp_path, write_pipeline, REPEAT_TEXT, head, train, name="a")
    b = _train(tmp_path, write_pipeline, REPEAT_TEXT, head, train, name="b")
    ha = json.loads((a / "history.json").read_text())["epochs"]
    hb = json.loads((b / "history.json").read_text())["epochs"]
    assert [r["loss"] for r in ha] == [r["loss"] for r in hb]


def test_heads_generate_vectors_initialise_the_embedding(tmp_path: Path, write_pipeline) -> None:
    import illm_nlp

    vec_file = tmp_path / "vectors.txt"
    vectors = {"anne": [0.5, -0.25, 1.0, 0.0], "walked": [0.1, 0.2, 0.3, 0.4]}
    vec_file.write_text("2 4\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in vectors.items()), encoding="utf-8")
    text = "\n\n".join(["Anne walked home . Anne walked far ."] * 30)
    head = f"""  level: word
  units: 8
  sequence_length: 6
  min_count: 1
  vectors: {vec_file}
  train_vectors: false"""
    run_dir = _train(tmp_path, write_pipeline, text, head, REPEAT_TRAIN.replace("epochs: 8", "epochs: 1"))
    predictor = illm_nlp.load(run_dir)
    emb = predictor.model.get_layer("embedding").get_weights()[0]
    assert emb.shape[1] == 4
    np.testing.assert_allclose(emb[predictor.vocab.id("Anne")], vectors["anne"], rtol=1e-6)  # cased word → lower-case vector
    np.testing.assert_allclose(emb[predictor.vocab.id("walked")], vectors["walked"], rtol=1e-6)


# -- the Austen sample end to end -------------------------------------------------------


@pytest.fixture(scope="module")
def austen_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_run(tmp_path_factory, "generate")


def test_heads_generate_austen_run_reports_perplexity(austen_run: Path) -> None:
    metrics = json.loads((austen_run / "metrics.json").read_text())
    vocab = sum(1 for _ in (austen_run / "vocab.txt").open())
    assert 1 < metrics["dev"]["perplexity"] < vocab  # better than guessing uniformly
    history = json.loads((austen_run / "history.json").read_text())["epochs"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert (austen_run / "training.png").stat().st_size > 0


def test_heads_generate_predict_and_stream_agree_with_a_seed(austen_run: Path) -> None:
    import illm_nlp

    predictor = illm_nlp.load(austen_run)
    first = predictor.predict(["Anne was", "Mr. Darcy"], seed=11, max_length=10)
    again = predictor.predict(["Anne was", "Mr. Darcy"], seed=11, max_length=10)
    assert first == again
    assert all(0 < a["tokens"] <= 10 and a["text"].strip() for a in first)
    pieces = list(predictor.stream("Anne was", seed=11, max_length=10))
    assert len(pieces) > 1  # streamed piece by piece
    assert "".join(pieces) == first[0]["text"]
    # the answer for a text does not depend on what else is in the batch
    assert predictor.predict(["Anne was"], seed=11, max_length=10)[0] == first[0]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"temprature": 0.5}, "unknown setting 'temprature' for a generative model. Did you mean 'temperature'?"),
        ({"top_p": 0}, "setting 'top_p'"),
        ({"max_length": 0}, "setting 'max_length'"),
    ],
)
def test_heads_generate_bad_settings_are_usage_errors(austen_run: Path, settings: dict, message: str) -> None:
    import illm_nlp
    from illm_nlp.errors import UsageError

    predictor = illm_nlp.load(austen_run)
    with pytest.raises(UsageError, match=re.escape(message)):
        predictor.predict(["Anne"], **settings)


def test_heads_generate_evaluate_command_prints_perplexity(austen_run: Path, corpora: Path) -> None:
    from click.testing import CliRunner

    from illm_nlp.cli import cli

    result = CliRunner().invoke(cli, ["evaluate", str(austen_run), "--data", str(corpora / "austen" / "persuasion.txt"), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["perplexity"] > 1 and metrics["tokens"] > 100


def test_heads_generate_missing_model_file_is_an_artifact_error(austen_run: Path, tmp_path: Path, capsys) -> None:
    import shutil

    from illm_nlp.cli import main

    broken = tmp_path / "broken"
    shutil.copytree(austen_run, broken)
    (broken / "model.keras").unlink()
    with pytest.raises(SystemExit) as exc:
        main(["predict", str(broken), "--text", "Anne"])
    assert exc.value.code == 2
    assert "model.keras" in capsys.readouterr().err
