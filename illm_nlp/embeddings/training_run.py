"""What ``illm embed train`` does: clean a pipeline's corpus, then train vectors on it.

The pipeline's per-document stages run exactly as in ``illm run`` (same
engine, same workers) into a temporary JSON-lines file beside the output; its
vector stage (``gensim.word2vec.v1`` / ``gensim.fasttext.v1``, or a default
``gensim.word2vec.v1`` when it declares none) then trains from that file,
streaming it from disk, and writes the vectors folder. The resolved pipeline,
with the stage that trained, is saved in the folder as ``pipeline.yaml``.
"""

from __future__ import annotations

import copy
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import UsageError, did_you_mean

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_STAGE", "train_from_pipeline"]

DEFAULT_STAGE = "gensim.word2vec.v1"


def train_from_pipeline(
    pipeline: str | Path,
    output: str | Path,
    *,
    overrides: Sequence[str] = (),
    stage_name: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Clean the pipeline's corpus into a temporary file and train its vector stage on it; returns the stage's report."""
    import yaml

    from ..config.loader import build_config, load_config
    from ..output import atomic_write_text
    from ..pipeline import Pipeline
    from ..readers.records import iter_output
    from ..registry import stages
    from ..stages.base import CorpusStage
    from ..stages.gensim_vectors import VECTOR_STAGES

    config = load_config(pipeline, list(overrides))
    source = config.source
    is_corpus = [isinstance(stages.build(c.factory, c.options, f"{source}: {c.where}"), CorpusStage) for c in config.stages]
    candidates = [i for i, c in enumerate(config.stages) if c.factory in VECTOR_STAGES]
    if stage_name is not None:
        labels = {i: config.stages[i].name or config.stages[i].factory for i in candidates}
        chosen = [i for i in candidates if stage_name in (config.stages[i].name, config.stages[i].factory)]
        if not chosen:
            raise UsageError(
                f"--stage '{stage_name}': {source} has no vector stage of that name.{did_you_mean(stage_name, labels.values())}",
                hint=f"vector stages in the file: {', '.join(labels.values()) or '(none)'}",
            )
        index: int | None = chosen[0]
    elif len(candidates) > 1:
        names = ", ".join(config.stages[i].name or f"stages[{i}] ({config.stages[i].factory})" for i in candidates)
        raise UsageError(f"{source} has {len(candidates)} vector stages: {names}", hint="choose one with --stage NAME")
    else:
        index = candidates[0] if candidates else None

    resolved = copy.deepcopy(config.resolved)
    raw_stages = list(resolved.get("stages") or [])
    if index is None:
        vector_cfg: dict[str, Any] = {"stage": DEFAULT_STAGE}
        logger.info("%s declares no vector stage; training a default %s", source, DEFAULT_STAGE)
    else:
        vector_cfg = copy.deepcopy(raw_stages[index])
        vector_cfg = {"stage": vector_cfg} if isinstance(vector_cfg, str) else vector_cfg
    options = {k: v for k, v in vector_cfg.items() if k not in ("stage", "name")}
    where = f"{source}: stages[{index}]" if index is not None else f"{source}: (default {DEFAULT_STAGE})"
    stage = stages.build(vector_cfg["stage"], options, where)

    # The cleaning run: the same pipeline without its corpus stages.
    resolved["stages"] = [s for s, corpus_stage in zip(raw_stages, is_corpus) if not corpus_stage]
    resolved["output"] = {**(resolved.get("output") or {}), "path": None, "format": "jsonl"}
    cleaning = Pipeline(build_config(resolved, source=source))
    out_dir = Path(output)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".illm-embed-train-", dir=out_dir.parent) as tmp:
        cleaned = Path(tmp) / "corpus.jsonl"
        summary = cleaning.write(str(cleaned), fmt="jsonl", workers=workers, progress=progress)
        logger.info("cleaned %d documents (%d skipped, %d dropped); training vectors", summary.written, len(summary.skipped), summary.dropped)
        report = stage.fit(lambda: iter_output(cleaned, "jsonl"), out_dir)
    trained = copy.deepcopy(config.resolved)
    trained["stages"] = [s for s, corpus_stage in zip(raw_stages, is_corpus) if not corpus_stage] + [vector_cfg]
    atomic_write_text(out_dir / "pipeline.yaml", yaml.safe_dump(trained, sort_keys=False, allow_unicode=True))
    return {**report, "documents": summary.written, "skipped": len(summary.skipped), "dropped": summary.dropped}
