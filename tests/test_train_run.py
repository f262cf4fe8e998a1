"""The training driver's cleaning step: warnings only where they mean something."""

from __future__ import annotations

import logging

import pytest

from illm_nlp.config.schema import PipelineConfig
from illm_nlp.document import Doc
from illm_nlp.pipeline import Pipeline
from illm_nlp.training.run import clean_documents


@pytest.mark.parametrize(("warn", "expected"), [(True, 1), (False, 0)])
def test_train_run_untokenized_warning_follows_the_head(caplog, warn, expected):
    pipe = Pipeline(PipelineConfig())  # no stages: nothing sets tokens
    with caplog.at_level(logging.WARNING, logger="illm_nlp.training.run"):
        out = clean_documents(pipe, [Doc(id="a", text="one two")], what="training data", warn_untokenized=warn)
    assert [d.text for d in out] == ["one two"]
    assert sum("no stage sets tokens" in r.getMessage() for r in caplog.records) == expected


def test_train_run_text_heads_say_they_tokenise():
    from illm_nlp.heads.classify import ClassifyHead
    from illm_nlp.heads.generate import GenerateHead
    from illm_nlp.heads.seq2seq import Seq2SeqHead

    assert Seq2SeqHead.tokenizes_text is True and GenerateHead.tokenizes_text is True
    assert getattr(ClassifyHead, "tokenizes_text", False) is False
