"""Target-side tokenisation keeps case and punctuation, and detokenising gives the text back."""

from __future__ import annotations

import pytest

from illm_nlp.detokenize import detokenize, language_code, tokenize
from illm_nlp.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("It's fine, isn't it?", "english"),
        ('He said "yes" (twice).', "en"),
        ("Die Kathode schmilzt beim Lichtbogenschweißen ab.", "german"),
        ("L'homme qu'il a vu est parti.", "french"),
        ("It costs $3.50 - or 3,50 €!", "english"),
    ],
)
def test_seq2seq_detokenize_round_trip(text: str, language: str) -> None:
    tokens = tokenize(text, language)
    assert len(tokens) > 3
    assert detokenize(tokens, language) == text


def test_seq2seq_detokenize_keeps_case_and_splits_punctuation() -> None:
    assert tokenize("She fancies herself very important.", "english") == ["She", "fancies", "herself", "very", "important", "."]
    assert tokenize("Ich habe Hunger.", "german", lowercase=True) == ["ich", "habe", "hunger", "."]


def test_seq2seq_detokenize_joins_model_output_by_the_language_rules() -> None:
    assert detokenize(["I", "don", "'t", "know", ",", "he", "said", "."], "english") == "I don't know, he said."
    assert detokenize([], "english") == ""


@pytest.mark.parametrize(("name", "code"), [("german", "de"), ("English", "en"), ("de", "de"), ("japanese", "ja")])
def test_seq2seq_detokenize_language_codes(name: str, code: str) -> None:
    assert language_code(name) == code


def test_seq2seq_detokenize_unknown_language_suggests_a_name() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'german'"):
        language_code("germn")
