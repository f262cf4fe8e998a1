"""Where stages run. An engine maps the pipeline's per-document stages over a
stream of documents and gives the results back *in input order*.

Stages never know which engine runs them: engines rebuild the stages from the
resolved pipeline file (a plain dict) wherever they run, so nothing but
documents crosses process or machine boundaries.

An engine that can read the collection where the stages run (the Dask
engine) also offers ``map_reader(pipeline_data, reader, *, skip_ids, on_error,
on_read)`` (:class:`ReaderEngine`); :meth:`illm_nlp.pipeline.Pipeline.write`
prefers it when the reader is a :class:`PartitionedReader`, so documents are
read on the workers instead of being shipped from the client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from ..document import Doc, Skipped

__all__ = ["Engine", "Item", "PartitionedReader", "ReaderEngine"]

Item = Doc | Skipped


class Engine(Protocol):
    """Maps the per-document stages of ``pipeline_data`` over ``items``, in order."""

    name: str

    def map(self, pipeline_data: dict[str, Any], items: Iterable[Item], *, on_error: str = "skip") -> Iterator[Item]: ...

    def close(self) -> None: ...


class PartitionedReader(Protocol):
    """A reader that can split its collection into picklable partitions.

    Reading the partitions in order with :meth:`read_partition` gives exactly
    what iterating the reader gives.
    """

    on_error: str

    def partitions(self, target_bytes: int) -> list[Any]: ...

    def read_partition(self, partition: Any) -> Iterator[Item]: ...


class ReaderEngine(Engine, Protocol):
    """An engine that reads a :class:`PartitionedReader` where its stages run, in reader order.

    ``skip_ids`` are documents already written (``--resume``): read, counted,
    not processed. ``on_read(n)`` is told how many documents were read, for
    the run summary.
    """

    def map_reader(
        self,
        pipeline_data: dict[str, Any],
        reader: PartitionedReader,
        *,
        skip_ids: Iterable[str] = (),
        on_error: str = "skip",
        on_read: Callable[[int], None] | None = None,
    ) -> Iterator[Item]: ...
