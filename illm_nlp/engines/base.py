"""Where stages run. An engine maps the pipeline's per-document stages over a
stream of documents and gives the results back *in input order*.

Stages never know which engine runs them: engines rebuild the stages from the
resolved pipeline file (a plain dict) wherever they run, so nothing but
documents crosses process or machine boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from ..document import Doc, Skipped

__all__ = ["Engine", "Item"]

Item = Doc | Skipped


class Engine(Protocol):
    """Maps the per-document stages of ``pipeline_data`` over ``items``, in order."""

    name: str

    def map(self, pipeline_data: dict[str, Any], items: Iterable[Item], *, on_error: str = "skip") -> Iterator[Item]: ...

    def close(self) -> None: ...
