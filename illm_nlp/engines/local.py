"""The default engine: the stages in this process, or in N worker processes.

Documents travel to workers in batches (one pickle per batch, not per
document) and come back in input order through ``Pool.imap``. Each worker
builds its stages once, from the resolved pipeline dict, in its initializer.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from ..document import Doc, Skipped
from .base import Item

logger = logging.getLogger(__name__)

_WORKER_STAGES: Any = None


def apply_stages(stages: list[Any], items: list[Item], on_error: str) -> list[Item]:
    """Run each document through every stage; a stage dropping it yields a Skipped('dropped by ...')."""
    from ..errors import RunError

    out: list[Item] = []
    for item in items:
        if isinstance(item, Skipped):
            out.append(item)
            continue
        doc: Doc | None = item
        for stage in stages:
            try:
                doc = stage(doc)
            except Exception as exc:  # a bad document must not end a long run silently
                reason = f"stage {stage.registered_name or type(stage).__name__} failed: {type(exc).__name__}: {exc}"
                if on_error == "fail":
                    raise RunError(f"document {item.id}: {reason}", hint="fix the document, or set on_error: skip on the corpus") from exc
                doc = None
                out.append(Skipped(item.id, reason))
                break
            if doc is None:
                out.append(Skipped(item.id, f"dropped by {stage.registered_name or type(stage).__name__}"))
                break
        else:
            out.append(doc)  # type: ignore[arg-type]
    return out


def build_map_stages(pipeline_data: dict[str, Any]) -> list[Any]:
    """Build the per-document stages of a resolved pipeline dict."""
    from ..config.loader import build_config
    from ..pipeline import Pipeline

    return Pipeline(build_config(pipeline_data)).map_stages()


def warm_up(stages: list[Any]) -> None:
    """Let stages load their models (e.g. NLTK's WordNet, seconds to read) once, here.

    Called in the parent before forking, so every worker inherits the loaded
    models instead of each loading its own copy. A stage opts in by having a
    ``warm_up()`` method; resources were checked before, so loading succeeds.
    """
    for stage in stages:
        hook = getattr(stage, "warm_up", None)
        if callable(hook):
            hook()


def _init_worker(pipeline_data: dict[str, Any]) -> None:
    global _WORKER_STAGES
    _WORKER_STAGES = build_map_stages(pipeline_data)


def _work(args: tuple[list[Item], str]) -> list[Item]:
    items, on_error = args
    return apply_stages(_WORKER_STAGES, items, on_error)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class LocalEngine:
    """Runs stages on this machine: in-process for one worker, a process pool for more."""

    name = "local"

    def __init__(self, workers: int | None = None, batch_size: int = 64) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.batch_size = batch_size
        self._pool: Any = None

    def map(self, pipeline_data: dict[str, Any], items: Iterable[Item], *, on_error: str = "skip") -> Iterator[Item]:
        if self.workers <= 1:
            stages = build_map_stages(pipeline_data)
            for batch in _batches(items, self.batch_size):
                yield from apply_stages(stages, batch, on_error)
            return
        # fork is cheapest on Linux and inherits NLTK's loaded modules; spawn elsewhere.
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        if method == "fork":
            warm_up(build_map_stages(pipeline_data))
        ctx = mp.get_context(method)
        self._pool = ctx.Pool(self.workers, initializer=_init_worker, initargs=(pipeline_data,))
        try:
            jobs = ((batch, on_error) for batch in _batches(items, self.batch_size))
            for result in self._pool.imap(_work, jobs, chunksize=1):
                yield from result
            self._pool.close()
        finally:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None
