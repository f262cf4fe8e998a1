"""``train.strategy`` → a ``tf.distribute`` strategy; we never write our own.

* ``default``: TensorFlow's default strategy (one device: the first GPU, else
  the CPU). ``strategy.scope()`` is then a no-op, so the trainer can always
  build and compile the model inside it.
* ``mirrored``: :class:`tf.distribute.MirroredStrategy` over every GPU of this
  machine (synchronous data parallelism, one model copy per GPU). Without GPUs
  it mirrors over the logical CPU devices when there are several (set
  ``ILLM_CPU_DEVICES=N`` to split the CPU into N logical devices, which is
  how the tests exercise the multi-replica code path on a CPU-only machine),
  else over the one CPU.
* ``multi-worker``: :class:`tf.distribute.MultiWorkerMirroredStrategy` across
  machines described by the ``TF_CONFIG`` environment variable (the same
  pipeline file runs on every worker; ``task.index`` 0 is the chief, which
  writes the run directory).

**Batch size is global.** ``train.batch_size`` is the number of examples per
optimiser step summed over all replicas: with ``batch_size: 64`` and 4 GPUs
each replica sees 16 examples a step. So a pipeline file gives the same
optimisation (same steps per epoch, same learning-rate meaning) whatever the
strategy; to use bigger GPUs fully, raise ``batch_size`` (and perhaps the
learning rate) explicitly. :func:`per_replica_batch_size` says what each
replica gets, and warns when the batch does not divide evenly.

TensorFlow is imported only when a strategy is asked for.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ..errors import ConfigError, RunError, did_you_mean

logger = logging.getLogger(__name__)

__all__ = ["STRATEGIES", "configure_cpu_devices", "get_strategy", "is_chief", "per_replica_batch_size", "read_tf_config"]

STRATEGIES = ("default", "mirrored", "multi-worker")
#: environment variable: split the CPU into this many logical devices before TensorFlow starts.
CPU_DEVICES_ENV = "ILLM_CPU_DEVICES"

_CACHED: dict[str, Any] = {}


def configure_cpu_devices(n: int) -> bool:
    """Split the physical CPU into ``n`` logical devices (only before TensorFlow initialises).

    Returns False (with a warning) when TensorFlow has already started and the
    configuration can no longer change.
    """
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * n)
    except RuntimeError as exc:
        current = len(tf.config.list_logical_devices("CPU"))
        if current != n:
            logger.warning("cannot split the CPU into %d logical devices (%s); %d in use", n, exc, current)
            return False
    return True


def read_tf_config(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The parsed ``TF_CONFIG`` for multi-worker training, checked for the parts TensorFlow needs."""
    env = os.environ if environ is None else environ
    raw = env.get("TF_CONFIG")
    example = '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
    if not raw:
        raise ConfigError(
            "train.strategy: 'multi-worker' needs the TF_CONFIG environment variable (the cluster and this "
            "machine's place in it), but it is not set",
            hint=f"on each machine set TF_CONFIG='{example}' with its own task.index (0 = chief), "
            "or use strategy 'mirrored' for the GPUs of one machine",
        )
    try:
        cfg = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TF_CONFIG is not valid JSON ({exc.msg} at char {exc.pos}): {raw[:200]!r}",
                          hint=f"it should look like {example}") from None
    workers = cfg.get("cluster", {}).get("worker") if isinstance(cfg, dict) else None
    task = cfg.get("task") if isinstance(cfg, dict) else None
    if not isinstance(workers, list) or not workers:
        raise ConfigError(f"TF_CONFIG: 'cluster.worker' must be a non-empty list of host:port (got {workers!r})",
                          hint=f"it should look like {example}")
    if not isinstance(task, dict) or task.get("type") not in ("worker", "chief") or not isinstance(task.get("index"), int):
        raise ConfigError(f"TF_CONFIG: 'task' must be {{\"type\": \"worker\", \"index\": N}} (got {task!r})",
                          hint=f"it should look like {example}")
    if task["type"] == "worker" and not 0 <= task["index"] < len(workers):
        raise ConfigError(f"TF_CONFIG: task.index {task['index']} is outside cluster.worker (0..{len(workers) - 1})",
                          hint="give each machine its own index, counting from 0")
    return cfg


def is_chief(environ: dict[str, str] | None = None) -> bool:
    """True on the machine that should write files: no TF_CONFIG, the chief, or worker 0 without a chief."""
    env = os.environ if environ is None else environ
    if not env.get("TF_CONFIG"):
        return True
    cfg = json.loads(env["TF_CONFIG"])
    task = cfg.get("task", {})
    if "chief" in cfg.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and task.get("index", 0) == 0


def get_strategy(name: str = "default") -> Any:
    """The ``tf.distribute.Strategy`` for ``train.strategy``; build and compile the model in its ``scope()``.

    The same strategy object is returned for the same name within a process:
    TensorFlow allows only one multi-worker strategy per process, and
    re-creating a mirrored one costs device set-up each time.
    """
    if name not in STRATEGIES:
        raise ConfigError(f"train.strategy: unknown strategy '{name}'.{did_you_mean(name, STRATEGIES)}",
                          hint=f"choose one of: {', '.join(STRATEGIES)}")
    if name in _CACHED:
        return _CACHED[name]
    if name == "mirrored":
        n = os.environ.get(CPU_DEVICES_ENV)
        if n:
            try:
                configure_cpu_devices(int(n))
            except ValueError:
                raise ConfigError(f"{CPU_DEVICES_ENV}={n!r}: expected a whole number of devices", hint=f"e.g. {CPU_DEVICES_ENV}=2") from None
    if name == "multi-worker":
        read_tf_config()
    import tensorflow as tf

    if name == "default":
        strategy = tf.distribute.get_strategy()
    elif name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        if gpus:
            strategy = tf.distribute.MirroredStrategy()
        else:
            cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
            # NCCL all-reduce is GPU-only; on CPUs reduce on one device.
            strategy = tf.distribute.MirroredStrategy(devices=cpus, cross_device_ops=tf.distribute.ReductionToOneDevice())
    else:
        try:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        except (RuntimeError, ValueError) as exc:
            raise RunError(f"train.strategy 'multi-worker': TensorFlow could not join the cluster in TF_CONFIG: {exc}",
                           hint="check that every worker in TF_CONFIG is reachable and started with the same pipeline") from None
    logger.info("train.strategy %s: %s with %d replica(s)", name, type(strategy).__name__, strategy.num_replicas_in_sync)
    _CACHED[name] = strategy
    return strategy


def per_replica_batch_size(batch_size: int, strategy: Any) -> int:
    """What each replica gets of the global ``batch_size``; warns when it does not divide evenly."""
    replicas = int(getattr(strategy, "num_replicas_in_sync", 1) or 1)
    if batch_size % replicas:
        logger.warning(
            "train.batch_size %d is global and does not divide evenly over %d replicas; "
            "some replicas get one example more per step", batch_size, replicas,
        )
    if batch_size < replicas:
        raise ConfigError(f"train.batch_size {batch_size} is smaller than the {replicas} replicas of the strategy",
                          hint=f"train.batch_size is global: use at least {replicas} (a multiple of it is best)")
    return max(1, batch_size // replicas)
