"""Registries: schema from signatures, listing, plug-ins through entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from illm_nlp.errors import ConfigError, UnknownNameError
from illm_nlp.registry import Registry, all_registries, stages

from . import _stages  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def test_registry_options_come_from_the_signature():
    entry = stages.get("test.tag.v1")
    opts = {o.name: o for o in entry.options}
    assert list(opts) == ["label", "times", "mode"]
    assert opts["times"].type == "int" and opts["times"].default == 1 and opts["times"].description == "how often"
    assert opts["mode"].type == "'plain' | 'drop-short' | 'boom'"
    assert entry.summary == "Split on spaces and append a label token (test only)."


def test_registry_validate_fills_defaults_and_refuses_unknown():
    entry = stages.get("test.tag.v1")
    assert entry.validate({"times": "3"}, "here") == {"label": "x", "times": 3, "mode": "plain"}
    with pytest.raises(ConfigError, match="here.lable: unknown option 'lable'. Did you mean 'label'"):
        entry.validate({"lable": "y"}, "here")


def test_registry_unknown_name_suggests():
    with pytest.raises(UnknownNameError, match="Did you mean 'test.tag.v1'"):
        stages.get("test.tab.v1")


def test_registry_refuses_a_second_factory_under_one_name():
    reg = Registry("things")
    reg.register("a.v1")(lambda: 1)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("a.v1")(lambda: 2)


def test_registry_every_name_is_versioned():
    for reg in all_registries():
        for name in reg.names():
            if name.startswith("test."):
                continue
            assert name.rsplit(".", 1)[-1].startswith("v") and name.rsplit(".", 1)[-1][1:].isdigit(), name


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """Install the tiny plug-in package from tests/plugin into a private site folder."""
    target = tmp_path_factory.mktemp("site")
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
           "--target", str(target), str(REPO / "tests" / "plugin")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return target


def _illm(args: list[str], site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO)]))
    return subprocess.run([sys.executable, "-m", "illm_nlp", *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_registry_plugin_stage_is_listed_and_runs_from_a_pipeline(plugin_site, tmp_path):
    listed = _illm(["stages", "plugin.affix.v1", "--json"], plugin_site, tmp_path)
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["summary"] == "Prefix each document's text (a plug-in example)."
    assert [o["name"] for o in row["options"]] == ["prefix", "upper"]

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("hello world\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text(
        "corpus: {reader: folder.v1, path: docs}\n"
        "stages:\n  - stage: plugin.affix.v1\n    prefix: '>> '\n    upper: true\n"
        "output: {path: out.jsonl}\n",
        encoding="utf-8",
    )
    ran = _illm(["run", "p.yaml", "--workers", "1", "--no-progress"], plugin_site, tmp_path)
    assert ran.returncode == 0, ran.stderr
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert record["text"].startswith(">> HELLO WORLD")

    bad = _illm(["validate", "p.yaml", "--set", "stages.0.prefix="], plugin_site, tmp_path)
    assert bad.returncode == 2 and "stages[0].prefix" in bad.stderr
