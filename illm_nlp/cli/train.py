"""``illm train``, ``illm evaluate`` and ``illm predict``: thin wrappers over plain functions."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from .options import pipeline_argument, set_option

logger = logging.getLogger("illm_nlp.cli")


@click.command("train")
@pipeline_argument
@click.option("--output", "-o", "output", required=True, help="The run directory to write (the trained artifact).")
@click.option("--train", "train_path", help="Training data: a jsonl/csv file or a folder with one sub-folder per label (default: corpus.path).")
@click.option("--dev", "dev_path", help="Dev data for early stopping (default: a seeded split of the training data, train.dev_split).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in --output from its last checkpoint.")
@click.option("--overwrite", is_flag=True, help="Replace an earlier run in --output.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@set_option
def train_cmd(pipeline: str, output: str, train_path: str | None, dev_path: str | None, resume: bool, overwrite: bool,
              no_progress: bool, overrides: tuple[str, ...]) -> None:
    """Train PIPELINE (its model and head sections) into the run directory --output."""
    from ..errors import UsageError
    from ..pipeline import load_pipeline
    from ..training.run import train_pipeline

    if resume and overwrite:
        raise UsageError("--resume and --overwrite contradict each other", hint="--resume continues the run in --output; --overwrite replaces it")
    pipe = load_pipeline(pipeline, overrides)
    metrics = train_pipeline(pipe, output, train=train_path, dev=dev_path, resume=resume, overwrite=overwrite, progress=not no_progress)
    dev = metrics.get("dev") or {}
    facts = metrics.get("training") or {}
    summary = ", ".join(f"{k} {dev[k]:.4f}" for k in ("accuracy", "macro_f1", "bleu", "chrf", "rougeL", "perplexity") if isinstance(dev.get(k), (int, float)))
    click.echo(
        f"trained {facts.get('epochs_run', '?')} epochs (best {facts.get('best_epoch', '?')}"
        + (", stopped early" if facts.get("stopped_early") else "")
        + (", time budget reached" if facts.get("timed_out") else "")
        + f") → {output}" + (f"\ndev: {summary}" if summary else ""),
        err=True,
    )


def _load_run(run_dir: str) -> Any:
    from ..artifact import load_run

    return load_run(run_dir)


@click.command("evaluate")
@click.argument("run_dir", type=click.Path(path_type=str))
@click.option("--data", "data_path", required=True, help="Labelled data: a jsonl/csv file or a folder with one sub-folder per label.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON (keys accuracy, macro_f1, per_class, confusion).")
@click.option("--report-dir", default=None, help="Where to write metrics.json and confusion.png (default: RUN_DIR/evaluation/<data name>).")
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Text-producing runs: beam size for decoding (1 = greedy; default: the run's).")
@click.option("--write-outputs", is_flag=True, help="Text-producing runs: write each output beside its reference (outputs.jsonl in the report dir).")
def evaluate_cmd(run_dir: str, data_path: str, as_json: bool, report_dir: str | None, beam: int | None = None, write_outputs: bool = False) -> None:
    """Evaluate the trained RUN_DIR on labelled data: a table (or JSON) and confusion.png."""
    from ..output import atomic_write_text
    from ..training.run import read_documents, reader_for

    predictor = _load_run(run_dir)
    # only classification needs labels; a language model scores plain text, seq2seq reads its targets
    docs = read_documents(reader_for(predictor.pipeline, data_path, labels=predictor.task == "classify"), what="evaluation data", path=data_path)
    out_dir = Path(report_dir) if report_dir else Path(run_dir) / "evaluation" / (Path(data_path).stem or "data")
    settings: dict[str, Any] = {"beam": beam} if beam else {}
    if write_outputs:
        settings["outputs"] = str(out_dir / "outputs.jsonl")
    metrics = predictor.evaluate(docs, **settings)
    atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    matrix = (metrics.get("confusion") or {}).get("matrix")
    if matrix is not None:
        from ..training.plots import plot_confusion

        plot_confusion(matrix, metrics["confusion"]["labels"], out_dir / "confusion.png", title=f"confusion matrix: {data_path}")
    if as_json:
        click.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
    elif "per_class" in metrics:
        from ..heads.classify_metrics import format_table

        click.echo(format_table(metrics))
    else:
        for key, value in metrics.items():
            if isinstance(value, (int, float, str)):
                click.echo(f"{key:<12} {value:.4f}" if isinstance(value, float) else f"{key:<12} {value}")
    click.echo(f"report: {out_dir}", err=True)


def _answer_line(text: str, answer: dict[str, Any]) -> str:
    if "probabilities" in answer:
        label = answer["label"]
        shown = ", ".join(label) if isinstance(label, list) else label
        probs = "  ".join(f"{k} {v:.3f}" for k, v in answer["probabilities"].items())
        return f"{shown or '(no label)'}\t{probs}"
    return str(answer.get("text", answer))


@click.command("predict")
@click.argument("run_dir", type=click.Path(path_type=str))
@click.option("--input", "input_path", help="A file (jsonl/csv/txt) or a folder of documents.")
@click.option("--text", "text", help="One text to predict.")
@click.option("--output", "-o", "output", default=None, help="Write the predictions here (.jsonl or .csv; default: stdout).")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Keep the K most probable labels per document.")
@click.option("--json", "as_json", is_flag=True, help="With --text: print the answer as JSON.")
@click.option("--batch-size", type=click.IntRange(min=1), default=512, show_default=True, help="Documents per prediction batch.")
@click.option("--beam", type=click.IntRange(min=1), default=None, help="Text-producing runs: beam size for decoding (1 = greedy; default: the run's).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="With --input: predict here, or on Dask workers (the run is loaded once per worker).")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --engine dask); default: a local cluster.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Workers of the local Dask cluster (with --engine dask).")
def predict_cmd(run_dir: str, input_path: str | None, text: str | None, output: str | None, top: int | None,
                as_json: bool, batch_size: int, no_progress: bool, beam: int | None = None, engine: str = "local",
                scheduler: str | None = None, workers: int | None = None) -> None:
    """Predict with the trained RUN_DIR on one --text or on the documents at --input."""
    from ..errors import UsageError

    if (input_path is None) == (text is None):
        raise UsageError("give exactly one of --input PATH or --text TEXT", hint="e.g. illm predict runs/sentiment --text 'A fine film.'")
    if (scheduler or workers) and engine != "dask":
        raise UsageError("--scheduler and --workers go with --engine dask", hint="add --engine dask")
    if engine == "dask":
        if input_path is None:
            raise UsageError("--engine dask predicts a collection: give --input PATH", hint="for one --text, leave out --engine")
        from ..engines import get_engine

        get_engine("dask", workers=workers, scheduler=scheduler)  # a clear error when dask is not installed
        from ..engines.dask import predict_collection as predict_on_dask

        dask_settings: dict[str, Any] = {"top": top} if top else {}
        if beam:
            dask_settings["beam"] = beam
        n = predict_on_dask(run_dir, input_path, output or "-", settings=dask_settings, batch_size=batch_size,
                            progress=not no_progress, scheduler=scheduler, workers=workers)
        click.echo(f"predicted {n} documents → {output or 'stdout'}", err=True)
        return
    predictor = _load_run(run_dir)
    settings: dict[str, Any] = {"top": top} if top else {}
    if beam:
        settings["beam"] = beam
    if text is not None:
        answer = predictor.predict([text], **settings)[0]
        if output:
            from ..document import Doc
            from ..output import open_writer

            writer = open_writer(output)
            writer.write(_as_doc(Doc(id="0", text=text), answer))
            writer.commit()
        elif as_json:
            click.echo(json.dumps(answer, ensure_ascii=False))
        else:
            click.echo(_answer_line(text, answer))
        return
    assert input_path is not None
    n = predict_collection(predictor, input_path, output or "-", settings=settings, batch_size=batch_size, progress=not no_progress)
    click.echo(f"predicted {n} documents → {output or 'stdout'}", err=True)


def _as_doc(doc: Any, answer: dict[str, Any]) -> Any:
    from ..document import Doc

    meta = {k: v for k, v in answer.items() if k not in ("label", "text")}
    label = answer.get("label")
    return Doc(id=doc.id, text=doc.text, label=label, target=answer.get("text") if "text" in answer else None, meta=meta)


def predict_collection(predictor: Any, input_path: str, output: str, *, settings: dict[str, Any], batch_size: int = 512, progress: bool = True) -> int:
    """Stream a file or folder through the predictor in batches; write the output atomically."""
    from tqdm import tqdm

    from ..document import Doc, Skipped
    from ..output import open_writer
    from ..training.run import reader_for

    reader = reader_for(predictor.pipeline, input_path, labels=False)
    check = getattr(reader, "check", None)
    if check:
        check()
    writer = open_writer(output)
    bar = tqdm(unit="doc", desc="predicting", disable=None if progress and output != "-" else True, dynamic_ncols=True, mininterval=0.5)
    skipped = 0
    written = 0
    batch: list[Doc] = []

    def flush() -> None:
        nonlocal written
        if not batch:
            return
        answers = predictor.predict([d.text for d in batch], **settings)
        for doc, answer in zip(batch, answers):
            writer.write(_as_doc(doc, answer))
        written += len(batch)
        bar.update(len(batch))
        batch.clear()

    with writer, bar:
        for item in reader:
            if isinstance(item, Skipped):
                skipped += 1
                logger.warning("skipped %s: %s", item.id, item.reason)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        flush()
    if skipped:
        logger.warning("%d inputs were skipped (see above)", skipped)
    if written == 0:
        from ..errors import DataError

        raise DataError(f"predict: no documents could be read from '{input_path}'", hint="check the path and the reader options")
    sys.stdout.flush()
    return written
