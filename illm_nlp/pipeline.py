"""A pipeline: a corpus reader, per-document stages, corpus stages and an output.

``load_pipeline(path)`` gives a :class:`Pipeline`; ``pipeline(text)`` cleans
one text, ``pipeline.run(docs)`` streams documents through the stages (like
spaCy's ``nlp.pipe``), and ``pipeline.write(...)`` is what ``illm run`` does:
read the collection, run the stages on an engine, write the output atomically
and report what was read, written and skipped.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import resources as nltk_resources
from .config import PipelineConfig, load_config
from .document import Doc, Skipped
from .errors import UsageError
from .registry import readers, stages

logger = logging.getLogger(__name__)

__all__ = ["Pipeline", "RunSummary", "load_pipeline"]


@dataclass
class RunSummary:
    """What a run did, for the closing report and for tests."""

    read: int = 0
    written: int = 0
    resumed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    dropped: int = 0
    seconds: float = 0.0
    output: str | None = None
    artifacts: dict[str, Any] = field(default_factory=dict)

    def reasons(self) -> Counter[str]:
        return Counter(_reason_kind(r) for _, r in self.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "written": self.written,
            "resumed": self.resumed,
            "skipped": [{"id": i, "reason": r} for i, r in self.skipped],
            "dropped": self.dropped,
            "seconds": round(self.seconds, 3),
            "output": self.output,
            "artifacts": self.artifacts,
        }


def _reason_kind(reason: str) -> str:
    return reason.split(":")[0].split(" (")[0]


class Pipeline:
    """A validated pipeline file, ready to build its reader and stages."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self._map_stages: list[Any] | None = None

    @classmethod
    def from_file(cls, path: str | Path, overrides: Iterable[str] = ()) -> Pipeline:
        return cls(load_config(path, list(overrides)))

    # -- building -----------------------------------------------------------
    def _built_stages(self) -> list[Any]:
        if self._map_stages is None:
            self._map_stages = [
                stages.build(s.factory, s.options, f"{self.config.source}: {s.where}") for s in self.config.stages
            ]
            for s, cfg in zip(self._map_stages, self.config.stages):
                s.instance_name = cfg.name or cfg.factory
        return self._map_stages

    def map_stages(self) -> list[Any]:
        """The per-document stages, in order (corpus stages left out)."""
        from .stages.base import CorpusStage

        return [s for s in self._built_stages() if not isinstance(s, CorpusStage)]

    def corpus_stages(self) -> list[Any]:
        from .stages.base import CorpusStage

        return [s for s in self._built_stages() if isinstance(s, CorpusStage)]

    def reader(self) -> Any:
        """Build the corpus reader; a pipeline without ``corpus`` cannot read a collection."""
        corpus = self.config.corpus
        if corpus is None:
            raise UsageError(
                f"{self.config.source}: the pipeline has no corpus section",
                hint="add 'corpus: {reader: folder.v1, path: FOLDER}' or pass --input PATH",
            )
        return readers.build(corpus.factory, corpus.options, f"{self.config.source}: corpus")

    def required_resources(self) -> list[tuple[str, list[str]]]:
        """(stage label, NLTK resource ids) for each stage that needs any."""
        out = []
        for cfg, stage in zip(self.config.stages, self._built_stages()):
            res = list(getattr(stage, "resources", ()) or ())
            if res:
                out.append((f"{cfg.where} ({cfg.factory})", res))
        return out

    def check_resources(self) -> None:
        """Fail before any document is read if a stage lacks NLTK data."""
        for who, res in self.required_resources():
            nltk_resources.check(res, who=f"{self.config.source}: {who}")

    # -- running in this process --------------------------------------------
    def run(self, docs: Iterable[Doc | str] | None = None) -> Iterator[Doc]:
        """Stream documents (or plain strings) through the per-document stages, in this process.

        Without ``docs`` the pipeline's own corpus is read. Documents a stage
        drops, or a reader skips, are left out; ``write`` reports them.
        """
        self.check_resources()
        items: Iterable[Any] = self.reader() if docs is None else docs
        map_stages = self.map_stages()
        for i, item in enumerate(items):
            if isinstance(item, Skipped):
                continue
            doc: Doc | None = item if isinstance(item, Doc) else Doc(id=str(i), text=str(item))
            for stage in map_stages:
                doc = stage(doc)
                if doc is None:
                    break
            if doc is not None:
                yield doc

    def __call__(self, text: str) -> Doc:
        """Clean one text; returns the document even when a filter would drop it."""
        self.check_resources()
        doc = Doc(id="0", text=text)
        for stage in self.map_stages():
            out = stage(doc)
            if out is None:
                doc.meta["dropped_by"] = stage.registered_name
                return doc
            doc = out
        return doc

    # -- the full run -------------------------------------------------------
    def write(
        self,
        output: str | None = None,
        *,
        fmt: str | None = None,
        workers: int | None = None,
        engine: str = "local",
        engine_options: dict[str, Any] | None = None,
        resume: bool = False,
        progress: bool = True,
    ) -> RunSummary:
        """Read the corpus, run the stages on an engine, write the output atomically."""
        from .engines import get_engine
        from .output import atomic_write_text, open_writer

        out_path = output or self.config.output.path
        if not out_path:
            raise UsageError(f"{self.config.source}: no output given", hint="set output.path in the pipeline or pass --output PATH")
        self.check_resources()
        reader = self.reader()
        check = getattr(reader, "check", None)
        if check:
            check()
        for stage in self.corpus_stages():
            if out_path == "-":
                raise UsageError("corpus stages (e.g. vector training) need a file output, not stdout")
        summary = RunSummary(output=out_path)
        writer = open_writer(out_path, fmt or self.config.output.format, self.config.output.fields, resume=resume)
        summary.resumed = len(writer.done_ids)
        on_error = getattr(reader, "on_error", "skip")
        eng = get_engine(engine, workers=workers, **(engine_options or {}))
        start = time.perf_counter()
        done = writer.done_ids

        def source() -> Iterator[Any]:
            for item in reader:
                if isinstance(item, Doc):
                    summary.read += 1
                    if item.id in done:
                        continue
                yield item

        def count_read(n: int) -> None:
            summary.read += n

        # An engine that reads partitions where its stages run (dask) gets the reader itself.
        if hasattr(eng, "map_reader") and hasattr(reader, "partitions") and hasattr(reader, "read_partition"):
            stream = eng.map_reader(self.config.resolved, reader, skip_ids=done, on_error=on_error, on_read=count_read)
        else:
            stream = eng.map(self.config.resolved, source(), on_error=on_error)
        try:
            with writer, _progress(progress) as bar:
                for item in stream:
                    if isinstance(item, Skipped):
                        if item.reason.startswith("dropped by "):
                            summary.dropped += 1
                        else:
                            summary.skipped.append((item.id, item.reason))
                        continue
                    writer.write(item)
                    bar.update(1)
        finally:
            eng.close()
        summary.written = writer.written
        summary.seconds = time.perf_counter() - start
        if out_path != "-":
            final = Path(out_path)
            atomic_write_text(final.with_name(final.stem + ".pipeline.yaml"), self.config.to_yaml())
            summary.artifacts.update(self._fit_corpus_stages(final, fmt))
            atomic_write_text(final.with_name(final.stem + ".summary.json"), _json(summary.to_dict()))
        return summary

    def _fit_corpus_stages(self, output: Path, fmt: str | None) -> dict[str, Any]:
        """Run corpus stages over the written output, streaming it from disk pass by pass."""
        from .readers.records import iter_output

        results = {}
        for cfg, stage in zip(self.config.stages, self._built_stages()):
            if stage not in self.corpus_stages():
                continue
            label = cfg.name or cfg.factory
            out_dir = output.with_name(f"{output.stem}.{label}")
            logger.info("fitting %s on %s", label, output)
            results[label] = stage.fit(lambda: iter_output(output, fmt), out_dir)
        return results


def _progress(enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(unit="doc", desc="documents", disable=None if enabled else True, dynamic_ncols=True, mininterval=0.5)


def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load_pipeline(path: str | Path, overrides: Iterable[str] = ()) -> Pipeline:
    """Load and validate a pipeline file; ``overrides`` are ``KEY.PATH=VALUE`` strings."""
    return Pipeline.from_file(path, overrides)
