"""The ``illm`` command: a thin layer over plain functions.

Sub-commands load lazily (``LAZY_COMMANDS``), so ``illm --help`` imports
neither TensorFlow nor gensim. Every :class:`~illm_nlp.errors.IllmError`
becomes one readable paragraph on stderr and its exit code (1: the run
failed, 2: bad usage or pipeline file); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

import click

from .._version import __version__

#: command name -> (module, attribute, one-line help shown by --help without importing it)
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("illm_nlp.cli.run", "run_cmd", "Run a pipeline over a document collection and write the output."),
    "validate": ("illm_nlp.cli.run", "validate_cmd", "Check a pipeline file, its paths and resources without running it."),
    "stages": ("illm_nlp.cli.stages", "stages_cmd", "List the registered readers, stages, models and heads."),
    "data": ("illm_nlp.cli.data", "data_group", "Check and download the NLTK data that stages need."),
    "embed": ("illm_nlp.cli.embed", "embed_group", "Train, inspect, evaluate, export and plot word vectors."),
    "train": ("illm_nlp.cli.train", "train_cmd", "Train a model pipeline into a run directory."),
    "evaluate": ("illm_nlp.cli.train", "evaluate_cmd", "Evaluate a trained run directory on labelled data."),
    "predict": ("illm_nlp.cli.train", "predict_cmd", "Predict with a trained run directory."),
    "chat": ("illm_nlp.cli.chat", "chat_cmd", "Talk to a trained run at a prompt."),
    "serve": ("illm_nlp.cli.serve", "serve_cmd", "Serve a trained run over HTTP."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | {n for n, spec in LAZY_COMMANDS.items() if _available(spec)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr, _ = LAZY_COMMANDS[name]
            try:
                return getattr(importlib.import_module(module), attr)
            except ModuleNotFoundError as exc:
                if exc.name == module:
                    return None
                raise
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, LAZY_COMMANDS[n][2]) for n in self.list_commands(ctx) if n in LAZY_COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from ..errors import did_you_mean

            ctx.fail(f"No such command '{name}'.{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


def _available(spec: tuple[str, str, str]) -> bool:
    return importlib.util.find_spec(spec[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="illm")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """illm: NLP pipelines over document collections — readers, NLTK cleaning,
    gensim embeddings and Keras RNN models, declared in a YAML file."""
    level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not debug:
        # TensorFlow's C++ start-up lines (oneDNN notices, CPU features, a spurious "DT_BOOL" error on
        # CPUs without AVX-512) say nothing a user can act on; real failures still raise in Python.
        # Set before any command imports TensorFlow; an exported TF_CPP_MIN_LOG_LEVEL wins.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        for noisy in ("gensim", "tensorflow", "absl", "h5py", "matplotlib", "PIL"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``illm`` console script."""
    from ..errors import IllmError

    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="illm", standalone_mode=False)
    except IllmError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(f"Error {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted; partial output is kept as *.partial for --resume.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: short message unless --debug
        if debug:
            raise
        click.echo(f"Error: unexpected {type(exc).__name__}: {exc}\n  (run again with --debug for the traceback, and please report it)", err=True)
        sys.exit(1)
