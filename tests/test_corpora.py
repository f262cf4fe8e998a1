"""The bundled samples in corpora/: documented, small, readable without skips, and cut as their READMEs say."""

from __future__ import annotations

import filecmp
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from illm_nlp.document import Doc
from illm_nlp.registry import readers

CORPORA = Path(__file__).resolve().parents[1] / "corpora"
SAMPLES = sorted(p.name for p in CORPORA.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))

#: (reader, options relative to corpora/, documents expected)
READINGS = [
    ("austen", "folder.v1", {"path": "austen", "include": ["*.txt"], "unit": "paragraph"}, 132),
    ("movie-sentences", "folder.v1", {"path": "movie-sentences/train.jsonl", "label_from": "field"}, 400),
    ("movie-sentences", "folder.v1", {"path": "movie-sentences/test.jsonl", "label_from": "field"}, 100),
    ("reuters-grain", "folder.v1", {"path": "reuters-grain/train", "label_from": "folder"}, 90),
    ("reuters-grain", "folder.v1", {"path": "reuters-grain/test", "label_from": "folder"}, 30),
    ("de-en", "pairs.v1", {"path": "de-en/train.tsv", "source_lang": "de", "target_lang": "en"}, 500),
    ("de-en", "pairs.v1", {"path": "de-en/test.tsv", "source_lang": "de", "target_lang": "en"}, 100),
    ("debian-descriptions", "pairs.v1", {"path": "debian-descriptions/train.jsonl", "source_field": "text",
                                         "target_field": "summary"}, 300),
    ("debian-descriptions", "pairs.v1", {"path": "debian-descriptions/test.jsonl", "source_field": "text",
                                         "target_field": "summary"}, 50),
    ("chatterbot", "folder.v1", {"path": "chatterbot/conversations.jsonl", "text_field": "turns",
                                 "label_from": "field", "label_field": "topic"}, 156),
]


def test_corpora_has_the_samples_the_docs_promise():
    assert {"austen", "movie-sentences", "reuters-grain", "de-en", "debian-descriptions", "chatterbot"} <= set(SAMPLES)


@pytest.mark.parametrize("name", SAMPLES)
def test_corpora_readme_names_source_licence_and_cut(name: str):
    readme = CORPORA / name / "README.md"
    assert readme.is_file(), f"corpora/{name} has no README.md"
    text = readme.read_text(encoding="utf-8")
    for heading in ("## Source", "## Licence", "## How the sample was cut"):
        assert heading in text, f"corpora/{name}/README.md lacks '{heading}'"
    licence = text.split("## Licence", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"MIT|BSD|GPL|public domain|research|licen[cs]e", licence, re.IGNORECASE), "the licence section names no licence"
    assert "make_samples.py" in text


def test_corpora_stay_small():
    total = sum(f.stat().st_size for f in CORPORA.rglob("*") if f.is_file())
    assert total < 2 * 1024 * 1024, f"corpora/ holds {total / 1e6:.1f} MB; keep it under 2 MB"


@pytest.mark.parametrize("sample, reader, options, count", READINGS, ids=[f"{r[0]}:{r[2]['path']}" for r in READINGS])
def test_corpora_read_without_skips(sample, reader, options, count):
    options = {**options, "path": str(CORPORA / options["path"]), "on_error": "fail"}
    built = readers.build(reader, options, f"corpora/{sample}")
    built.check()
    items = list(built)
    assert all(isinstance(i, Doc) for i in items)
    assert len(items) == count
    assert all(d.text.strip() for d in items)
    if options.get("label_from", "none") != "none":
        assert all(d.label for d in items)
        assert len({d.label if isinstance(d.label, str) else tuple(d.label) for d in items}) >= 2
    if reader == "pairs.v1":
        assert all(d.target and d.target.strip() for d in items)


def test_corpora_chatterbot_reads_as_conversations():
    if "conversations.v1" not in readers:
        pytest.skip("conversations.v1 is not registered")
    built = readers.build("conversations.v1", {"path": str(CORPORA / "chatterbot" / "conversations.jsonl")}, "corpus")
    items = list(built)
    assert items and all(isinstance(i, Doc) for i in items)


def test_corpora_austen_keeps_the_source_layout():
    for novel in ("pride-and-prejudice.txt", "persuasion.txt"):
        text = (CORPORA / "austen" / novel).read_text(encoding="utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n")
        paragraphs = text.rstrip("\n").split("\n\n")
        assert all(p and "\n" not in p for p in paragraphs), "one paragraph per line, blank-line separated"
        assert "Chapter 1" in paragraphs


def test_corpora_are_cut_as_the_readmes_say(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("make_samples", CORPORA / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no __pycache__ inside corpora/
    spec.loader.exec_module(module)
    module.make_all(shared_data, tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(CORPORA) for p in CORPORA.rglob("*") if p.is_file() and p.suffix != ".md"
                     and p.name != "make_samples.py" and "__pycache__" not in p.parts)
    assert made == shipped
    for rel in made:
        assert filecmp.cmp(tmp_path / rel, CORPORA / rel, shallow=False), f"corpora/{rel} differs from a fresh cut"
