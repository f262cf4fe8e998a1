"""``illm train`` as a plain function: read, clean, split, fit, write the run directory.

The command-line wrapper (:mod:`illm_nlp.cli.train`) only parses options.
Any head plugs in through the :class:`~illm_nlp.heads.base.Head` contract:
this module reads the labelled documents, runs the pipeline's cleaning
stages, holds out a seeded dev split when no dev set is given, saves the
resolved pipeline, seeds everything and calls ``head.fit``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..document import Doc, Skipped
from ..errors import ConfigError, DataError

logger = logging.getLogger(__name__)

__all__ = ["clean_documents", "read_documents", "reader_for", "train_pipeline"]


def reader_for(pipe: Any, path: str | Path, *, labels: bool) -> Any:
    """A reader for ``path`` with the pipeline's corpus options (text/label fields, format...).

    Without a corpus section a ``folder.v1`` reader is made. Where labels come
    from follows the path: a folder holding only sub-folders takes them from
    the sub-folder names, a jsonl/csv file from its label field (``label``
    unless the corpus names another), whatever the corpus said for its own
    path, so ``--train`` accepts either layout with any pipeline. ``labels=False`` (prediction) never asks for labels, so a plain
    folder of documents works.
    """
    from ..registry import readers

    p = Path(path)
    corpus = pipe.config.corpus
    if corpus is not None and corpus.factory == "folder.v1":
        options = {**corpus.options, "path": str(p)}
    elif corpus is not None:
        options = {**corpus.options, "path": str(p)}
        return readers.build(corpus.factory, options, f"{pipe.config.source}: corpus (path {p})")
    else:
        options = {"path": str(p)}
    if labels:
        given = options.get("label_from", "none")
        if _label_folders(p):
            options["label_from"] = "folder"
        elif given == "none" or (given == "folder" and p.is_file()):
            options["label_from"] = "field"
    else:
        options["label_from"] = "none"
    return readers.build("folder.v1", options, f"{pipe.config.source}: corpus (path {p})")


def _label_folders(path: Path) -> bool:
    """A folder holding only sub-folders (one per label), like train/grain, train/other."""
    if not path.is_dir():
        return False
    entries = [e for e in path.iterdir() if not e.name.startswith(".") and e.name.lower() not in ("readme.md", "readme.txt", "readme")]
    return bool(entries) and all(e.is_dir() for e in entries)


def read_documents(reader: Any, *, what: str, path: str | Path) -> list[Doc]:
    """All documents of a reader; skipped files/lines are logged by reason, never silently lost."""
    check = getattr(reader, "check", None)
    if check:
        check()
    docs: list[Doc] = []
    skipped: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for item in reader:
        if isinstance(item, Skipped):
            kind = item.reason.split(":")[0]
            skipped[kind] += 1
            examples.setdefault(kind, f"{item.id}: {item.reason}")
        else:
            docs.append(item)
    if skipped:
        logger.warning("%s (%s): %d skipped: %s", what, path, sum(skipped.values()), "; ".join(examples[k] for k in skipped))
    if not docs:
        detail = f"; {sum(skipped.values())} skipped, e.g. {next(iter(examples.values()))}" if skipped else ""
        raise DataError(
            f"{what}: no documents could be read from '{path}'{detail}",
            hint="check the path and the reader options (format, text_field, label_field / label_from)",
        )
    return docs


def clean_documents(pipe: Any, docs: Iterable[Doc], *, what: str, warn_untokenized: bool = True) -> list[Doc]:
    """Run the pipeline's per-document stages; documents a filter drops are counted.

    ``warn_untokenized`` is off for heads that tokenise the text themselves, where a
    pipeline without a tokenising stage is normal, not a mistake.
    """
    docs = list(docs)
    cleaned = list(pipe.run(docs))
    if len(cleaned) < len(docs):
        logger.info("%s: %d of %d documents dropped by the cleaning stages", what, len(docs) - len(cleaned), len(docs))
    if warn_untokenized and docs and all(d.tokens is None for d in cleaned):
        logger.warning("%s: no stage sets tokens; splitting the text on white space (add nltk.clean.v1 to the stages)", what)
    return cleaned


def train_pipeline(
    pipe: Any,
    output: str | Path,
    *,
    train: str | Path | None = None,
    dev: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Train ``pipe`` (a :class:`~illm_nlp.pipeline.Pipeline`) into the run directory ``output``."""
    from ..artifact import PIPELINE_FILE, prepare_run_dir
    from ..output import atomic_write_text
    from ..registry import heads
    from .splits import dev_split

    cfg = pipe.config
    if cfg.head is None:
        raise ConfigError(f"{cfg.source}: the pipeline has no head section; `illm train` needs one", hint="add e.g. 'head: {stage: head.classify.v1}' (see pipelines/seed-rnn.yaml)")
    head = heads.build(cfg.head.factory, cfg.head.options, f"{cfg.source}: head")
    check = getattr(head, "check", None)
    if check is not None:  # options that depend on other sections, before any data is read
        check(cfg)
    pipe.check_resources()
    if train is not None:
        train_reader = reader_for(pipe, train, labels=True)
        train_path: Any = train
    elif cfg.corpus is not None:
        train_reader = pipe.reader()
        train_path = cfg.corpus.options.get("path", "corpus")
    else:
        raise ConfigError(f"{cfg.source}: no training data: the pipeline has no corpus section", hint="pass --train PATH (a jsonl/csv file or a folder with one sub-folder per label)")
    run_dir = prepare_run_dir(output, resume=resume, overwrite=overwrite)
    train_docs = clean_documents(pipe, read_documents(train_reader, what="training data", path=train_path), what="training data",
                                  warn_untokenized=not getattr(head, "tokenizes_text", False))
    if not train_docs:
        raise DataError(f"training data ({train_path}): every document was dropped by the cleaning stages", hint="check the stages' filters (min_tokens...)")
    if dev is not None:
        dev_docs = clean_documents(pipe, read_documents(reader_for(pipe, dev, labels=True), what="dev data", path=dev), what="dev data",
                                    warn_untokenized=not getattr(head, "tokenizes_text", False))
    else:
        train_docs, dev_docs = dev_split(train_docs, cfg.train.dev_split, cfg.train.seed, where=f"training data ({train_path})")
    atomic_write_text(run_dir / PIPELINE_FILE, cfg.to_yaml())
    logger.info("training %s on %d documents (dev %d) into %s", cfg.head.factory, len(train_docs), len(dev_docs), run_dir)
    metrics = head.fit(pipeline=pipe, train=train_docs, dev=dev_docs, run_dir=run_dir, resume=resume, progress=progress)
    logger.debug("metrics: %s", json.dumps(metrics, default=str)[:2000])
    return metrics
