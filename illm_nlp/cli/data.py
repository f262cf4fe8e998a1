"""``illm data``: which NLTK data a pipeline needs, and fetching it."""

from __future__ import annotations

import click

from .options import set_option


@click.group("data")
def data_group() -> None:
    """Check and download the NLTK data that stages need."""


@data_group.command("check")
@click.argument("pipelines", nargs=-1, type=click.Path(dir_okay=False))
@set_option
def check_cmd(pipelines: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Say which NLTK resources each stage of PIPELINES needs and which are missing (exit 1 if any)."""
    from .. import resources
    from ..pipeline import load_pipeline

    if not pipelines:
        raise click.UsageError("name at least one pipeline file")
    missing_packages: set[str] = set()
    for path in pipelines:
        pipe = load_pipeline(path, overrides)
        needs = pipe.required_resources()
        click.echo(f"{path}:" + ("" if needs else " needs no NLTK data"))
        for who, res in needs:
            for r in res:
                ok = resources.is_installed(r)
                if not ok:
                    missing_packages.add(resources.parse(r).package)
                click.echo(f"  {who}: {r} {'ok' if ok else 'MISSING'}")
    if missing_packages:
        click.echo(f"install with: illm data download {' '.join(sorted(missing_packages))}", err=True)
        raise SystemExit(1)


@data_group.command("download")
@click.argument("names", nargs=-1)
@click.option("--for", "for_pipelines", multiple=True, type=click.Path(dir_okay=False), help="Fetch what this pipeline is missing.")
@click.option("--dir", "target", default=None, help="Download into this folder (default: NLTK's own choice).")
def download_cmd(names: tuple[str, ...], for_pipelines: tuple[str, ...], target: str | None) -> None:
    """Fetch NLTK packages by NAME (e.g. punkt_tab stopwords wordnet), or those a pipeline lacks."""
    from .. import resources
    from ..errors import RunError
    from ..pipeline import load_pipeline

    wanted = list(names)
    for path in for_pipelines:
        for _, res in load_pipeline(path).required_resources():
            wanted += [resources.parse(r).package for r in res if not resources.is_installed(r)]
    wanted = sorted(set(wanted))
    if not wanted:
        click.echo("nothing to download: every resource is installed")
        return
    results = resources.download(wanted, target)
    failed = [p for p, ok in results.items() if not ok]
    for p, ok in results.items():
        click.echo(f"  {p}: {'ok' if ok else 'FAILED'}")
    if failed:
        raise RunError(f"could not download {', '.join(failed)} (no internet, or an unknown package name)",
                       hint="on a machine without internet, copy an nltk_data folder and set NLTK_DATA to it")
