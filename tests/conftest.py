"""Shared test set-up: offline NLTK data, the shared corpora, tiny helpers.

Tests never download: NLTK_DATA points at ../shared/nltk_data when it exists
(as on our machines and in CI); tests that need the big shared corpora skip
with a clear reason when ../shared is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
CORPORA = REPO / "corpora"

if (SHARED / "nltk_data").is_dir() and "NLTK_DATA" not in os.environ:
    os.environ["NLTK_DATA"] = str(SHARED / "nltk_data")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture
def shared_data() -> Path:
    """The real corpora beside the repo (skips when they are not there)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the repo")
    return SHARED_DATA


@pytest.fixture
def corpora() -> Path:
    return CORPORA


@pytest.fixture
def write_pipeline(tmp_path: Path):
    """Write a pipeline YAML text to a file and return its path."""

    def _write(text: str, name: str = "pipeline.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
