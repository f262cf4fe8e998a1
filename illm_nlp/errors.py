"""One catalogue of the errors a user can meet.

Every error has a code (``E1xx`` pipeline files, ``E2xx`` input data, ``E3xx``
resources, ``E4xx`` artifacts, ``E5xx`` runs) and a message that names the file,
key or document, the value, what was expected and how to fix it. The CLI turns
an :class:`IllmError` into one readable paragraph and its ``exit_code``; a bug
(any other exception) still shows a traceback with ``--debug``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DataError",
    "IllmError",
    "MissingResourceError",
    "RunError",
    "UnknownNameError",
    "UsageError",
    "did_you_mean",
]

EXIT_RUN_FAILED = 1
EXIT_BAD_USAGE = 2


def did_you_mean(value: str, choices: Iterable[str], n: int = 3) -> str:
    """Return `` Did you mean 'x'?`` for a near miss, or an empty string.

    Used for misspelt keys, stage names and readers so that a typo costs a
    glance, not a trip to the docs.
    """
    matches = difflib.get_close_matches(str(value), list(choices), n=n, cutoff=0.6)
    if not matches:
        return ""
    quoted = " or ".join(f"'{m}'" for m in matches)
    return f" Did you mean {quoted}?"


class IllmError(Exception):
    """Base of every error the toolkit raises on purpose.

    ``code`` identifies the kind of error in docs and bug reports; ``exit_code``
    is what the CLI exits with (1: the run failed, 2: bad usage or pipeline).
    """

    code = "E000"
    exit_code = EXIT_RUN_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.hint:
            text += f"\n  Fix: {self.hint}"
        return text


class ConfigError(IllmError):
    """A pipeline file (or a --set override) is malformed or invalid."""

    code = "E101"
    exit_code = EXIT_BAD_USAGE


class UnknownNameError(ConfigError):
    """A registered name (stage, reader, model, head) does not exist."""

    code = "E102"


class UsageError(IllmError):
    """A command was called with options that do not fit together."""

    code = "E103"
    exit_code = EXIT_BAD_USAGE


class DataError(IllmError):
    """A document, file or collection cannot be read as configured."""

    code = "E201"


class MissingResourceError(IllmError):
    """A stage needs an NLTK resource (or similar data) that is not installed.

    Raised before the first document is read, so no partial output is left.
    """

    code = "E301"


class ArtifactError(IllmError):
    """A run directory or vector file is missing parts, corrupt or from another version."""

    code = "E401"
    exit_code = EXIT_BAD_USAGE


class RunError(IllmError):
    """A run could not finish (e.g. a stage failed on a document with on_error: fail)."""

    code = "E501"
