"""What every stage is.

Two kinds exist. A :class:`Stage` maps one document to one document (or to
``None`` to drop it) and is what runs in worker processes; it must be cheap to
build, since each worker builds its own from the resolved pipeline file rather
than receiving pickled objects. A :class:`CorpusStage` consumes the whole
cleaned collection, pass by pass (e.g. training word vectors), after the
per-document stages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..document import Doc

__all__ = ["CorpusStage", "Stage"]


class Stage:
    """A per-document transform.

    Subclasses implement :meth:`__call__`. ``resources`` lists the NLTK
    resource ids (see :mod:`illm_nlp.resources`) the stage needs, checked
    before the first document is read.
    """

    registered_name: str = ""
    #: NLTK resource ids this stage needs, e.g. ("punkt_tab/english",).
    resources: tuple[str, ...] = ()

    def __call__(self, doc: Doc) -> Doc | None:  # pragma: no cover - interface
        raise NotImplementedError

    def process(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        """Run over a stream; stages that gain from batching override this."""
        for doc in docs:
            out = self(doc)
            if out is not None:
                yield out


class CorpusStage:
    """A stage that needs the whole cleaned collection (several passes allowed).

    ``corpus`` is a zero-argument callable returning a fresh iterator over the
    cleaned documents each time, so memory stays flat however large the
    collection is. ``fit`` writes what it makes under ``out_dir`` and returns
    a small summary dict for the run report.
    """

    registered_name: str = ""
    resources: tuple[str, ...] = ()

    def fit(self, corpus: Callable[[], Iterator[Doc]], out_dir: Path) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError
