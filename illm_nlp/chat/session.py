"""One conversation with a trained run: lines in, answers out.

:class:`ChatSession` is the whole behaviour of ``illm chat`` without the
terminal: it takes what the person typed (a line, or a multi-line block),
runs commands (``:help``, ``:set``, ``:info`` ...), cleans the text, adds the
conversation so far for dialogue runs, asks the predictor, and writes the
answer — streamed piece by piece for text-producing heads. The terminal loop
(:mod:`illm_nlp.chat.terminal`) only reads lines and feeds them here, so
interactive and piped use behave the same apart from decoration.

Piped use keeps exactly one output line per input (a blank line where the
input could not be answered, with the reason on stderr), so a script can pair
questions and answers by line number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, TextIO

from ..errors import IllmError, did_you_mean
from .format import format_answer, one_line
from .sanitize import DEFAULT_MAX_CHARS, clean_input

logger = logging.getLogger(__name__)

__all__ = ["COMMANDS", "ChatSession", "DialogueContext", "dialogue_context", "parse_settings"]

#: command -> one-line help, in the order :help shows them
COMMANDS: dict[str, str] = {
    "help": "this list",
    "quit": "leave (also :q, :exit, or Ctrl-D)",
    "set": "show or change decoding settings: :set temperature=0.8 top_k=40, :set beam=5",
    "unset": "back to the run's default: :unset temperature",
    "info": "what this run is: task, pipeline, labels, metrics",
    "reset": "forget the conversation so far (dialogue runs keep the last turns as context)",
    "multi": "toggle multi-line input (finish with Esc then Enter); or wrap text in lines of \"\"\"",
}
ALIASES = {"q": "quit", "exit": "quit", "h": "help", "?": "help"}
#: settings the session itself uses (not passed to the model)
SESSION_SETTINGS = {"top": "labels shown for classification", "stream": "show generated text as it is decoded (true/false)"}
BLOCK = '"""'
_COMMAND = re.compile(r"^:([a-z?]+)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class DialogueContext:
    """How a dialogue run joins the conversation into its input (from its conversations.v1 reader)."""

    turns: int
    separator: str


def dialogue_context(predictor: Any) -> DialogueContext | None:
    """The context rule of a run trained on conversations, or None for any other run."""
    from ..readers.conversations import DEFAULT_SEPARATOR

    corpus: Any = None
    pipe = getattr(predictor, "pipeline", None)
    config = getattr(pipe, "config", None)
    if config is not None and config.corpus is not None:
        corpus = {"reader": config.corpus.factory, **config.corpus.options}
    else:
        try:
            pipeline_info = predictor.info().get("pipeline")
        except Exception:  # info() is optional detail here, never a reason to fail
            pipeline_info = None
        if isinstance(pipeline_info, dict):
            corpus = pipeline_info.get("corpus")
    if not isinstance(corpus, dict) or corpus.get("reader") != "conversations.v1":
        return None
    return DialogueContext(int(corpus.get("context_turns", 2)), str(corpus.get("separator", DEFAULT_SEPARATOR)))


def parse_settings(text: str) -> dict[str, Any]:
    """``"beam=5 temperature=0.8"`` → ``{"beam": 5, "temperature": 0.8}``; values read as YAML scalars."""
    import yaml

    out: dict[str, Any] = {}
    for part in text.split():
        key, eq, raw = part.partition("=")
        if not eq or not key:
            raise ValueError(f"expected KEY=VALUE, got {part!r}")
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError:
            value = raw
        out[key.strip()] = value
    return out


class ChatSession:
    """The state and behaviour of one chat: settings, multi-line blocks, dialogue history."""

    def __init__(
        self,
        predictor: Any,
        *,
        out: TextIO,
        err: TextIO,
        interactive: bool = False,
        settings: dict[str, Any] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        stream: bool = True,
        as_json: bool = False,
        top: int = 5,
        context: DialogueContext | None = None,
        debug: bool = False,
    ) -> None:
        self.predictor = predictor
        self.task = str(getattr(predictor, "task", "classify"))
        self.out, self.err = out, err
        self.interactive = interactive
        self.settings: dict[str, Any] = {}
        self.max_chars = max_chars
        self.stream_enabled = stream
        self.as_json = as_json
        self.top = top
        self.context = context if context is not None else dialogue_context(predictor)
        self.debug = debug
        self.history: list[str] = []
        self.multiline = False
        self.answered = 0
        self.inputs = 0
        self.lines = 0
        self._block: list[str] | None = None
        for key, value in (settings or {}).items():
            self._set(key, value)

    # -- output ---------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def notice(self, text: str) -> None:
        """A short message for the person: on stderr, so piped answers stay clean."""
        prefix = "" if self.interactive else (f"line {self.lines}: " if self.lines else "")
        self.err.write(prefix + text + "\n")
        self.err.flush()

    def _blank(self) -> None:
        """Piped mode: keep one output line per input even when there is no answer."""
        if not self.interactive:
            self._say("")

    # -- input ----------------------------------------------------------------
    @property
    def in_block(self) -> bool:
        return self._block is not None

    def feed(self, line: str) -> bool:
        """Handle one input line (a command, text, or part of a \"\"\" block); False means quit."""
        self.lines += 1
        if self._block is not None:
            if line.strip() == BLOCK:
                text, self._block = "\n".join(self._block), None
                self.ask(text)
            else:
                self._block.append(line)
            return True
        stripped = line.strip()
        if stripped == BLOCK:
            self._block = []
            return True
        if stripped.startswith("::"):  # a literal leading colon
            self.ask(stripped[1:])
            return True
        m = _COMMAND.match(stripped)
        if m and (m.group(1) in COMMANDS or m.group(1) in ALIASES or stripped[1:2].isalpha()):
            return self.command(m.group(1), m.group(2) or "")
        self.ask(line)
        return True

    def finish(self) -> None:
        """End of input: answer an unclosed \"\"\" block rather than lose it."""
        if self._block is not None:
            text, self._block = "\n".join(self._block), None
            self.notice('input ended inside a """ block; answering what it holds')
            self.ask(text)

    # -- commands ---------------------------------------------------------------
    def command(self, name: str, arg: str) -> bool:
        """Run ``:name arg``; False means quit."""
        name = ALIASES.get(name, name)
        if name == "quit":
            return False
        if name == "help":
            self._help()
        elif name == "set":
            self._cmd_set(arg)
        elif name == "unset":
            for key in arg.split():
                if self.settings.pop(key, None) is None and key not in SESSION_SETTINGS:
                    self.notice(f":unset {key}: not set")
            self._show_settings()
        elif name == "info":
            self._info()
        elif name == "reset":
            self.history.clear()
            self.notice("conversation forgotten")
        elif name == "multi":
            self.multiline = not self.multiline
            self.notice("multi-line input " + ("on: Esc then Enter sends" if self.multiline else "off"))
        else:
            self.notice(f"unknown command ':{name}'.{did_you_mean(name, list(COMMANDS))} :help lists the commands")
        return True

    def _help(self) -> None:
        lines = ["Type text and press Enter to get this run's answer. Commands:"]
        lines += [f"  :{k:<6} {v}" for k, v in COMMANDS.items()]
        known = self.known_settings()
        if known:
            lines.append("Settings: " + ", ".join(f"{k}={v!r}" for k, v in known.items()))
        lines.append("Session settings: " + ", ".join(f"{k} ({v})" for k, v in SESSION_SETTINGS.items()))
        if self.context:
            lines.append(f"This is a dialogue run: the last {self.context.turns} turns go with each message (:reset forgets them).")
        lines.append('A line starting with "::" sends a literal ":".')
        self.err.write("\n".join(lines) + "\n")
        self.err.flush()

    def known_settings(self) -> dict[str, Any]:
        """The predictor's decoding settings and defaults, when it says (``settings()``)."""
        fn = getattr(self.predictor, "settings", None)
        if callable(fn):
            try:
                return dict(fn())
            except Exception:  # optional introspection
                return {}
        return {}

    def _set(self, key: str, value: Any) -> None:
        if key == "top":
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"top must be a whole number ≥ 1, got {value!r}")
            self.top = value
            return
        if key == "stream":
            if not isinstance(value, bool):
                raise ValueError(f"stream must be true or false, got {value!r}")
            self.stream_enabled = value
            return
        known = self.known_settings()
        if known and key not in known:
            raise ValueError(
                f"this {self.task} run has no setting '{key}'.{did_you_mean(key, list(known))} "
                f"Its settings: {', '.join(known)}"
            )
        self.settings[key] = value

    def _cmd_set(self, arg: str) -> None:
        if not arg.strip():
            self._show_settings()
            return
        try:
            values = parse_settings(arg)
            for key, value in values.items():
                self._set(key, value)
        except ValueError as exc:
            self.notice(f":set: {exc}")
            return
        self._show_settings()

    def _show_settings(self) -> None:
        merged = {**self.known_settings(), **self.settings}
        shown = ", ".join(f"{k}={v!r}" for k, v in merged.items()) or "(none: the run's defaults)"
        self.notice(f"settings: {shown}; top={self.top}, stream={str(self.stream_enabled).lower()}")

    def _info(self) -> None:
        try:
            info = self.predictor.info()
        except IllmError as exc:
            self.notice(f"error: {exc.message}")
            return
        self.err.write("\n".join(_info_lines(info)) + "\n")
        self.err.flush()

    # -- answering ----------------------------------------------------------------
    def model_input(self, text: str) -> str:
        """What the model sees: the message, after the last turns of the conversation for dialogue runs."""
        if not self.context:
            return text
        from ..readers.conversations import join_context

        return join_context([*self.history, text], context_turns=self.context.turns, separator=self.context.separator)

    def _can_stream(self) -> bool:
        return (
            self.stream_enabled
            and not self.as_json
            and self.task != "classify"
            and callable(getattr(self.predictor, "stream", None))
        )

    def ask(self, raw: str) -> dict[str, Any] | None:
        """Answer one input; every problem becomes a short message, never an exception."""
        self.inputs += 1
        cleaned = clean_input(raw, max_chars=self.max_chars)
        if cleaned.text is None:
            self.notice(cleaned.problem or "nothing to answer")
            self._blank()
            return None
        if cleaned.problem:
            self.notice(cleaned.problem)
        text = cleaned.text
        model_text = self.model_input(text)
        try:
            if self._can_stream():
                answer = self._stream(model_text)
            else:
                answer = self.predictor.predict([model_text], **self.settings)[0]
                self._say(format_answer(self.task, answer, interactive=self.interactive, top=self.top, as_json=self.as_json))
        except IllmError as exc:
            self.notice(f"error: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
            self._blank()
            return None
        except KeyboardInterrupt:
            self.notice("interrupted")
            self._blank()
            return None
        except Exception as exc:  # a bug in a head must not end the conversation
            logger.debug("chat: answering failed", exc_info=True)
            self.notice(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            if self.debug:
                import traceback

                traceback.print_exc(file=self.err)
            self._blank()
            return None
        self.answered += 1
        if self.context and isinstance(answer.get("text"), str):
            self.history += [text, answer["text"].strip()]
            keep = 2 * max(self.context.turns, 1)
            self.history = self.history[-keep:]
        return answer

    def _stream(self, text: str) -> dict[str, Any]:
        """Write the answer as the head decodes it; returns the whole answer."""
        pieces: list[str] = []
        try:
            for piece in self.predictor.stream(text, **self.settings):
                if not pieces:
                    piece = piece.lstrip()
                if not piece:
                    continue
                pieces.append(piece)
                self.out.write(piece if self.interactive else one_line(piece))
                self.out.flush()
        except BaseException:
            if pieces:  # end the half-written answer line; the caller says what happened
                self.out.write("\n")
                self.out.flush()
            raise
        self._say("")
        return {"text": "".join(pieces)}


def _info_lines(info: dict[str, Any], indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in info.items():
        if isinstance(value, dict) and value:
            lines.append(f"{indent}{key}:")
            lines += _info_lines(value, indent + "  ")
        elif isinstance(value, (list, tuple)) and len(value) > 12:
            lines.append(f"{indent}{key}: {', '.join(map(str, value[:12]))}, … ({len(value)} in all)")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{indent}{key}: {', '.join(map(str, value))}")
        elif isinstance(value, float):
            lines.append(f"{indent}{key}: {value:.4g}")
        else:
            lines.append(f"{indent}{key}: {value}")
    return lines

