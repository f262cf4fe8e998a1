"""Execution engines; ``local`` (processes on this machine) is the default."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError, did_you_mean
from .base import Engine, Item

ENGINES = ("local", "dask")

__all__ = ["ENGINES", "Engine", "Item", "get_engine"]


def get_engine(name: str = "local", **options: Any) -> Engine:
    """Create an engine by name; heavy engines are imported only when chosen."""
    if name == "local":
        from .local import LocalEngine

        return LocalEngine(**options)
    if name == "dask":
        try:
            from .dask import DaskEngine
        except ImportError as exc:
            raise UsageError(f"the dask engine needs dask.distributed ({exc})", hint="pip install 'illm-nlp[dask]'") from None
        return DaskEngine(**options)
    raise UsageError(f"unknown engine '{name}'.{did_you_mean(name, ENGINES)}", hint=f"choose one of: {', '.join(ENGINES)}")
