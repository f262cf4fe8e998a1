"""Keras callbacks every head's training uses: dev metrics, early stopping with
state, checkpoints for ``--resume``, a time budget, ``history.json`` and a
progress bar.

This module imports Keras at the top: it is only ever imported by training
code (inside :func:`illm_nlp.training.loop.fit_keras`), never by
``import illm_nlp`` or ``illm --help``.

Callback order matters, because Keras passes one ``logs`` dict through them in
order: :class:`DevMetrics` first (it adds ``val_*`` keys), then early
stopping, then :class:`Checkpoint` (which saves the early-stopping state of
the same epoch), then the budget, history and progress.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from ..errors import ArtifactError, ConfigError
from ..output import atomic_write_text

logger = logging.getLogger(__name__)

__all__ = [
    "CHECKPOINT_STATE",
    "Checkpoint",
    "DevMetrics",
    "EarlyStoppingState",
    "HistoryLog",
    "Progress",
    "TimeBudget",
    "load_checkpoint",
    "restore_checkpoint",
]

CHECKPOINT_STATE = "state.json"


class DevMetrics(keras.callbacks.Callback):
    """Evaluate on the dev set after each epoch and add ``val_<metric>`` to the logs.

    The head's own evaluator computes what it reports (accuracy and macro-F1,
    BLEU, perplexity...), so early stopping can watch the metric people care
    about rather than the loss alone.
    """

    def __init__(self, evaluate: Callable[[], dict[str, float]]) -> None:
        super().__init__()
        self.evaluate = evaluate
        self.last: dict[str, float] = {}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        start = time.perf_counter()
        self.last = {f"val_{k}": float(v) for k, v in self.evaluate().items()}
        if logs is not None:
            logs.update(self.last)
            # kept apart so training speed can be reported without the dev pass
            logs["dev_seconds"] = time.perf_counter() - start


class EarlyStoppingState(keras.callbacks.EarlyStopping):
    """Keras' early stopping (best weights kept) whose state survives a resume.

    ``patience=0`` means never stop early (the best weights are still kept).
    """

    def __init__(self, monitor: str, mode: str, patience: int) -> None:
        super().__init__(monitor=monitor, mode=mode, patience=patience if patience > 0 else 10**9, restore_best_weights=True, verbose=0)
        self._pending: dict[str, Any] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        if self._pending is not None:
            state = self._pending
            self.wait = state["wait"]
            self.best = state["best"]
            self.best_epoch = state["best_epoch"]
            self.best_weights = state.get("best_weights")
            self._pending = None

    def get_monitor_value(self, logs: dict[str, Any]) -> Any:
        value = (logs or {}).get(self.monitor)
        if value is None:
            known = ", ".join(sorted(k for k in (logs or {}) if k.startswith("val_")))
            raise ConfigError(
                f"train.monitor: the dev metric '{self.monitor}' is not computed by this head",
                hint=f"use one of: {known or '(none)'}",
            )
        return value

    def state(self) -> dict[str, Any]:
        best = None if self.best is None or (isinstance(self.best, float) and math.isinf(self.best)) else float(self.best)
        return {"wait": int(self.wait), "best": best, "best_epoch": int(self.best_epoch), "stopped_epoch": int(self.stopped_epoch)}

    def restore(self, state: dict[str, Any], best_weights: list[np.ndarray] | None) -> None:
        self._pending = {**state, "best_weights": best_weights}


def _save_npz(path: Path, arrays: list[np.ndarray]) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        np.savez(fh, *arrays)
    os.replace(tmp, path)


def _load_npz(path: Path) -> list[np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return [data[f"arr_{i}"] for i in range(len(data.files))]


def _variables(model: Any) -> list[Any]:
    """Model variables (weights and dropout seed states) then the optimizer's, in a fixed order."""
    return [*model.variables, *model.optimizer.variables]


class Checkpoint(keras.callbacks.Callback):
    """Save everything needed to continue after each epoch: the exact epoch-end state.

    ``ckpt-N.npz`` holds every model variable (weights and the dropout seed
    states), and the optimizer's; ``best.npz`` the best weights so far;
    ``state.json`` (written last, so it only ever names complete files) the
    next epoch, early-stopping state and elapsed time. Older checkpoints are
    removed. Variables are stored as plain arrays (no pickle).
    """

    def __init__(self, directory: Path, early: EarlyStoppingState, budget: TimeBudget) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.early = early
        self.budget = budget
        self._best_saved = -1

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        variables = _variables(self.model)
        name = f"ckpt-{epoch + 1}.npz"
        _save_npz(self.directory / name, [np.asarray(v.numpy()) for v in variables])
        es = self.early.state()
        if self.early.best_weights is not None and es["best_epoch"] != self._best_saved:
            _save_npz(self.directory / "best.npz", list(self.early.best_weights))
            self._best_saved = es["best_epoch"]
        state = {
            "next_epoch": epoch + 1,
            "checkpoint": name,
            "variables": [v.path for v in variables],
            "early_stopping": es,
            "stopped_early": bool(self.model.stop_training and self.early.stopped_epoch == epoch and epoch > 0),
            "elapsed_seconds": self.budget.elapsed(),
        }
        atomic_write_text(self.directory / CHECKPOINT_STATE, json.dumps(state, indent=2) + "\n")
        for old in self.directory.glob("ckpt-*.npz"):
            if old.name != name:
                old.unlink(missing_ok=True)


def load_checkpoint(directory: Path) -> dict[str, Any] | None:
    """The saved state of an interrupted run, or None when there is none."""
    path = Path(directory) / CHECKPOINT_STATE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ArtifactError(f"{path}: the checkpoint state is not valid JSON ({exc})", hint="train again without --resume") from None


def restore_checkpoint(model: Any, directory: Path, state: dict[str, Any], early: EarlyStoppingState) -> None:
    """Put the model, optimizer and early stopping back to their state at the checkpoint."""
    directory = Path(directory)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    variables = _variables(model)
    ckpt = directory / state["checkpoint"]
    if not ckpt.exists():
        raise ArtifactError(f"{ckpt}: the checkpoint named in {directory / CHECKPOINT_STATE} is missing", hint="train again without --resume")
    arrays = _load_npz(ckpt)
    # Variable *paths* carry Keras' per-process name counters (seed_generator_3), so
    # the check is on count and shapes, which the fixed variable order makes exact.
    if len(arrays) != len(variables) or any(tuple(a.shape) != tuple(v.shape) for a, v in zip(arrays, variables)):
        raise ArtifactError(
            f"{ckpt}: the checkpoint does not fit this model (it was made with other model or training settings)",
            hint="resume with the same pipeline and --set values as the interrupted run, or train again without --resume",
        )
    for var, arr in zip(variables, arrays):
        var.assign(arr)
    best_path = directory / "best.npz"
    best = _load_npz(best_path) if best_path.exists() else None
    early.restore(state["early_stopping"], best)


class TimeBudget(keras.callbacks.Callback):
    """Stop after the epoch that passes ``train.max_minutes`` (time of earlier, resumed runs included)."""

    def __init__(self, max_minutes: float | None, elapsed_before: float = 0.0) -> None:
        super().__init__()
        self.max_seconds = None if max_minutes is None else max_minutes * 60.0
        self.before = elapsed_before
        self.start = time.perf_counter()
        self.exhausted = False

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return self.before + (time.perf_counter() - self.start)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.max_seconds is not None and self.elapsed() >= self.max_seconds and epoch + 1 < self.params.get("epochs", 0):
            logger.warning("time budget of %.1f min used after epoch %d; stopping (--resume continues)", self.max_seconds / 60, epoch + 1)
            self.exhausted = True
            self.model.stop_training = True


class HistoryLog(keras.callbacks.Callback):
    """Per-epoch metrics in ``history.json``, kept across resumed runs."""

    def __init__(self, path: Path, previous: list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.epochs: list[dict[str, Any]] = list(previous or [])
        self._t0 = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self._t0, 3)}
        row.update({k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float, np.floating, np.integer)) or hasattr(v, "numpy")})
        self.epochs = [r for r in self.epochs if r["epoch"] < epoch + 1] + [row]
        atomic_write_text(self.path, json.dumps({"epochs": self.epochs}, indent=2) + "\n")

    @staticmethod
    def read(path: Path) -> list[dict[str, Any]]:
        if not Path(path).exists():
            return []
        return list(json.loads(Path(path).read_text(encoding="utf-8")).get("epochs", []))


class Progress(keras.callbacks.Callback):
    """A tqdm bar per epoch (batches, running loss) and one log line per epoch."""

    def __init__(self, *, enabled: bool, steps: int, monitor: str, early: EarlyStoppingState) -> None:
        super().__init__()
        self.enabled = enabled
        self.steps = steps
        self.monitor = monitor
        self.early = early
        self._bar: Any = None

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.enabled:
            from tqdm import tqdm

            total = self.params.get("epochs", "?")
            self._bar = tqdm(total=self.steps, unit="batch", desc=f"epoch {epoch + 1}/{total}", leave=False, dynamic_ncols=True, mininterval=0.5)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:
            self._bar.update(1)
            if logs and "loss" in logs:
                self._bar.set_postfix(loss=f"{float(logs['loss']):.4f}", refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        logs = logs or {}
        parts = [f"{k} {float(v):.4f}" for k, v in logs.items() if k == "loss" or k.startswith("val_")]
        best = " (best)" if self.early.best_epoch == epoch else ""
        logger.info("epoch %d/%s: %s%s", epoch + 1, self.params.get("epochs", "?"), ", ".join(parts), best)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
