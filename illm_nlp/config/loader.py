"""Read a pipeline file: YAML → overrides → ``${...}`` interpolation → typed, validated config.

Errors always name the file, the key path (``stages[1].language``), the value
and what was expected, with "did you mean" for misspelt keys and names.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ConfigError, did_you_mean
from ..registry import Registry, format_validation_error, heads, models, readers, stages
from .schema import ComponentConfig, OutputConfig, PipelineConfig, TrainConfig

TOP_KEYS = ("version", "description", "vars", "corpus", "stages", "output", "train", "model", "head")
#: section -> (key that names the factory, registry)
COMPONENT_SECTIONS: dict[str, tuple[str, Registry]] = {
    "corpus": ("reader", readers),
    "stages": ("stage", stages),
    "model": ("stage", models),
    "head": ("stage", heads),
}
_REF = re.compile(r"\$\{([^}]+)\}")


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"pipeline file '{path}' does not exist", hint="check the path; pipelines ship in pipelines/")
    if path.is_dir():
        raise ConfigError(f"'{path}' is a folder, not a pipeline file", hint="name a .yaml file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}", hint="fix the YAML syntax (indentation, colons, quotes)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if data is None:
        raise ConfigError(f"{path}: the pipeline file is empty", hint="see docs/pipelines.md for the sections a pipeline has")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, got {type(data).__name__}")
    return data


def parse_override(text: str) -> tuple[list[str], Any]:
    """``stages.0.language=german`` → (["stages", "0", "language"], "german"); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set '{text}': expected KEY.PATH=VALUE", hint="e.g. --set train.epochs=3")
    key, _, raw = text.partition("=")
    key = key.strip()
    if not key:
        raise ConfigError(f"--set '{text}': the key is empty")
    parts = [p for p in re.split(r"\.|\[|\]", key) if p != ""]
    try:
        value = yaml.safe_load(raw) if raw.strip() != "" else ""
    except yaml.YAMLError:
        value = raw
    # "-" or "a: b" would read as a list or mapping; only explicit [...] / {...} do.
    if isinstance(value, (list, dict)) and not raw.strip().startswith(("[", "{")):
        value = raw
    return parts, value


def _set_path(data: dict[str, Any], parts: list[str], value: Any, text: str) -> None:
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(parts[: i + 1])
        if isinstance(node, list):
            idx = _list_index(node, part, here, text)
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if part not in node or node[part] is None:
                    if i == 0 and part not in TOP_KEYS:
                        raise ConfigError(f"--set '{text}': unknown section '{part}'.{did_you_mean(part, TOP_KEYS)}")
                    node[part] = {}
                node = node[part]
        else:
            raise ConfigError(f"--set '{text}': '{here}' is a {type(node).__name__} value, not a section")


def _list_index(node: list[Any], part: str, here: str, text: str) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if -len(node) <= idx < len(node):
            return idx
        raise ConfigError(f"--set '{text}': index {idx} is out of range at '{here}' (the list has {len(node)} entries)")
    names = [item.get("name") or item.get("stage") for item in node if isinstance(item, dict)]
    for idx, item in enumerate(node):
        if isinstance(item, dict) and part in (item.get("name"), item.get("stage")):
            return idx
    raise ConfigError(f"--set '{text}': no entry named '{part}' at '{here}'.{did_you_mean(part, [n for n in names if n])}")


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``KEY.PATH=VALUE`` applied in order."""
    data = copy.deepcopy(data)
    for text in overrides:
        parts, value = parse_override(text)
        _set_path(data, parts, value, text)
    return data


def _lookup(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in [p for p in re.split(r"\.|\[|\]", ref) if p]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            keys = list(node) if isinstance(node, dict) else []
            raise KeyError(f"'{part}'{did_you_mean(part, keys)}")
    return node


def interpolate(data: dict[str, Any], source: str = "<pipeline>") -> dict[str, Any]:
    """Replace ``${a.b}`` by the value at that key path; a value that is only a reference keeps its type."""

    def resolve(value: Any, path: str, seen: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {k: resolve(v, f"{path}.{k}" if path else str(k), seen) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, f"{path}[{i}]", seen) for i, v in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value

        def get(ref: str) -> Any:
            if ref in seen:
                raise ConfigError(f"{source}: {path}: '${{{ref}}}' refers to itself (cycle: {' → '.join((*seen, ref))})")
            try:
                target = _lookup(data, ref)
            except KeyError as exc:
                raise ConfigError(f"{source}: {path}: '${{{ref}}}' names no value: no key {exc.args[0]}", hint="define it, e.g. under vars:") from None
            return resolve(target, ref, (*seen, ref))

        whole = _REF.fullmatch(value.strip())
        if whole:
            return get(whole.group(1).strip())
        return _REF.sub(lambda m: str(get(m.group(1).strip())), value)

    return resolve(data, "", ())


def _component(section: str, raw: Any, where: str, source: str) -> ComponentConfig:
    key, registry = COMPONENT_SECTIONS[section]
    if isinstance(raw, str):
        raw = {key: raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: {where}: expected a mapping with '{key}: NAME' and its options, got {raw!r}")
    if key not in raw:
        raise ConfigError(
            f"{source}: {where}: missing '{key}' (the registered {registry.kind} to use)",
            hint=f"add e.g. '{key}: {(registry.names() or ['NAME'])[0]}'",
        )
    options = {k: v for k, v in raw.items() if k not in (key, "name")}
    name = str(raw[key])
    entry = registry.get(name, where=f"{source}: {where}.{key}")
    entry.validate(options, f"{source}: {where}")
    return ComponentConfig(factory=name, name=raw.get("name"), options=options, where=where)


def build_config(data: dict[str, Any], source: str = "<pipeline>") -> PipelineConfig:
    """Validate an already-overridden dict into a :class:`PipelineConfig`."""
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        k = unknown[0]
        raise ConfigError(f"{source}: unknown section '{k}'.{did_you_mean(k, TOP_KEYS)} Known sections: {', '.join(TOP_KEYS)}")
    resolved = interpolate(data, source)
    body: dict[str, Any] = {"source": source, "resolved": resolved, "version": resolved.get("version", 1)}
    if resolved.get("version", 1) != 1:
        raise ConfigError(f"{source}: version: this toolkit reads pipeline files of version 1, got {resolved.get('version')!r}")
    if resolved.get("corpus") is not None:
        body["corpus"] = _component("corpus", resolved["corpus"], "corpus", source)
    raw_stages = resolved.get("stages") or []
    if not isinstance(raw_stages, list):
        raise ConfigError(f"{source}: stages: expected a list of stages, got {type(raw_stages).__name__}", hint="write each stage as '- stage: NAME'")
    body["stages"] = [_component("stages", s, f"stages[{i}]", source) for i, s in enumerate(raw_stages)]
    names = [s.name for s in body["stages"] if s.name]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"{source}: stages: the name '{sorted(dupes)[0]}' is used twice; stage names must be unique")
    for section in ("model", "head"):
        if resolved.get(section) is not None:
            body[section] = _component(section, resolved[section], section, source)
    for section, model in (("output", OutputConfig), ("train", TrainConfig)):
        raw = resolved.get(section)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: {section}: expected a mapping, got {raw!r}")
        try:
            body[section] = model.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"{source}: {section}", raw, list(model.model_fields))) from None
    return PipelineConfig(**body)


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> PipelineConfig:
    """Load, override, interpolate and validate a pipeline file."""
    path = Path(path)
    data = _read_yaml(path)
    data = apply_overrides(data, list(overrides))
    return build_config(data, source=str(path))
