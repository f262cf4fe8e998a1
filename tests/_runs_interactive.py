"""Tiny real runs for the chat and serve tests, trained once per test session with `illm train`.

Each run is trained into the session's temporary folder the first time a test
asks for it and reused by later tests (and modules) of the same session.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / "corpora"

CLASSIFY_YAML = """
version: 1
corpus:
  reader: folder.v1
  path: {corpora}/movie-sentences/train.jsonl
  label_from: field
stages:
  - stage: nltk.clean.v1
    split_sentences: false
model:
  stage: keras.rnn.v1
  cell: gru
  units: 8
  embedding_dim: 8
  pooling: max
  max_vocab: 2000
head:
  stage: head.classify.v1
train:
  epochs: 2
  batch_size: 32
  learning_rate: 0.01
  seed: 7
  patience: 0
"""

GENERATE_YAML = """
version: 1
corpus:
  reader: folder.v1
  path: {corpora}/austen
  include: ["*.txt"]
  unit: paragraph
head:
  stage: head.generate.v1
  level: word
  units: 24
  embedding_dim: 16
  sequence_length: 16
  max_vocab: 800
  min_count: 1
  max_length: 12
  temperature: 0.8
train:
  epochs: 2
  batch_size: 32
  learning_rate: 0.01
  seed: 7
  patience: 0
"""

DIALOGUE_YAML = """
version: 1
corpus:
  reader: conversations.v1
  path: {corpora}/chatterbot/conversations.jsonl
  context_turns: 1
head:
  stage: head.seq2seq.v1
  task: translate
  source_language: english
  target_language: english
  shared_vocab: true
  source_vocab: 800
  target_vocab: 800
  max_source_length: 30
  max_target_length: 12
  embedding_dim: 16
  hidden: 16
  cell: gru
  beam: 1
  dev_documents: 0
train:
  epochs: 1
  batch_size: 32
  learning_rate: 0.01
  seed: 7
  patience: 0
"""

RUNS = {"classify": CLASSIFY_YAML, "generate": GENERATE_YAML, "dialogue": DIALOGUE_YAML}


def trained_run(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The run directory of the tiny ``name`` pipeline, trained with the real `illm train` on first use."""
    from illm_nlp.cli import main

    base = tmp_path_factory.getbasetemp() / "interactive-runs"
    run_dir = base / name
    if (run_dir / "manifest.json").exists():
        return run_dir
    base.mkdir(parents=True, exist_ok=True)
    pipeline = base / f"{name}.yaml"
    pipeline.write_text(RUNS[name].format(corpora=CORPORA), encoding="utf-8")
    try:
        main(["train", str(pipeline), "--output", str(run_dir), "--no-progress", "--overwrite"])
    except SystemExit as exc:
        if exc.code not in (0, None):
            pytest.fail(f"illm train {name} failed with exit code {exc.code}")
    assert (run_dir / "manifest.json").exists()
    return run_dir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`illm serve` in a subprocess on a free loopback port; stopped by its own pid."""

    def __init__(self, run_dir: Path, *args: str, timeout: float = 90.0) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = run_dir.parent / f"serve-{self.port}.log"
        self._log_fh = open(self.log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "illm_nlp", "serve", str(run_dir), "--port", str(self.port), "--no-access-log", *args],
            stdout=self._log_fh, stderr=subprocess.STDOUT, cwd=REPO,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # bounded: a server that never comes up fails the test
            if self.proc.poll() is not None:
                raise AssertionError(f"illm serve exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"illm serve did not answer /health within {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log_fh.close()
