"""Options shared by several commands, so they read the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY.PATH=VALUE",
    help="Override a pipeline value, e.g. --set corpus.path=other/folder (repeatable).",
)


def pipeline_argument(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument("pipeline", type=click.Path(dir_okay=False, path_type=str))(f)
