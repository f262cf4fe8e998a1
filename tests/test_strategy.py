"""train.strategy → tf.distribute: names, TF_CONFIG checks, and mirrored training on two logical CPUs.

The mirrored test runs in a subprocess: the CPU can be split into logical
devices only before TensorFlow initialises, which other tests in this process
may already have done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from illm_nlp.errors import ConfigError
from illm_nlp.training.strategy import get_strategy, is_chief, per_replica_batch_size, read_tf_config

GOOD_TF_CONFIG = {"cluster": {"worker": ["h1:2222", "h2:2222"]}, "task": {"type": "worker", "index": 1}}


def test_strategy_unknown_name_suggests_the_right_one() -> None:
    with pytest.raises(ConfigError) as info:
        get_strategy("mirored")
    assert "'mirored'" in info.value.message and "Did you mean 'mirrored'" in info.value.message
    assert "default, mirrored, multi-worker" in (info.value.hint or "")


def test_strategy_multi_worker_without_tf_config_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ConfigError) as info:
        get_strategy("multi-worker")
    assert "TF_CONFIG" in info.value.message and "task.index" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}), "non-empty list"),
        (json.dumps({"cluster": {"worker": ["h1:1"]}, "task": {"type": "ps", "index": 0}}), "'task' must be"),
        (json.dumps({"cluster": {"worker": ["h1:1"]}, "task": {"type": "worker", "index": 3}}), "task.index 3 is outside"),
    ],
)
def test_strategy_tf_config_errors_name_the_problem(raw: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_tf_config({"TF_CONFIG": raw})
    assert expected in info.value.message


def test_strategy_tf_config_good_is_parsed() -> None:
    cfg = read_tf_config({"TF_CONFIG": json.dumps(GOOD_TF_CONFIG)})
    assert cfg["task"]["index"] == 1 and len(cfg["cluster"]["worker"]) == 2


@pytest.mark.parametrize(
    ("tf_config", "chief"),
    [
        (None, True),
        ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}, True),
        (GOOD_TF_CONFIG, False),
        ({"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}, False),
        ({"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}, True),
    ],
)
def test_strategy_is_chief(tf_config: dict | None, chief: bool) -> None:
    env = {} if tf_config is None else {"TF_CONFIG": json.dumps(tf_config)}
    assert is_chief(env) is chief


@pytest.mark.parametrize(("batch", "replicas", "each"), [(64, 1, 64), (64, 2, 32), (30, 4, 7)])
def test_strategy_batch_size_is_global(batch: int, replicas: int, each: int) -> None:
    assert per_replica_batch_size(batch, SimpleNamespace(num_replicas_in_sync=replicas)) == each


def test_strategy_batch_smaller_than_replicas_is_refused() -> None:
    with pytest.raises(ConfigError, match="smaller than the 4 replicas"):
        per_replica_batch_size(2, SimpleNamespace(num_replicas_in_sync=4))


# The same tiny sentiment classifier trained under the default strategy and
# under MirroredStrategy over two logical CPUs, on real movie sentences.
_MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from collections import Counter
    os.environ["ILLM_CPU_DEVICES"] = "2"
    from illm_nlp.training.strategy import get_strategy
    mirrored = get_strategy("mirrored")   # splits the CPU before TensorFlow starts
    import numpy as np, tensorflow as tf, keras

    data = sys.argv[1]
    def load(name, n):
        rows = [json.loads(l) for l in open(os.path.join(data, name), encoding="utf-8")][:n]
        return [r["text"].lower().split() for r in rows], np.array([r["label"] == "pos" for r in rows], "float32")
    train_x, train_y = load("train.jsonl", 4000)
    dev_x, dev_y = load("dev.jsonl", 1057)
    vocab = {w: i + 2 for i, (w, _) in enumerate(Counter(w for t in train_x for w in t).most_common(5000))}
    def encode(texts, n=40):
        out = np.zeros((len(texts), n), "int32")
        for i, t in enumerate(texts):
            ids = [vocab.get(w, 1) for w in t][:n]
            out[i, :len(ids)] = ids
        return out
    xt, xd = encode(train_x), encode(dev_x)

    def train(strategy):
        keras.utils.set_random_seed(13)
        with strategy.scope():
            model = keras.Sequential([
                keras.Input((40,), dtype="int32"),
                keras.layers.Embedding(len(vocab) + 2, 32, mask_zero=True),
                keras.layers.GlobalAveragePooling1D(),
                keras.layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer=keras.optimizers.Adam(5e-3), loss="binary_crossentropy", metrics=["accuracy"])
        ds = tf.data.Dataset.from_tensor_slices((xt, train_y)).shuffle(4000, seed=13).batch(64)  # global batch
        model.fit(ds, epochs=4, verbose=0)
        return float(model.evaluate(xd, dev_y, verbose=0)[1])

    result = {
        "replicas": mirrored.num_replicas_in_sync,
        "devices": list(mirrored.extended.worker_devices),
        "default": train(get_strategy("default")),
        "mirrored": train(mirrored),
    }
    print("RESULT " + json.dumps(result))
    """
)


def test_strategy_mirrored_two_cpus_trains_like_default(shared_data: Path, tmp_path: Path) -> None:
    script = tmp_path / "mirrored.py"
    script.write_text(_MIRRORED_SCRIPT, encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(
        [sys.executable, str(script), str(shared_data / "classification" / "movie-sentences")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["replicas"] == 2 and len(result["devices"]) == 2
    # Learned something real (majority class on dev is 0.53) ...
    assert result["default"] > 0.62, result
    # ... and the two strategies reach the same quality.
    assert abs(result["mirrored"] - result["default"]) < 0.04, result


@pytest.mark.slow
def test_strategy_illm_train_mirrored_matches_default(shared_data: Path, tmp_path: Path) -> None:
    """`illm train --set train.strategy=mirrored` over two logical CPUs: two replicas, same quality as default."""
    from ._train_helpers import movie_sample, pipeline_text

    train, dev = movie_sample(shared_data, tmp_path, n_train=1200, n_dev=300)
    pipeline = tmp_path / "classify.yaml"
    pipeline.write_text(pipeline_text(epochs=3), encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "", "ILLM_CPU_DEVICES": "2"}
    illm = Path(sys.executable).with_name("illm")
    accuracy = {}
    for strategy in ("default", "mirrored"):
        run = tmp_path / strategy
        proc = subprocess.run(
            [str(illm), "train", str(pipeline), "-o", str(run), "--train", str(train), "--dev", str(dev), "--no-progress",
             "--set", f"train.strategy={strategy}"],
            capture_output=True, text=True, env=env, timeout=600, check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        if strategy == "mirrored":
            assert "MirroredStrategy with 2 replica(s)" in proc.stderr
        accuracy[strategy] = json.loads((run / "metrics.json").read_text())["dev"]["accuracy"]
    assert accuracy["default"] > 0.6, accuracy
    assert abs(accuracy["mirrored"] - accuracy["default"]) < 0.05, accuracy
