"""Small stages registered for the core tests only (never shipped)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from illm_nlp.document import Doc
from illm_nlp.registry import stages
from illm_nlp.stages.base import Stage


class _Tag(Stage):
    def __init__(self, label: str, times: int, mode: str) -> None:
        self.label, self.times, self.mode = label, times, mode

    def __call__(self, doc: Doc) -> Doc | None:
        if self.mode == "drop-short" and len(doc.text) < 5:
            return None
        if self.mode == "boom" and "boom" in doc.text:
            raise ValueError("exploded on purpose")
        doc.tokens = doc.text.split() + [self.label] * self.times
        return doc


def tag(
    *,
    label: Annotated[str, Field(description="token appended")] = "x",
    times: Annotated[int, Field(gt=0, description="how often")] = 1,
    mode: Literal["plain", "drop-short", "boom"] = "plain",
) -> Stage:
    """Split on spaces and append a label token (test only)."""
    return _Tag(label, times, mode)


if "test.tag.v1" not in stages:
    stages.register("test.tag.v1")(tag)
