"""The record that flows through a pipeline.

A :class:`Doc` is a small, picklable dataclass so it crosses process (and Dask
worker) boundaries cheaply. Readers fill ``id``/``text`` (and ``label`` or
``target`` where the collection has them); stages add ``tokens`` or
``sentences`` and may rewrite ``text``. A reader that cannot read a file yields
a :class:`Skipped` instead, so skips are counted and reported, never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

__all__ = ["Doc", "Skipped"]


@dataclass
class Doc:
    """One document: its stable id, text and whatever the stages added."""

    id: str
    text: str
    label: str | list[str] | None = None
    target: str | None = None
    tokens: list[str] | None = None
    sentences: list[list[str]] | list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_record(self, fields: list[str] | None = None) -> dict[str, Any]:
        """The document as a JSON-able dict, leaving out empty parts."""
        # Shallow on purpose: records are serialised at once, and asdict's deep copy of
        # every token list was the largest cost of writing the output.
        data = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}
        if not data["meta"]:
            del data["meta"]
        data = {k: v for k, v in data.items() if v is not None}
        if fields:
            data = {k: data[k] for k in ["id", *fields] if k in data}
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Doc:
        known = {k: data[k] for k in ("id", "text", "label", "target", "tokens", "sentences", "meta") if k in data}
        known.setdefault("text", "")
        return cls(**known)


@dataclass(frozen=True)
class Skipped:
    """A document (or whole file) that was not processed, and why."""

    id: str
    reason: str
