"""Pipeline files: loading, overrides, interpolation and validation."""

from .loader import apply_overrides, interpolate, load_config, parse_override
from .schema import ComponentConfig, OutputConfig, PipelineConfig, TrainConfig

__all__ = [
    "ComponentConfig",
    "OutputConfig",
    "PipelineConfig",
    "TrainConfig",
    "apply_overrides",
    "interpolate",
    "load_config",
    "parse_override",
]
