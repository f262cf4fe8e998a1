"""Registries: one per kind of thing (stages, readers, models, heads).

A registered entry is a factory *function* whose keyword-only options carry
type hints (``Annotated[int, Field(gt=0, description=...)]``). That signature is
the single source of truth: it becomes the pydantic schema that validates the
pipeline file, the option table of ``illm stages`` and the generated docs page.

Names are versioned (``nltk.clean.v1``) so a better default can arrive as
``v2`` without breaking old pipeline files. Installed packages add entries
through the entry-point groups ``illm_nlp.<kind>`` (e.g. ``illm_nlp.stages``):
the entry point names the registered name and points at the factory.
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic.fields import FieldInfo

from .errors import ConfigError, UnknownNameError, did_you_mean

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Entry", "Option", "Registry", "all_registries", "heads", "models", "readers", "stages"]


@dataclass(frozen=True)
class Option:
    """One typed option of a registered factory, as shown to users."""

    name: str
    type: str
    default: Any
    required: bool
    description: str


def _type_name(annotation: Any) -> str:
    """A short, readable spelling of a type hint for docs and errors."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " | ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


@dataclass
class Entry:
    """A registered factory with its schema derived from the signature."""

    name: str
    factory: Callable[..., Any]
    kind: str
    _schema: type[BaseModel] | None = None

    @property
    def summary(self) -> str:
        doc = inspect.getdoc(self.factory) or ""
        return doc.strip().split("\n\n")[0].replace("\n", " ")

    def _params(self) -> list[tuple[str, Any, Any]]:
        hints = typing.get_type_hints(self.factory, include_extras=True)
        params = []
        for p in inspect.signature(self.factory).parameters.values():
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                continue
            params.append((p.name, hints.get(p.name, Any), p.default))
        return params

    @property
    def schema(self) -> type[BaseModel]:
        """A pydantic model of the options, refusing unknown keys."""
        if self._schema is None:
            fields: dict[str, Any] = {}
            for name, hint, default in self._params():
                fields[name] = (hint, ... if default is inspect.Parameter.empty else default)
            self._schema = create_model(  # type: ignore[call-overload]
                "Options_" + self.name.replace(".", "_").replace("-", "_"),
                __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
                **fields,
            )
        return self._schema

    @property
    def options(self) -> list[Option]:
        out = []
        for name, hint, default in self._params():
            desc = ""
            if typing.get_origin(hint) is typing.Annotated:
                for meta in typing.get_args(hint)[1:]:
                    if isinstance(meta, FieldInfo) and meta.description:
                        desc = meta.description
                    elif isinstance(meta, str):
                        desc = meta
            required = default is inspect.Parameter.empty
            out.append(Option(name, _type_name(hint), None if required else default, required, desc))
        return out

    def validate(self, options: dict[str, Any], where: str) -> dict[str, Any]:
        """Check options against the schema; errors name the key path and value."""
        try:
            model = self.schema.model_validate(options)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, where, options, [o.name for o in self.options])) from None
        return {name: getattr(model, name) for name in self.schema.model_fields}

    def build(self, options: dict[str, Any], where: str) -> Any:
        """Validate the options and call the factory."""
        values = self.validate(options, where)
        obj = self.factory(**values)
        if hasattr(obj, "__dict__") and not hasattr(obj, "registered_name"):
            try:
                obj.registered_name = self.name
            except AttributeError:  # pragma: no cover - slots objects
                pass
        return obj


def format_validation_error(exc: ValidationError, where: str, given: dict[str, Any], known: list[str]) -> str:
    """Turn pydantic's report into lines that name each bad key, value and expectation."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        path = f"{where}.{loc}" if loc else where
        if err["type"] == "extra_forbidden":
            key = str(err["loc"][-1])
            lines.append(f"{path}: unknown option '{key}'.{did_you_mean(key, known)} Known options: {', '.join(known) or '(none)'}")
        elif err["type"] == "missing":
            lines.append(f"{path}: this option is required")
        else:
            value = err.get("input")
            lines.append(f"{path}: {err['msg'].lower()} (got {value!r})")
    return "\n".join(lines)


class Registry:
    """Named, versioned factories of one kind, with entry-point plug-ins."""

    def __init__(self, kind: str, modules: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.group = f"illm_nlp.{kind}"
        self._entries: dict[str, Entry] = {}
        self._modules = modules
        self._loaded = False

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator: ``@stages.register("nltk.clean.v1")``."""

        def deco(factory: F) -> F:
            if name in self._entries and self._entries[name].factory is not factory:
                raise ValueError(f"{self.kind} '{name}' is registered twice")
            self._entries[name] = Entry(name, factory, self.kind)
            return factory

        return deco

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for mod in self._modules:
            import_module(mod)
        for ep in entry_points(group=self.group):
            if ep.name in self._entries:
                continue
            try:
                factory = ep.load()
            except Exception as exc:  # a broken plug-in must not break the toolkit
                logger.warning("could not load %s plug-in '%s' (%s): %s", self.kind, ep.name, ep.value, exc)
                continue
            self._entries[ep.name] = Entry(ep.name, factory, self.kind)

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry]:
        self._load()
        return iter(self._entries[n] for n in sorted(self._entries))

    def get(self, name: str, where: str = "") -> Entry:
        self._load()
        if name not in self._entries:
            prefix = f"{where}: " if where else ""
            raise UnknownNameError(
                f"{prefix}unknown {self.kind.removesuffix('s')} '{name}'."
                f"{did_you_mean(name, self._entries)}",
                hint=f"available: {', '.join(self.names())}; `illm stages` lists them with their options",
            )
        return self._entries[name]

    def build(self, name: str, options: dict[str, Any], where: str) -> Any:
        return self.get(name, where).build(options, where)


stages = Registry("stages", ("illm_nlp.stages",))
readers = Registry("readers", ("illm_nlp.readers",))
models = Registry("models", ("illm_nlp.models",))
heads = Registry("heads", ("illm_nlp.heads",))


def all_registries() -> list[Registry]:
    return [readers, stages, models, heads]
