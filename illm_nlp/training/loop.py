"""The fit loop every Keras head uses: one call from encoded examples to a trained model.

A head builds and compiles its model (inside the strategy's scope), encodes
its training examples (:class:`~illm_nlp.training.data.Examples`) and gives an
evaluator for the dev set; :func:`fit_keras` does the rest the same way for
every head: length-grouped seeded batches, per-epoch dev metrics, early
stopping with the best weights restored, a checkpoint after each epoch,
``--resume`` from the last one, the time budget, TensorBoard logs and
``history.json``.

Resuming gives the same model as an uninterrupted run because everything
that decides the next epoch is restored or re-derived: every variable
(weights, optimizer slots, dropout seed states), the early-stopping state
and best weights, and the batch plan, which depends only on (seed, epoch).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.schema import TrainConfig
from ..errors import ConfigError
from .data import Examples, steps_per_epoch, training_dataset

logger = logging.getLogger(__name__)

__all__ = ["CHECKPOINT_DIR", "HISTORY_FILE", "LOG_DIR", "FitResult", "fit_keras"]

CHECKPOINT_DIR = "checkpoints"
HISTORY_FILE = "history.json"
LOG_DIR = "logs"


@dataclass
class FitResult:
    """What happened in training, for the run's metrics and report."""

    history: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    epochs_run: int = 0
    stopped_early: bool = False
    timed_out: bool = False
    seconds: float = 0.0
    tokens_per_second: float = 0.0
    resumed_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "stopped_early": self.stopped_early,
            "timed_out": self.timed_out,
            "train_seconds": round(self.seconds, 3),
            "train_tokens_per_second": round(self.tokens_per_second, 1),
            "resumed_from_epoch": self.resumed_from,
        }


def fit_keras(
    model: Any,
    *,
    train: Examples,
    evaluate_dev: Callable[[], dict[str, float]] | None,
    train_cfg: TrainConfig,
    run_dir: Path,
    monitor: str,
    mode: str,
    metrics: Sequence[str] = (),
    resume: bool = False,
    progress: bool = True,
    extra_callbacks: Sequence[Any] = (),
    tensorboard: bool = True,
) -> FitResult:
    """Train a compiled Keras ``model`` on ``train``; leave it holding the best dev weights.

    ``monitor`` is a dev metric name without the ``val_`` prefix (e.g.
    ``macro_f1``), watched in direction ``mode`` ("max" or "min"); ``metrics``
    lists what ``evaluate_dev`` returns, to check ``monitor`` before training.
    Without a dev evaluator the training loss is watched.
    """
    import keras

    from .callbacks import (
        Checkpoint,
        DevMetrics,
        EarlyStoppingState,
        HistoryLog,
        Progress,
        TimeBudget,
        load_checkpoint,
        restore_checkpoint,
    )

    run_dir = Path(run_dir)
    if metrics and evaluate_dev is not None and monitor not in metrics:
        raise ConfigError(
            f"train.monitor: '{monitor}' is not a dev metric of this head",
            hint=f"use one of: {', '.join(metrics)}",
        )
    watch = f"val_{monitor}" if evaluate_dev is not None else "loss"
    if evaluate_dev is None:
        mode = "min"
    early = EarlyStoppingState(watch, mode, train_cfg.patience)
    ckpt_dir = run_dir / CHECKPOINT_DIR
    state = load_checkpoint(ckpt_dir) if resume else None
    first_epoch = 0
    history: list[dict[str, Any]] = []
    elapsed_before = 0.0
    result = FitResult()
    if resume and state is None:
        logger.warning("--resume: no checkpoint in %s; training from the start", ckpt_dir)
    if state is not None:
        restore_checkpoint(model, ckpt_dir, state, early)
        first_epoch = int(state["next_epoch"])
        history = HistoryLog.read(run_dir / HISTORY_FILE)
        elapsed_before = float(state.get("elapsed_seconds", 0.0))
        result.resumed_from = first_epoch
        logger.info("resuming after epoch %d from %s", first_epoch, ckpt_dir)
    budget = TimeBudget(train_cfg.max_minutes, elapsed_before)
    steps = steps_per_epoch(len(train), train_cfg.batch_size)
    callbacks: list[Any] = []
    if evaluate_dev is not None:
        callbacks.append(DevMetrics(evaluate_dev))
    callbacks += [early, budget, Checkpoint(ckpt_dir, early, budget), HistoryLog(run_dir / HISTORY_FILE, history)]
    callbacks += list(extra_callbacks)
    if tensorboard:
        callbacks.append(
            keras.callbacks.TensorBoard(
                log_dir=str(run_dir / LOG_DIR), histogram_freq=0, write_graph=False, update_freq="epoch", profile_batch=0
            )
        )
    callbacks.append(Progress(enabled=progress, steps=steps, monitor=watch, early=early))

    finished = state is not None and (state.get("stopped_early") or first_epoch >= train_cfg.epochs)
    start = time.perf_counter()
    if finished:
        logger.info("the checkpoint is already at the end of training (epoch %d); nothing left to train", first_epoch)
        if early._pending and early._pending.get("best_weights") is not None:
            model.set_weights(early._pending["best_weights"])
        es = (early._pending or {})
        result.best_epoch = int(es.get("best_epoch", 0)) + 1
        result.stopped_early = bool(state.get("stopped_early"))
    else:
        data = training_dataset(train, train_cfg.batch_size, seed=train_cfg.seed, first_epoch=first_epoch, last_epoch=train_cfg.epochs)
        model.fit(
            data,
            epochs=train_cfg.epochs,
            initial_epoch=first_epoch,
            steps_per_epoch=steps,
            callbacks=callbacks,
            shuffle=False,  # the batch plan is already shuffled, per (seed, epoch)
            verbose=0,
        )
        result.best_epoch = int(early.best_epoch) + 1
        result.stopped_early = early.stopped_epoch > 0
        result.timed_out = budget.exhausted
    result.seconds = time.perf_counter() - start
    result.history = HistoryLog.read(run_dir / HISTORY_FILE)
    result.epochs_run = len(result.history)
    trained_epochs = max(0, result.epochs_run - first_epoch)
    train_time = sum(r.get("seconds", 0.0) - r.get("dev_seconds", 0.0) for r in result.history[first_epoch:])
    if trained_epochs and train_time:
        result.tokens_per_second = train.tokens * trained_epochs / train_time
    return result
