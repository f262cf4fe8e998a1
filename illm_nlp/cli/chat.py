"""``illm chat RUN_DIR``: talk to a trained run at a prompt, or pipe text through it."""

from __future__ import annotations

import sys
from typing import Any

import click


@click.command("chat")
@click.argument("run_dir", type=click.Path(path_type=str))
@click.option("-s", "--setting", "settings", multiple=True, metavar="KEY=VALUE",
              help="A decoding setting to start with, e.g. -s temperature=0.7 or -s beam=5 (repeatable; :set changes them later).")
@click.option("--max-chars", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Longest input answered; longer input gets a short message.")
@click.option("--json", "as_json", is_flag=True, help="Print each answer as one JSON object (implies no streaming).")
@click.option("--no-stream", is_flag=True, help="Print generated text when it is complete instead of as it is decoded.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Labels shown for a classification run.")
@click.option("--context", "context_turns", type=click.IntRange(min=0), default=None,
              help="Dialogue runs: earlier turns sent with each message (default: as the run was trained).")
@click.option("--interactive/--piped", "interactive", default=None,
              help="Force the prompt (with line editing) or plain line-by-line mode (default: a prompt when stdin and stdout are a terminal).")
@click.pass_context
def chat_cmd(ctx: click.Context, run_dir: str, settings: tuple[str, ...], max_chars: int, as_json: bool, no_stream: bool,
             top: int, context_turns: int | None, interactive: bool | None) -> None:
    """Talk to the trained RUN_DIR: type text, get its answer (labels, a translation, a reply...).

    \b
    At a terminal: line editing and history, :help for commands (:set, :info,
    :reset, :multi, :quit). Piped: one answer line per input line, no prompt:
      printf 'A fine film.\\nDull.\\n' | illm chat runs/sentiment
    """
    from ..chat import ChatSession, parse_settings
    from ..chat.session import DialogueContext, dialogue_context
    from ..chat.terminal import run_interactive, run_piped
    from ..errors import UsageError

    start_settings: dict[str, Any] = {}
    for item in settings:
        try:
            start_settings.update(parse_settings(item))
        except ValueError as exc:
            raise UsageError(f"--setting {item!r}: {exc}", hint="write it as KEY=VALUE, e.g. --setting temperature=0.7") from None
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()

    from .. import load

    predictor = load(run_dir)
    context = dialogue_context(predictor)
    if context is not None and context_turns is not None:
        context = DialogueContext(context_turns, context.separator)
    try:
        session = ChatSession(
            predictor, out=sys.stdout, err=sys.stderr, interactive=interactive, settings=start_settings,
            max_chars=max_chars, stream=not no_stream, as_json=as_json, top=top, context=context,
            debug=bool((ctx.obj or {}).get("debug")),
        )
    except ValueError as exc:
        raise UsageError(f"--setting: {exc}") from None
    if interactive:
        run_interactive(session)
    else:
        stdin = sys.stdin
        if hasattr(stdin, "reconfigure"):  # undecodable bytes become U+FFFD, never an exception
            stdin.reconfigure(errors="replace")
        run_piped(session, stdin)
