"""BLEU, chrF, ROUGE and the lead baseline on hand-made cases whose values are known."""

from __future__ import annotations

import json
import math

import pytest

from illm_nlp.errors import DataError, MissingResourceError
from illm_nlp.metrics import bleu, chrf, lead, rouge, split_sentences


def test_metrics_bleu_of_identical_text_is_100() -> None:
    assert bleu(["The cat sat on the mat."], ["The cat sat on the mat."]) == pytest.approx(100.0)


def test_metrics_bleu_matches_the_hand_computed_value() -> None:
    # n-gram precisions 5/6, 3/5, 2/4, 1/3, equal lengths (no brevity penalty)
    expected = 100 * math.exp((math.log(5 / 6) + math.log(3 / 5) + math.log(2 / 4) + math.log(1 / 3)) / 4)
    assert bleu(["the cat sat on a mat"], ["the cat sat on the mat"]) == pytest.approx(expected, abs=1e-6)


def test_metrics_bleu_is_cased() -> None:
    assert bleu(["THE CAT SAT ON THE MAT"], ["the cat sat on the mat"]) == pytest.approx(0.0)


def test_metrics_chrf_identical_and_disjoint() -> None:
    assert chrf(["Ich habe Hunger."], ["Ich habe Hunger."]) == pytest.approx(100.0)
    assert chrf(["xyz"], ["abc"]) == pytest.approx(0.0)


def test_metrics_rouge_matches_the_hand_computed_values() -> None:
    # unigrams: 5 of 6 shared; bigrams: 3 of 5 shared; LCS "the cat on the mat" = 5 of 6
    scores = rouge(["the cat sat on the mat"], ["the cat was on the mat"])
    assert scores["rouge1"] == pytest.approx(100 * 5 / 6)
    assert scores["rouge2"] == pytest.approx(100 * 3 / 5)
    assert scores["rougeL"] == pytest.approx(100 * 5 / 6)


def test_metrics_rouge_averages_over_documents() -> None:
    scores = rouge(["a b c d", "x y"], ["a b c d", "p q"])
    assert scores == pytest.approx({"rouge1": 50.0, "rouge2": 50.0, "rougeL": 50.0})


def test_metrics_rouge_stems_words() -> None:
    assert rouge(["cats running"], ["cat runs"])["rouge1"] == pytest.approx(100.0)
    assert rouge(["cats running"], ["cat runs"], stemmer=False)["rouge1"] == pytest.approx(0.0)


@pytest.mark.parametrize("fn", [bleu, chrf, rouge])
def test_metrics_refuse_mismatched_lengths(fn) -> None:
    with pytest.raises(DataError, match="2 outputs but 1 references"):
        fn(["a", "b"], ["a"])


def test_metrics_lead_takes_the_first_sentences_and_paragraphs_split() -> None:
    text = "Dr. Smith arrived at 5 p.m. today. He left soon.\n\nA new paragraph without a full stop\n\nLast one."
    assert split_sentences(text) == [
        "Dr. Smith arrived at 5 p.m. today.",
        "He left soon.",
        "A new paragraph without a full stop",
        "Last one.",
    ]
    assert lead(text, 1) == "Dr. Smith arrived at 5 p.m. today."
    assert lead(text, 2) == "Dr. Smith arrived at 5 p.m. today. He left soon."


def test_metrics_lead_in_german() -> None:
    assert lead("Am 3. Mai kam er. Dann ging er.", 1, "german") == "Am 3. Mai kam er."


def test_metrics_sentence_splitting_without_punkt_data_names_the_fix() -> None:
    with pytest.raises(MissingResourceError) as info:
        split_sentences("Some text.", "japanese")
    assert "punkt_tab/japanese" in str(info.value)
    assert "illm data download punkt_tab" in str(info.value)


def test_metrics_lead_one_on_debian_descriptions(shared_data) -> None:
    path = shared_data / "summarization" / "debian-descriptions" / "dev.jsonl"
    docs = [json.loads(line) for _, line in zip(range(200), path.open(encoding="utf-8"))]
    scores = rouge([lead(d["text"], 1) for d in docs], [d["summary"] for d in docs])
    # the synopsis usually repeats words of the first sentence, but rarely all of it
    assert 15 < scores["rougeL"] < 50
    assert scores["rouge1"] > scores["rouge2"]
