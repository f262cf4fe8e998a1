"""illm-nlp: composable NLP pipelines over document collections.

Readers → NLTK cleaning → gensim embeddings → Keras RNN models with task heads,
declared in a YAML pipeline file and run from the ``illm`` command or Python.
Heavy libraries (TensorFlow, gensim) are imported only by the code that needs
them, so ``import illm_nlp`` and ``illm --help`` stay fast.
"""

from __future__ import annotations

import logging
from typing import Any

from ._version import __version__
from .document import Doc, Skipped
from .errors import IllmError

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Doc", "IllmError", "Skipped", "__version__", "load", "load_pipeline"]


def load_pipeline(path: Any, overrides: Any = ()) -> Any:
    """Load and validate a pipeline file (see :func:`illm_nlp.pipeline.load_pipeline`)."""
    from .pipeline import load_pipeline as _load

    return _load(path, overrides)


def load(run_dir: Any) -> Any:
    """Load a trained run directory; the result's ``predict(texts)`` runs the whole chain."""
    from .artifact import load_run

    return load_run(run_dir)
