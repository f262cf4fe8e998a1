"""The Dask engine: the per-document stages run on ``dask.distributed`` workers.

Why it looks the way it does:

* **Workers read the collection themselves.** Shipping every document from
  the client would make the client the bottleneck, so :meth:`DaskEngine.map_reader`
  asks the reader for its partitions (a file, or a line range of a big line
  file), groups small ones into chunks of about ``partition_bytes`` and sends
  only those descriptions; each task reads its chunk on the worker, runs the
  stages and sends back the processed documents. Workers must therefore see
  the collection under the same path as the client (a shared filesystem).
* **Order and memory.** Chunks are submitted through a bounded window and their
  results taken in chunk order, so the output is the local engine's, record
  for record, and no more than ``window`` chunks are held anywhere at once:
  memory stays flat however large the collection is.
* **Stages are built once per worker**, not per chunk: :func:`worker_object`
  keeps them in a per-process cache keyed by a hash of the resolved pipeline
  (or, for ``illm predict``, of the run directory).
* **Lost workers.** The client holds a future for every chunk it has not yet
  written; when a worker dies, the scheduler recomputes the chunks it was
  running or holding. Each chunk's result is taken exactly once, in order, so
  nothing is lost or written twice.

``dask.distributed`` is an optional extra (``pip install 'illm-nlp[dask]'``);
it is imported only when this module is.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import os
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol

import dask
import distributed

from ..document import Doc
from ..errors import RunError, UsageError
from .base import Item, PartitionedReader
from .local import apply_stages, build_map_stages

logger = logging.getLogger(__name__)

__all__ = ["DaskEngine", "PredictJob", "StagesJob", "WorkerJob", "build_counts", "pipeline_key", "predict_collection", "worker_object"]

#: partitions are not cut smaller than this to feed more workers (a task costs ~1 ms to schedule).
MIN_PARTITION_BYTES = 64 * 1024

#: dask settings for the local cluster the engine starts (see docs/scaling.md for your own cluster).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    # workers fork from a server that has already imported the stages' modules
    # (NLTK pulls in scipy: seconds per fresh process) instead of each importing them
    "distributed.worker.multiprocessing-method": "forkserver",
}
#: what the fork server imports once for all local workers.
FORKSERVER_PRELOAD = ["illm_nlp.engines.dask", "illm_nlp.stages", "illm_nlp.readers", "nltk"]


def _preload_forkserver() -> None:
    """Add our modules to the preload list of dask's fork server (before it starts)."""
    from multiprocessing import forkserver

    ctx = distributed.utils.get_mp_context()  # sets dask's own preload list once
    if ctx.get_start_method() != "forkserver" or getattr(forkserver._forkserver, "_forkserver_pid", None):
        return
    current = list(getattr(forkserver._forkserver, "_preload_modules", []))
    ctx.set_forkserver_preload(current + [m for m in FORKSERVER_PRELOAD if m not in current])

#: a resume set larger than this goes to every worker once instead of inside every task.
SCATTER_SKIP_IDS = 1000

#: per worker process: key -> built object (stages, a loaded predictor).
_CACHE: dict[str, Any] = {}
_CACHE_LOCK = threading.Lock()
#: how often each key was built in this process (tests check "once per worker").
_BUILDS: Counter[str] = Counter()


def worker_object(key: str, build: Callable[[], Any]) -> Any:
    """The object ``build()`` makes, built at most once per process for ``key``.

    A worker may run several tasks at once in threads, so building is guarded
    by a lock; a model is loaded once even when two tasks arrive together.
    """
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = build()
            _BUILDS[key] += 1
        return _CACHE[key]


def build_counts() -> dict[str, int]:
    """How many times each cached object was built in this process (for ``client.run``)."""
    return dict(_BUILDS)


def pipeline_key(pipeline_data: dict[str, Any]) -> str:
    """A stable hash of a resolved pipeline dict: equal pipelines share built stages."""
    text = json.dumps(pipeline_data, sort_keys=True, default=str, ensure_ascii=False)
    return "stages-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class WorkerJob(Protocol):
    """What the workers run: built once per worker, then applied chunk by chunk.

    Must be picklable (it travels with each task, so keep it small: a dict or
    a path, never a loaded model).
    """

    key: str

    def build(self) -> Any:
        """Build the heavy part (stages, a loaded model) on the worker."""
        ...

    def apply(self, built: Any, items: list[Item], on_error: str) -> list[Item]:
        """Process a chunk of documents with what :meth:`build` made, keeping their order."""
        ...


@dataclass(frozen=True)
class StagesJob:
    """Run the per-document stages of a resolved pipeline dict."""

    pipeline_data: dict[str, Any] = field(hash=False)
    key: str = ""

    @classmethod
    def of(cls, pipeline_data: dict[str, Any]) -> StagesJob:
        return cls(pipeline_data, pipeline_key(pipeline_data))

    def build(self) -> list[Any]:
        return build_map_stages(self.pipeline_data)

    def apply(self, built: list[Any], items: list[Item], on_error: str) -> list[Item]:
        return apply_stages(built, items, on_error)


@dataclass(frozen=True)
class PredictJob:
    """``illm predict`` on the workers: the trained run is loaded once per worker, then predicts chunk by chunk."""

    run_dir: str
    settings: dict[str, Any] = field(hash=False)
    batch_size: int = 512
    key: str = ""

    @classmethod
    def of(cls, run_dir: str, settings: dict[str, Any], batch_size: int = 512) -> PredictJob:
        # the run's manifest changes when it is retrained, so a stale cached model is never reused
        from pathlib import Path

        stamp = "".join(str(f.stat().st_mtime_ns) for f in sorted(Path(run_dir).glob("*")) if f.is_file())
        digest = hashlib.sha1(f"{Path(run_dir).resolve()}|{stamp}".encode()).hexdigest()[:16]
        return cls(str(Path(run_dir).resolve()), settings, batch_size, "predictor-" + digest)

    def build(self) -> Any:
        from ..artifact import load_run

        return load_run(self.run_dir)

    def apply(self, built: Any, items: list[Item], on_error: str) -> list[Item]:
        from ..cli.train import _as_doc  # the same record as `illm predict` on the local engine

        out: list[Item] = list(items)
        docs = [(i, it) for i, it in enumerate(items) if isinstance(it, Doc)]
        for start in range(0, len(docs), self.batch_size):
            batch = docs[start:start + self.batch_size]
            answers = built.predict([d.text for _, d in batch], **self.settings)
            for (i, doc), answer in zip(batch, answers):
                out[i] = _as_doc(doc, answer)
        return out


def predict_collection(
    run_dir: str,
    input_path: str,
    output: str,
    *,
    settings: dict[str, Any],
    batch_size: int = 512,
    progress: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
) -> int:
    """``illm predict --engine dask``: read and predict on the workers, write here, in input order.

    The client never loads the model: it reads the run's saved pipeline to
    build the reader, and only the workers load the trained run (once each).
    Returns the number of documents written; skipped inputs are logged as with
    the local engine.
    """
    from pathlib import Path

    from tqdm import tqdm

    from ..artifact import PIPELINE_FILE, check_run
    from ..errors import DataError
    from ..output import open_writer
    from ..pipeline import Pipeline
    from ..training.run import reader_for

    check_run(Path(run_dir))
    pipe = Pipeline.from_file(Path(run_dir) / PIPELINE_FILE)
    reader = reader_for(pipe, input_path, labels=False)
    check = getattr(reader, "check", None)
    if check:
        check()
    engine = DaskEngine(workers=workers, scheduler=scheduler)
    job = PredictJob.of(run_dir, settings, batch_size)
    writer = open_writer(output)
    bar = tqdm(unit="doc", desc="predicting", disable=None if progress and output != "-" else True, dynamic_ncols=True, mininterval=0.5)
    skipped = written = 0
    try:
        if hasattr(reader, "partitions"):
            stream = engine.run_reader(job, reader, on_error=getattr(reader, "on_error", "skip"))
        else:
            stream = engine.run_items(job, reader)
        with writer, bar:
            for item in stream:
                if isinstance(item, Doc):
                    writer.write(item)
                    written += 1
                    bar.update(1)
                else:
                    skipped += 1
                    logger.warning("skipped %s: %s", item.id, item.reason)
    finally:
        engine.close()
    if skipped:
        logger.warning("%d inputs were skipped (see above)", skipped)
    if written == 0:
        raise DataError(f"predict: no documents could be read from '{input_path}'", hint="check the path and the reader options")
    return written


# -- what runs on the workers -------------------------------------------------
def _run_chunk(job: WorkerJob, reader: PartitionedReader, chunk: list[Any], skip_ids: frozenset[str],
               on_error: str) -> tuple[int, list[Item]]:
    """Read a chunk of partitions, leave out documents already written, process the rest."""
    built = worker_object(job.key, job.build)
    n_read = 0
    items: list[Item] = []
    for part in chunk:
        for item in reader.read_partition(part):
            if isinstance(item, Doc):
                n_read += 1
                if item.id in skip_ids:
                    continue
            items.append(item)
    return n_read, job.apply(built, items, on_error)


def _run_items(job: WorkerJob, items: list[Item], on_error: str) -> tuple[int, list[Item]]:
    built = worker_object(job.key, job.build)
    return 0, job.apply(built, items, on_error)


def _partition_size(part: Any) -> int | None:
    for name in ("nbytes", "size", "bytes"):
        value = getattr(part, name, None)
        if isinstance(value, int):
            return value
    return None


def group_partitions(partitions: Iterable[Any], target_bytes: int, max_count: int = 256) -> Iterator[list[Any]]:
    """Consecutive partitions grouped into chunks of about ``target_bytes``.

    A folder of many small files would otherwise cost one Dask task per file.
    A partition whose size is unknown forms a chunk of its own.
    """
    chunk: list[Any] = []
    size = 0
    for part in partitions:
        n = _partition_size(part)
        if n is None:
            if chunk:
                yield chunk
                chunk, size = [], 0
            yield [part]
            continue
        if chunk and (size + n > target_bytes or len(chunk) >= max_count):
            yield chunk
            chunk, size = [], 0
        chunk.append(part)
        size += n
    if chunk:
        yield chunk


class DaskEngine:
    """Runs stages on a Dask cluster: an existing one (``scheduler``) or a local one for the run.

    ``workers`` is the number of worker processes of the local cluster (one
    thread each: the stages are pure Python and hold the GIL); it is ignored
    when ``scheduler`` names an existing cluster. ``partition_bytes`` is the
    target size of the text one task reads; ``window`` the most chunks in
    flight (default: four per worker thread); ``connect_timeout`` how long
    to try reaching ``scheduler`` (default: Dask's ``distributed.comm.timeouts.connect``).
    """

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        partition_bytes: int = 1 << 20,
        batch_size: int = 256,
        window: int | None = None,
        connect_timeout: float | None = None,
    ) -> None:
        if partition_bytes <= 0 or batch_size <= 0:
            raise UsageError(f"dask engine: partition_bytes and batch_size must be > 0 (got {partition_bytes}, {batch_size})")
        self.workers = workers or os.cpu_count() or 1
        self._workers_given = workers is not None
        self.scheduler = scheduler
        self.partition_bytes = partition_bytes
        self.batch_size = batch_size
        self._window = window
        self.connect_timeout = connect_timeout
        self._cluster: Any = None
        self._client: Any = None
        self._pending: deque[Any] = deque()

    # -- cluster ------------------------------------------------------------
    @property
    def client(self) -> distributed.Client:
        """The Dask client, connecting (or starting a local cluster) on first use."""
        if self._client is None:
            if self.scheduler:
                if self._workers_given:
                    logger.info("--workers is ignored with --scheduler: the cluster has its own workers")
                # without connect_timeout: dask's own setting (distributed.comm.timeouts.connect)
                timeout = {} if self.connect_timeout is None else {"timeout": self.connect_timeout}
                problem = None
                try:
                    self._client = distributed.Client(self.scheduler, set_as_default=False, **timeout)
                except (OSError, TimeoutError, ValueError) as exc:
                    problem = str(exc)  # raised outside the handler: the traceback would keep the half-made client alive
                if problem is not None:
                    gc.collect()
                    raise RunError(
                        f"cannot reach the Dask scheduler at '{self.scheduler}': {problem}",
                        hint="check the address (tcp://HOST:8786) and that `dask scheduler` runs there, "
                        "or leave out --scheduler to start a local cluster",
                    )
            else:
                # The cluster's own INFO chatter (nannies, scheduler) is not the run's report.
                if logging.getLogger("distributed").level == logging.NOTSET:
                    logging.getLogger("distributed").setLevel(logging.WARNING)
                # Dask's statistical profiler samples every worker thread every 10 ms
                # and takes the GIL to do it; with pure-Python stages on a busy
                # machine that stalled the stages to a third of their speed.
                # dashboard ":0": a free port, so two runs (or another user's 8787) never clash.
                with dask.config.set(LOCAL_CLUSTER_CONFIG):
                    _preload_forkserver()
                    self._cluster = distributed.LocalCluster(
                        n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                    )
                self._client = distributed.Client(self._cluster, set_as_default=False)
            logger.info("dask engine: %s", self._client)
        return self._client

    def _threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        """Cancel what is still running and shut down a cluster this engine started."""
        if self._pending and self._client is not None:
            try:
                self._client.cancel(list(self._pending))
            except Exception:  # closing must not hide the error that ended the run
                logger.debug("could not cancel pending chunks", exc_info=True)
        self._pending.clear()
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    # -- running ------------------------------------------------------------
    def map(self, pipeline_data: dict[str, Any], items: Iterable[Item], *, on_error: str = "skip") -> Iterator[Item]:
        """Engine protocol: documents come from the client in batches (for readers without partitions)."""
        yield from self.run_items(StagesJob.of(pipeline_data), items, on_error=on_error)

    def map_reader(
        self,
        pipeline_data: dict[str, Any],
        reader: PartitionedReader,
        *,
        skip_ids: Iterable[str] = (),
        on_error: str = "skip",
        on_read: Callable[[int], None] | None = None,
    ) -> Iterator[Item]:
        """Run the stages over ``reader``'s collection, read partition by partition on the workers.

        Documents whose id is in ``skip_ids`` (already written by a resumed
        run) are read but not processed; ``on_read(n)`` is told how many
        documents each chunk read, skipped ones included, for the run summary.
        """
        yield from self.run_reader(StagesJob.of(pipeline_data), reader, skip_ids=skip_ids, on_error=on_error, on_read=on_read)

    def run_reader(
        self,
        job: WorkerJob,
        reader: PartitionedReader,
        *,
        skip_ids: Iterable[str] = (),
        on_error: str = "skip",
        on_read: Callable[[int], None] | None = None,
    ) -> Iterator[Item]:
        """Any :class:`WorkerJob` over a partitioned reader; results in the reader's order."""
        client = self.client
        skip = frozenset(skip_ids)
        # A large resume set is sent once to every worker rather than with each task.
        # (scatter([x]) and not scatter(x): a set given directly would be scattered element by element)
        skip_arg: Any = client.scatter([skip], broadcast=True, hash=False)[0] if len(skip) > SCATTER_SKIP_IDS else skip
        parts = list(reader.partitions(self.partition_bytes))
        # At least ~4 chunks per worker thread when the collection allows, so a
        # small collection (a few big files) still keeps every worker busy.
        per = 4 * self._threads()
        total = sum(_partition_size(p) or 0 for p in parts)
        finer = max(MIN_PARTITION_BYTES, total // per)
        if len(parts) < per and finer < self.partition_bytes:
            parts = list(reader.partitions(finer))
        target = max(1, min(self.partition_bytes, total // per))
        max_count = max(1, min(256, math.ceil(len(parts) / per)))
        chunks = group_partitions(parts, target, max_count)
        logger.info("dask engine: %d partitions (%.1f MiB) in chunks of about %.1f MiB", len(parts), total / 2**20, target / 2**20)
        token = uuid.uuid4().hex[:8]
        tasks = (
            (f"illm-chunk-{token}-{i}", _run_chunk, (job, reader, chunk, skip_arg, on_error))
            for i, chunk in enumerate(chunks)
        )
        yield from self._ordered(tasks, on_read)

    def run_items(self, job: WorkerJob, items: Iterable[Item], *, on_error: str = "skip") -> Iterator[Item]:
        """Any :class:`WorkerJob` over documents sent from the client in batches."""
        token = uuid.uuid4().hex[:8]
        it = iter(items)
        batches = iter(lambda: list(islice(it, self.batch_size)), [])
        tasks = (
            (f"illm-batch-{token}-{i}", _run_items, (job, batch, on_error))
            for i, batch in enumerate(batches)
        )
        yield from self._ordered(tasks, None)

    def _ordered(self, tasks: Iterator[tuple[str, Callable[..., Any], tuple[Any, ...]]],
                 on_read: Callable[[int], None] | None) -> Iterator[Item]:
        """Submit through a bounded window; yield results in submission order."""
        client = self.client
        window = self._window or 4 * self._threads()
        pending = self._pending
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                nxt = next(tasks, None)
                if nxt is None:
                    exhausted = True
                    break
                key, fn, args = nxt
                # retries=0: a failing stage is not retried; a *lost worker* is
                # handled by the scheduler, which recomputes the chunk elsewhere.
                pending.append(client.submit(fn, *args, key=key, pure=False, retries=0))
            if not pending:
                return
            future = pending.popleft()
            try:
                n_read, items = future.result()
            except distributed.client.FutureCancelledError as exc:
                raise RunError(f"dask chunk {future.key} was cancelled: {exc}",
                               hint="the cluster was shut down during the run; rerun with --resume") from None
            except distributed.scheduler.KilledWorker as exc:
                raise RunError(
                    f"dask chunk {future.key} killed every worker that ran it: {exc}",
                    hint="a document makes the stages crash or run out of memory; give workers more memory "
                    "or find the document with --engine local",
                ) from None
            finally:
                future.release()
            if on_read is not None:
                on_read(n_read)
            yield from items
