"""Typed sections of a pipeline file.

The file is validated once, here, into these objects; nothing below passes
raw dicts around. Component sections (``corpus``, each entry of ``stages``,
``model``, ``head``) name a registered factory and carry its options flat
beside it; those options are validated against the factory's own signature
(see :mod:`illm_nlp.registry`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ComponentConfig(BaseModel):
    """A registered factory by name plus its options, e.g. ``{stage: nltk.clean.v1, lowercase: true}``."""

    model_config = ConfigDict(extra="forbid")

    factory: str
    name: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    #: where this section sits in the file, for error messages ("stages[2]").
    where: str = ""


class OutputConfig(BaseModel):
    """Where and how ``illm run`` writes the processed documents."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(None, description="output file (jsonl/csv) or folder (txt); '-' for stdout")
    format: Literal["jsonl", "csv", "txt"] | None = Field(None, description="default: from the path's suffix, else jsonl")
    fields: list[str] | None = Field(None, description="which document fields to write (default: all non-empty)")


class TrainConfig(BaseModel):
    """Training settings; every one can be overridden with ``--set train.KEY=VALUE``."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(10, gt=0)
    batch_size: int = Field(32, gt=0, description="global batch size (split across replicas under a distribution strategy)")
    learning_rate: float = Field(1e-3, gt=0)
    seed: int = 13
    patience: int = Field(3, ge=0, description="epochs without dev improvement before stopping; 0 = never stop early")
    max_minutes: float | None = Field(None, gt=0, description="time budget; training stops after the epoch that passes it")
    dev_split: float = Field(0.1, gt=0, lt=1, description="share of the training data held out when no dev set is given")
    monitor: str | None = Field(None, description="dev metric for early stopping (default: the head's own)")
    clipnorm: float | None = Field(None, gt=0)
    strategy: Literal["default", "mirrored", "multi-worker"] = "default"
    max_length: int | None = Field(None, gt=0, description="tokens kept per document (longer are truncated, with a warning)")


class PipelineConfig(BaseModel):
    """A whole pipeline file after overrides and interpolation."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    version: int = 1
    source: str = "<pipeline>"
    corpus: ComponentConfig | None = None
    stages: list[ComponentConfig] = Field(default_factory=list)
    output: OutputConfig = Field(default_factory=OutputConfig)
    train: TrainConfig = Field(default_factory=TrainConfig)
    model: ComponentConfig | None = None
    head: ComponentConfig | None = None
    #: the resolved file as a plain dict: what gets saved beside any output.
    resolved: dict[str, Any] = Field(default_factory=dict)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.resolved, sort_keys=False, allow_unicode=True)
