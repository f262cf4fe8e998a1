"""A third-party stage, found by illm-nlp through its entry point alone."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from illm_nlp.document import Doc
from illm_nlp.stages.base import Stage


class Affix(Stage):
    def __init__(self, prefix: str, upper: bool) -> None:
        self.prefix = prefix
        self.upper = upper

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text.upper() if self.upper else doc.text
        doc.text = self.prefix + text
        return doc


def affix(
    *,
    prefix: Annotated[str, Field(min_length=1, description="text put before each document")],
    upper: Annotated[bool, Field(description="upper-case the text too")] = False,
) -> Stage:
    """Prefix each document's text (a plug-in example)."""
    return Affix(prefix, upper)
