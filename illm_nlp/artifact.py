"""The trained run directory: one self-contained folder per trained pipeline.

Layout (every head writes the common part; a head adds its own files)::

    RUN_DIR/
      manifest.json     format, toolkit and library versions, task, head, the files below (written last)
      pipeline.yaml     the resolved pipeline file (cleaning stages, model, head, train settings)
      model.keras       the Keras model (loaded with safe_mode=True; custom layers are registered classes)
      vocab.txt         the vocabulary, one token per line (id = line number)
      labels.json       label names (classification)
      embedding/coverage.json   how much of the vocabulary the pretrained vectors covered
      metrics.json      dev metrics of the best epoch and training facts
      history.json      per-epoch metrics;  training.png: their curves;  confusion.png (classification)
      logs/             TensorBoard
      checkpoints/      the last epoch's state for --resume: kept while a run is unfinished or
                        stopped on its time budget, removed when training is complete

``manifest.json`` is written only when training finished, so a folder
without it is an interrupted run (``illm train --resume`` continues it).
:func:`load_run` checks the manifest, the versions and that every listed file
is there before anything is loaded, and then hands the folder to the head
named in the saved pipeline, which returns a
:class:`~illm_nlp.heads.base.Predictor`. Nothing in a run directory is
unpickled: the model loads in Keras' safe mode and the rest is text/JSON.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import ArtifactError, UsageError
from .output import atomic_write_text

logger = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "PIPELINE_FILE",
    "check_run",
    "finish_checkpoints",
    "library_versions",
    "load_keras_model",
    "load_run",
    "prepare_run_dir",
    "read_manifest",
    "save_keras_model",
    "write_manifest",
]

MANIFEST = "manifest.json"
PIPELINE_FILE = "pipeline.yaml"
FORMAT = "illm-run"
FORMAT_VERSION = 1
#: libraries whose versions are recorded (and compared on load)
LIBRARIES = ("tensorflow", "tensorflow-cpu", "keras", "numpy", "gensim", "nltk", "scikit-learn")
_RUN_MARKERS = (MANIFEST, PIPELINE_FILE, "checkpoints", "model.keras")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a run depends on (missing ones left out)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def prepare_run_dir(run_dir: str | Path, *, resume: bool = False, overwrite: bool = False) -> Path:
    """Make ``run_dir`` ready for training; never silently mixes two runs in one folder."""
    path = Path(run_dir)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output '{path}' is a file, not a folder", hint="give a folder path for the run directory")
    existing = [p.name for p in path.iterdir()] if path.is_dir() else []
    if resume:
        if (path / MANIFEST).exists() and not (path / "checkpoints").is_dir():
            raise UsageError(
                f"--resume: '{path}' is a finished run; there is nothing to resume",
                hint="train again with --overwrite (or into a new folder); a run keeps its checkpoint only when it stopped on its time budget",
            )
        if not (path / "checkpoints").is_dir():
            logger.warning("--resume: %s holds no checkpoint; starting a new run there", path)
        path.mkdir(parents=True, exist_ok=True)
        return path
    if existing:
        looks_like_run = any(m in existing for m in _RUN_MARKERS)
        if not overwrite:
            raise UsageError(
                f"--output '{path}' is not empty ({len(existing)} entries)",
                hint="use --resume to continue an interrupted run there, --overwrite to replace an earlier run, or another folder",
            )
        if not looks_like_run:
            raise UsageError(
                f"--output '{path}' is not empty and does not look like a run directory; refusing to delete it",
                hint="choose a new or empty folder",
            )
        for name in existing:
            p = path / name
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_manifest(run_dir: Path, *, task: str, head: str, files: list[str], extra: dict[str, Any] | None = None) -> Path:
    """Write ``manifest.json`` last: the mark of a complete run directory."""
    run_dir = Path(run_dir)
    missing = [f for f in files if not (run_dir / f).exists()]
    if missing:
        raise ArtifactError(f"{run_dir}: cannot finish the run, files not written: {', '.join(missing)}")
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "toolkit": {"name": "illm-nlp", "version": __version__},
        "libraries": library_versions(),
        "task": task,
        "head": head,
        "files": sorted({PIPELINE_FILE, *files}),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(extra or {}),
    }
    path = run_dir / MANIFEST
    atomic_write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """Read and check ``manifest.json``: the format, the toolkit version, the files."""
    path = Path(run_dir)
    if not path.exists():
        raise ArtifactError(f"run directory '{path}' does not exist", hint="give the --output folder of an `illm train` run")
    if not path.is_dir():
        raise ArtifactError(f"'{path}' is a file, not a run directory", hint="give the --output folder of an `illm train` run")
    mpath = path / MANIFEST
    if not mpath.exists():
        if (path / "checkpoints").is_dir() or (path / PIPELINE_FILE).exists():
            raise ArtifactError(
                f"'{path}' is an unfinished run (no {MANIFEST}: training was interrupted or is still going)",
                hint=f"finish it with `illm train {path / PIPELINE_FILE} --output {path} --resume`",
            )
        raise ArtifactError(f"'{path}' is not a run directory: {MANIFEST} is missing", hint="give the --output folder of an `illm train` run")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{mpath}: not valid JSON ({exc})", hint="the run directory is damaged; train again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(f"{mpath}: not an illm-nlp run manifest", hint="give the --output folder of an `illm train` run")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{mpath}: run directory format {manifest.get('format_version')!r}; this toolkit ({__version__}) reads format {FORMAT_VERSION}",
            hint="load it with the toolkit version that wrote it, or train again",
        )
    made_by = str((manifest.get("toolkit") or {}).get("version", "?"))
    if _minor(made_by) != _minor(__version__):
        raise ArtifactError(
            f"{path}: written by illm-nlp {made_by}, but this is illm-nlp {__version__}",
            hint=f"install illm-nlp=={made_by} to use it, or train the pipeline again with this version",
        )
    if made_by != __version__:
        logger.warning("%s was written by illm-nlp %s (this is %s)", path, made_by, __version__)
    now = library_versions()
    for lib in ("tensorflow", "tensorflow-cpu", "keras"):
        then = (manifest.get("libraries") or {}).get(lib)
        if then and lib in now and _minor(then) != _minor(now[lib]):
            logger.warning("%s was trained with %s %s; %s is installed (results may differ slightly)", path, lib, then, now[lib])
    return manifest


def check_run(run_dir: str | Path) -> dict[str, Any]:
    """The manifest of a complete run directory; ArtifactError naming what is missing otherwise."""
    path = Path(run_dir)
    manifest = read_manifest(path)
    missing = [f for f in manifest.get("files", []) if not (path / f).exists()]
    if missing:
        raise ArtifactError(
            f"{path}: the run directory is missing {', '.join(missing)}",
            hint="copy the whole run directory, or train again",
        )
    return manifest


def save_keras_model(model: Any, path: Path) -> Path:
    """Save in the ``.keras`` format through a temporary name (an interrupted save never leaves half a model)."""
    import keras

    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    # An uncompiled model over the same layers: the file holds the weights only, not the
    # optimizer's slots (Adam's would triple the size of a large embedding). A subclassed
    # model has no symbolic inputs to rebuild from; it is saved as it is.
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    bare = keras.Model(inputs, model.outputs, name=model.name) if inputs else model
    bare.save(tmp)
    tmp.replace(path)
    return path


def finish_checkpoints(run_dir: Path, *, keep: bool) -> None:
    """After a finished run, drop the checkpoints (weights and optimizer state: often several
    times the model's size; an ensemble's members' too) unless training stopped on its time
    budget and may be resumed."""
    if keep:
        return
    for name in ("checkpoints", "members"):  # members: an ensemble's per-member training state
        if (Path(run_dir) / name).is_dir():
            shutil.rmtree(Path(run_dir) / name)


def load_keras_model(path: Path) -> Any:
    """Load a ``.keras`` model in safe mode, with the toolkit's custom layers registered."""
    import keras

    from .models import keras_layers  # noqa: F401  (registers the custom layers)

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except (ValueError, OSError, TypeError) as exc:
        raise ArtifactError(f"{path}: the Keras model cannot be loaded ({exc})", hint="the run directory is damaged or from another Keras version; train again") from None


def load_run(run_dir: str | Path) -> Any:
    """Load a trained run directory into a :class:`~illm_nlp.heads.base.Predictor`."""
    from .pipeline import Pipeline
    from .registry import heads

    path = Path(run_dir)
    check_run(path)
    pipe = Pipeline.from_file(path / PIPELINE_FILE)
    if pipe.config.head is None:
        raise ArtifactError(f"{path / PIPELINE_FILE}: the saved pipeline has no head section", hint="the run directory is damaged; train again")
    head = heads.build(pipe.config.head.factory, pipe.config.head.options, f"{path / PIPELINE_FILE}: head")
    return head.load(path, pipe)
