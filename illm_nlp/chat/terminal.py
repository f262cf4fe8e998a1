"""The loops around a :class:`~illm_nlp.chat.session.ChatSession`: a terminal prompt, or a pipe.

At a terminal, prompt_toolkit gives line editing, a history kept across
sessions (``~/.cache/illm/chat_history``, or in memory when that cannot be
written) and a multi-line mode; without prompt_toolkit the standard
``input()`` (with readline where present) does. From a pipe, lines are read
as they come and each gets exactly one answer line, with no prompt or banner.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from .session import ChatSession

logger = logging.getLogger(__name__)

__all__ = ["banner", "history_path", "run_interactive", "run_piped"]

PROMPT = "you> "
MORE = "...> "


def history_path() -> Path:
    """Where prompt history lives: $ILLM_CHAT_HISTORY, else the XDG cache folder."""
    env = os.environ.get("ILLM_CHAT_HISTORY")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "illm" / "chat_history"


def banner(session: ChatSession) -> str:
    """The first lines at a terminal: what run this is and how to get help."""
    info: dict[str, Any] = {}
    try:
        info = session.predictor.info()
    except Exception:  # the banner is a courtesy; :info shows the error if there is one
        pass
    what = session.task
    run_dir = getattr(session.predictor, "run_dir", info.get("run_dir", ""))
    labels = info.get("labels")
    extra = f", labels: {', '.join(map(str, labels[:8]))}{' …' if len(labels) > 8 else ''}" if isinstance(labels, list) and labels else ""
    ctx = f"; dialogue with the last {session.context.turns} turns as context" if session.context else ""
    return f"illm chat — {run_dir} ({what}{extra}{ctx})\nType text and press Enter. :help for commands, :quit or Ctrl-D to leave."


def run_piped(session: ChatSession, lines: Iterable[str]) -> None:
    """Answer each line (commands and \"\"\" blocks work too) until the input ends or :quit."""
    for line in lines:
        if not session.feed(line.rstrip("\r\n")):
            return
    session.finish()


def _prompt_session(session: ChatSession, input: Any = None, output: Any = None) -> Any:
    """A prompt_toolkit PromptSession with persistent history, or None when prompt_toolkit is absent."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.filters import Condition
        from prompt_toolkit.history import FileHistory, InMemoryHistory
    except ImportError:
        return None
    history: Any
    try:
        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        history = FileHistory(str(path))
    except OSError as exc:
        logger.debug("chat history kept in memory only (%s)", exc)
        history = InMemoryHistory()
    return PromptSession(
        history=history,
        multiline=Condition(lambda: session.multiline),
        input=input,
        output=output,
        prompt_continuation=lambda width, line_no, wrap: MORE.rjust(width),
    )


def run_interactive(session: ChatSession, *, out: TextIO | None = None, pt_input: Any = None, pt_output: Any = None) -> None:
    """The prompt loop: Ctrl-C clears the line (or stops a running answer), Ctrl-D leaves."""
    out = out or sys.stderr
    out.write(banner(session) + "\n")
    out.flush()
    prompt = _prompt_session(session, pt_input, pt_output)
    if prompt is None:
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
    while True:
        try:
            if prompt is not None:
                text = prompt.prompt(MORE if session.in_block else PROMPT)
            else:
                text = input(MORE if session.in_block else PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if "\n" in text and not session.in_block:  # a multi-line entry is one input
            session.ask(text)
            continue
        if not session.feed(text):
            break
    session.finish()
