"""Pipeline files: validation errors, interpolation and --set overrides."""

from __future__ import annotations

import pytest

from illm_nlp.config import apply_overrides, interpolate, load_config, parse_override
from illm_nlp.errors import ConfigError, UnknownNameError

from . import _stages  # noqa: F401  (registers test.tag.v1)

GOOD = """
vars:
  label: END
  n: 2
stages:
  - stage: test.tag.v1
    name: tagger
    label: ${vars.label}
    times: ${vars.n}
output:
  path: out/${vars.label}.jsonl
train:
  epochs: 4
"""


def test_config_loads_and_interpolates_keeping_types(write_pipeline):
    cfg = load_config(write_pipeline(GOOD))
    stage = cfg.stages[0]
    assert stage.factory == "test.tag.v1" and stage.name == "tagger"
    assert stage.options == {"label": "END", "times": 2}
    assert cfg.output.path == "out/END.jsonl"
    assert cfg.train.epochs == 4 and cfg.train.batch_size == 32
    assert cfg.resolved["stages"][0]["times"] == 2


@pytest.mark.parametrize(
    ("override", "check"),
    [
        ("train.epochs=3", lambda c: c.train.epochs == 3),
        ("stages.0.times=5", lambda c: c.stages[0].options["times"] == 5),
        ("stages[0].label=Z", lambda c: c.stages[0].options["label"] == "Z"),
        ("stages.tagger.label=Q", lambda c: c.stages[0].options["label"] == "Q"),
        ("vars.label=NEW", lambda c: c.output.path == "out/NEW.jsonl"),
        ("output.path=-", lambda c: c.output.path == "-"),
    ],
)
def test_config_set_overrides(write_pipeline, override, check):
    assert check(load_config(write_pipeline(GOOD), [override]))


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("stgaes: []\n", ["unknown section 'stgaes'", "Did you mean 'stages'"]),
        ("stages:\n  - stage: test.tga.v1\n", ["stages[0].stage", "unknown stage 'test.tga.v1'", "Did you mean 'test.tag.v1'"]),
        ("stages:\n  - stage: test.tag.v1\n    tiems: 2\n", ["stages[0].tiems", "unknown option 'tiems'", "Did you mean 'times'"]),
        ("stages:\n  - stage: test.tag.v1\n    times: many\n", ["stages[0].times", "'many'", "integer"]),
        ("stages:\n  - stage: test.tag.v1\n    times: 0\n", ["stages[0].times", "greater than 0"]),
        ("stages:\n  - stage: test.tag.v1\n    mode: loud\n", ["stages[0].mode", "'loud'", "'plain'"]),
        ("stages:\n  - times: 2\n", ["stages[0]", "missing 'stage'"]),
        ("stages: {stage: test.tag.v1}\n", ["stages: expected a list"]),
        ("train:\n  epochs: -1\n", ["train.epochs", "greater than 0"]),
        ("train:\n  epoch: 3\n", ["train.epoch", "Did you mean 'epochs'"]),
        ("output:\n  format: xml\n", ["output.format", "'xml'"]),
        ("stages:\n  - stage: test.tag.v1\n    label: ${vars.nope}\n", ["stages[0].label", "${vars.nope}", "no key 'vars'"]),
        ("vars: {a: '${vars.b}', b: '${vars.a}'}\nstages: []\n", ["refers to itself"]),
        ("stages: [\n", ["not valid YAML", "line"]),
        ("", ["empty"]),
        ("- just\n- a list\n", ["top level must be a mapping"]),
        ("version: 9\n", ["version", "9"]),
    ],
)
def test_config_errors_name_file_key_value(write_pipeline, text, needles):
    path = write_pipeline(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message or "refers to itself" in message or "--set" in message
    for needle in needles:
        assert needle in message, message


def test_config_unknown_stage_is_its_own_error(write_pipeline):
    with pytest.raises(UnknownNameError) as info:
        load_config(write_pipeline("stages:\n  - stage: nope.v1\n"))
    assert info.value.code == "E102" and "illm stages" in str(info.value)


def test_config_missing_file_and_folder(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("train.epochs", "expected KEY.PATH=VALUE"),
        ("stages.5.times=1", "index 5 is out of range"),
        ("stages.tagr.times=1", "Did you mean 'tagger'"),
        ("trian.epochs=1", "Did you mean 'train'"),
        ("vars.label.x=1", "not a section"),
    ],
)
def test_config_bad_overrides(write_pipeline, override, needle):
    with pytest.raises(ConfigError) as info:
        load_config(write_pipeline(GOOD), [override])
    assert needle in str(info.value)


def test_config_override_values_are_yaml():
    assert parse_override("a.b=3") == (["a", "b"], 3)
    assert parse_override("a.b=[1, 2]") == (["a", "b"], [1, 2])
    assert parse_override("a.b=true") == (["a", "b"], True)
    assert parse_override("a.b=some/path") == (["a", "b"], "some/path")
    assert parse_override("a=") == (["a"], "")


def test_config_apply_overrides_does_not_touch_input():
    data = {"train": {"epochs": 1}}
    out = apply_overrides(data, ["train.epochs=2"])
    assert data["train"]["epochs"] == 1 and out["train"]["epochs"] == 2


def test_config_interpolate_inside_strings_and_lists():
    data = {"vars": {"a": "x", "n": 3}, "list": ["${vars.a}-${vars.n}", "${vars.n}"]}
    assert interpolate(data)["list"] == ["x-3", 3]


def test_config_resolved_pipeline_round_trips(write_pipeline, tmp_path):
    cfg = load_config(write_pipeline(GOOD), ["train.epochs=7"])
    again = tmp_path / "again.yaml"
    again.write_text(cfg.to_yaml(), encoding="utf-8")
    cfg2 = load_config(again)
    assert cfg2.train.epochs == 7 and cfg2.stages[0].options == cfg.stages[0].options
