"""Small real training sets and pipelines shared by the training tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

TINY_MODEL = """
model:
  stage: keras.rnn.v1
  cell: {cell}
  units: 8
  embedding_dim: 8
  bidirectional: {bidirectional}
  pooling: {pooling}
  dropout: 0.1
  max_vocab: 2000
"""


def movie_sample(shared_data: Path, tmp: Path, n_train: int = 240, n_dev: int = 80) -> tuple[Path, Path]:
    """The first sentences of the real movie-sentences splits, as jsonl files."""
    src = shared_data / "classification" / "movie-sentences"
    out = tmp / "movie"
    out.mkdir(parents=True, exist_ok=True)
    for name, n in (("train", n_train), ("dev", n_dev)):
        lines = (src / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[:n]
        (out / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "train.jsonl", out / "dev.jsonl"


def grain_sample(shared_data: Path, tmp: Path, per_label: int = 30) -> Path:
    """A few real Reuters documents in one sub-folder per label."""
    src = shared_data / "classification" / "reuters-grain" / "train"
    out = tmp / "grain"
    for label in ("grain", "other"):
        (out / label).mkdir(parents=True, exist_ok=True)
        for f in sorted((src / label).glob("*.txt"))[:per_label]:
            shutil.copy(f, out / label / f.name)
    return out


def pipeline_text(*, epochs: int = 3, cell: str = "gru", pooling: str = "max", bidirectional: bool = False,
                  head: str = "", train: str = "", stages: bool = True) -> str:
    """A tiny classification pipeline (real NLTK cleaning, a few-unit RNN)."""
    text = "version: 1\n"
    if stages:
        text += "stages:\n  - stage: nltk.clean.v1\n"
    text += TINY_MODEL.format(cell=cell, pooling=pooling, bidirectional=str(bidirectional).lower())
    text += "head:\n  stage: head.classify.v1\n" + "".join(f"  {line}\n" for line in head.splitlines() if line.strip())
    text += f"train:\n  epochs: {epochs}\n  batch_size: 32\n  learning_rate: 0.01\n  seed: 7\n  patience: 0\n"
    text += "".join(f"  {line}\n" for line in train.splitlines() if line.strip())
    return text


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
