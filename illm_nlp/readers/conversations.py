"""``conversations.v1``: dialogue corpora as message → reply pairs.

A conversation file is JSON Lines, one conversation per line:
``{"topic": "ai", "turns": ["What is AI?", "Artificial Intelligence is ..."]}``
(the shape of ``shared/data/dialogue/chatterbot-en``). Each turn after the
first becomes one document whose ``target`` is that turn (the reply) and whose
``text`` is the turn before it (the message), preceded by up to ``context_turns``
earlier turns joined with ``separator``. The same joining is what ``illm chat``
does with the live conversation (:func:`join_context`), so a dialogue model
sees its input at chat time exactly as it saw it in training.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from ..document import Doc, Skipped
from ..errors import DataError
from ..registry import readers

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_SEPARATOR", "ConversationReader", "conversations_reader", "join_context"]

#: Between turns of context; a token no cleaning stage drops, and rare in chat text.
DEFAULT_SEPARATOR = " | "


def join_context(turns: Sequence[str], *, context_turns: int, separator: str = DEFAULT_SEPARATOR) -> str:
    """The model input for the last turn of ``turns``: it, preceded by at most ``context_turns`` earlier turns.

    Used by the reader for training pairs and by ``illm chat`` for the live
    conversation, so both build the input the same way.
    """
    if not turns:
        return ""
    keep = list(turns[-(context_turns + 1):]) if context_turns > 0 else [turns[-1]]
    return separator.join(t.strip() for t in keep)


class ConversationReader:
    """Re-iterable message → reply pairs from conversation jsonl files (a file or a folder of them)."""

    registered_name = "conversations.v1"

    def __init__(
        self,
        path: str,
        *,
        context_turns: int = 2,
        separator: str = DEFAULT_SEPARATOR,
        replies: Literal["all", "second-speaker"] = "all",
        topics: list[str] | None = None,
        on_error: Literal["skip", "fail"] = "skip",
    ) -> None:
        self.path = Path(path)
        self.context_turns = context_turns
        self.separator = separator
        self.replies = replies
        self.topics = set(topics) if topics else None
        self.on_error = on_error

    def files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(p for p in self.path.rglob("*.jsonl") if p.is_file())
        return [self.path]

    def check(self) -> None:
        """Fail early, naming the path, when there is nothing to read."""
        if not self.path.exists():
            raise DataError(
                f"conversations.v1: '{self.path}' does not exist",
                hint="set corpus.path to a conversations .jsonl file or a folder of them",
            )
        if self.path.is_dir() and not self.files():
            raise DataError(
                f"conversations.v1: the folder '{self.path}' holds no .jsonl files",
                hint='each line of a conversation file is {"topic": ..., "turns": [...]}',
            )

    def _bad(self, doc_id: str, reason: str) -> Skipped:
        if self.on_error == "fail":
            raise DataError(
                f"conversations.v1: {doc_id}: {reason}",
                hint='each line must be {"topic": "...", "turns": ["message", "reply", ...]}; '
                "or set on_error: skip to skip bad lines",
            )
        return Skipped(doc_id, reason)

    def __iter__(self) -> Iterator[Doc | Skipped]:
        self.check()
        for file in self.files():
            yield from self._read_file(file)

    def _read_file(self, file: Path) -> Iterator[Doc | Skipped]:
        stem = file.stem
        with open(file, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                where = f"{file.name}:{n}"
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    yield self._bad(where, f"not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                turns = record.get("turns") if isinstance(record, dict) else None
                if not isinstance(turns, list) or not all(isinstance(t, str) for t in turns):
                    yield self._bad(where, f"'turns' must be a list of strings, got {type(turns).__name__}")
                    continue
                topic = record.get("topic")
                if self.topics is not None and topic not in self.topics:
                    continue
                turns = [" ".join(t.split()) for t in turns]
                if len(turns) < 2:
                    yield self._bad(where, f"a conversation needs at least 2 turns, got {len(turns)}")
                    continue
                for i in range(1, len(turns)):
                    if self.replies == "second-speaker" and i % 2 == 0:
                        continue
                    if not turns[i] or not turns[i - 1]:
                        yield self._bad(f"{stem}:{n}:{i}", "empty turn")
                        continue
                    yield Doc(
                        id=f"{stem}:{n}:{i}",
                        text=join_context(turns[: i], context_turns=self.context_turns, separator=self.separator),
                        target=turns[i],
                        meta={"topic": topic, "message": turns[i - 1], "turn": i},
                    )


@readers.register("conversations.v1")
def conversations_reader(
    *,
    path: Annotated[str, Field(description="a conversations .jsonl file ({\"topic\", \"turns\"} per line) or a folder of them")],
    context_turns: Annotated[int, Field(ge=0, le=20, description="earlier turns put before the message as context (K)")] = 2,
    separator: Annotated[str, Field(min_length=1, description="joins the context turns and the message")] = DEFAULT_SEPARATOR,
    replies: Annotated[
        Literal["all", "second-speaker"],
        Field(description="'all': every turn answers the one before; 'second-speaker': only the 2nd, 4th, ... turns are replies"),
    ] = "all",
    topics: Annotated[list[str] | None, Field(description="keep only conversations with these topics")] = None,
    on_error: Annotated[Literal["skip", "fail"], Field(description="a malformed line is skipped (and reported) or stops the run")] = "skip",
) -> ConversationReader:
    """Conversations (jsonl of {"topic", "turns"}) as message → reply pairs, with the last K turns as context.

    Each reply turn becomes a document: ``text`` is the message with up to
    ``context_turns`` earlier turns before it, ``target`` the reply, and
    ``meta`` holds the topic, the bare message and the turn number.
    """
    return ConversationReader(
        path, context_turns=context_turns, separator=separator, replies=replies, topics=topics, on_error=on_error
    )
