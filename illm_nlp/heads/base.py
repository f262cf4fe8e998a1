"""The contract between the ``illm train / evaluate / predict / chat / serve``
commands and a task head.

A head factory (``head.classify.v1``, ``head.seq2seq.v1``, ``head.generate.v1``)
returns a :class:`Head`. Training calls :meth:`Head.fit` once with the built
pipeline and the documents; everything the head needs later goes into the run
directory. Loading a run directory builds the same head from the saved,
resolved pipeline and calls :meth:`Head.load`, which returns a
:class:`Predictor` — the one object every front end (CLI, Python, chat, HTTP)
talks to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..document import Doc

__all__ = ["Head", "Predictor"]


@runtime_checkable
class Predictor(Protocol):
    """A loaded, trained run: text in, answers out."""

    #: "classify" | "seq2seq" | "generate" — front ends format answers by it.
    task: str
    run_dir: Path

    def predict(self, texts: Sequence[str], **settings: Any) -> list[dict[str, Any]]:
        """One answer dict per text. Classification: ``{"label", "labels", "probabilities"}``;
        text-producing heads: ``{"text", ...}``. ``settings`` are decoding options
        (``beam``, ``temperature``, ``top_k``, ``max_length``...) a head may accept."""
        ...

    def evaluate(self, docs: Sequence[Doc], **settings: Any) -> dict[str, Any]:
        """Metrics on labelled documents (keys depend on the task)."""
        ...

    def info(self) -> dict[str, Any]:
        """What this run is: task, pipeline, labels, metrics, versions."""
        ...

    def stream(self, text: str, **settings: Any) -> Iterator[str]:
        """Text-producing heads yield the answer piece by piece as it is decoded."""
        ...


class Head(Protocol):
    task: str
    #: True for heads that tokenise ``Doc.text`` themselves; the trainer then does not
    #: warn when no cleaning stage sets ``Doc.tokens``. (Optional attribute, default False.)
    #: A head may also have ``check(config)``, called before any data is read, to reject
    #: options that depend on other sections of the pipeline (optional).
    tokenizes_text: bool

    def fit(
        self,
        *,
        pipeline: Any,
        train: Sequence[Doc],
        dev: Sequence[Doc] | None,
        run_dir: Path,
        resume: bool = False,
        progress: bool = True,
    ) -> dict[str, Any]:
        """Train and write everything the run needs into ``run_dir``; return dev metrics."""
        ...

    def load(self, run_dir: Path, pipeline: Any) -> Predictor: ...
