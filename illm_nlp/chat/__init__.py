"""``illm chat``: talk to a trained run at a prompt, or pipe text through it.

:class:`ChatSession` holds the behaviour (commands, settings, input cleaning,
dialogue context, streamed answers); :mod:`.terminal` holds the loops.
"""

from .sanitize import clean_input
from .session import ChatSession, DialogueContext, dialogue_context, parse_settings
from .terminal import run_interactive, run_piped

__all__ = ["ChatSession", "DialogueContext", "clean_input", "dialogue_context", "parse_settings", "run_interactive", "run_piped"]
