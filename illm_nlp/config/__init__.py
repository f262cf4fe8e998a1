"""Pipeline files: loading, overrides, interpolation and validation."""

from .loader import apply_overrides, interpolate, load_config, parse_override
from .schema import ComponentConfig, OutputConfig, PipelineConfig, TrainConfig

__all__ = [
    "PipelineConfig",
    "ComponentConfig",
    "OutputConfig",
    "TrainConfig",
    "load_config",
    "apply_overrides",
    "interpolate",
    "parse_override",
]
