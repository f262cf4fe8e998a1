"""``illm run`` and ``illm validate``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from .options import pipeline_argument, set_option

logger = logging.getLogger("illm_nlp.cli")


def _load(pipeline: str, overrides: tuple[str, ...], input_path: str | None = None):  # type: ignore[no-untyped-def]
    from ..pipeline import load_pipeline

    extra = list(overrides)
    if input_path:
        extra.append(f"corpus.path={json.dumps(input_path)}")
    return load_pipeline(pipeline, extra)


def print_summary(summary, err: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The closing report of a run: counts, skipped documents by reason, time."""
    rate = summary.written / summary.seconds if summary.seconds else 0.0
    click.echo(
        f"read {summary.read}, written {summary.written}"
        + (f" ({summary.resumed} from the resumed run)" if summary.resumed else "")
        + f", skipped {len(summary.skipped)}, dropped by filters {summary.dropped}"
        + f" in {summary.seconds:.1f}s ({rate:,.0f} docs/s) → {summary.output}",
        err=err,
    )
    if summary.skipped:
        for reason, n in summary.reasons().most_common():
            click.echo(f"  skipped {n}: {reason}", err=err)
        for doc_id, reason in summary.skipped[:20]:
            click.echo(f"    {doc_id}: {reason}", err=err)
        if len(summary.skipped) > 20:
            click.echo(f"    … and {len(summary.skipped) - 20} more (see the .summary.json beside the output)", err=err)
    for name, info in summary.artifacts.items():
        click.echo(f"  {name}: {info}", err=err)


@click.command("run")
@pipeline_argument
@click.option("--input", "input_path", help="Read this collection instead of corpus.path.")
@click.option("--output", "output", help="Write here instead of output.path ('-' for stdout).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "txt"]), help="Output format (default: from the path).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes (default: the machine's cores).")
@click.option("--engine", default="local", show_default=True, help="Where stages run: local or dask.")
@click.option("--scheduler", default=None, help="Dask scheduler address (with --engine dask); default: a local cluster.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its .partial output.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@set_option
def run_cmd(pipeline: str, input_path: str | None, output: str | None, fmt: str | None, workers: int | None,
            engine: str, scheduler: str | None, resume: bool, no_progress: bool, overrides: tuple[str, ...]) -> None:
    """Run PIPELINE over its collection: read, clean, write, report."""
    pipe = _load(pipeline, overrides, input_path)
    opts = {"scheduler": scheduler} if scheduler else {}
    if scheduler and engine != "dask":
        from ..errors import UsageError

        raise UsageError("--scheduler goes with --engine dask")
    summary = pipe.write(output, fmt=fmt, workers=workers, engine=engine, engine_options=opts, resume=resume, progress=not no_progress)
    print_summary(summary)


@click.command("validate")
@pipeline_argument
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the resolved pipeline as JSON.")
def validate_cmd(pipeline: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """Check PIPELINE: its syntax and options, the paths it names and the NLTK data it needs."""
    from ..errors import DataError

    pipe = _load(pipeline, overrides)
    problems = []
    if pipe.config.corpus is not None:
        reader = pipe.reader()
        try:
            reader.check()
        except DataError as exc:
            problems.append(str(exc))
    try:
        pipe.check_resources()
    except Exception as exc:  # MissingResourceError: report with the rest
        problems.append(str(exc))
    if as_json:
        click.echo(json.dumps(pipe.config.resolved, indent=2, ensure_ascii=False))
    if problems:
        from ..errors import ConfigError

        raise ConfigError(f"{pipeline}: the file is valid but cannot run here:\n  " + "\n  ".join(problems))
    n = len(pipe.config.stages)
    click.echo(f"{pipeline}: OK ({n} stage{'s' if n != 1 else ''}; corpus {'at ' + str(Path(str(pipe.config.corpus.options.get('path', '?')))) if pipe.config.corpus else 'not set'})")
