"""How an answer looks at the prompt: by the task of the run (see the Predictor contract).

Classification shows the top labels with probability bars in a terminal, and
``label<TAB>probability`` when piped; text-producing heads show the text. A
piped answer is always exactly one line, so a script can pair lines up.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["bar", "format_answer", "label_probabilities", "one_line"]

BAR_WIDTH = 24
_BLOCKS = " ▏▎▍▌▋▊▉█"


def label_probabilities(answer: dict[str, Any]) -> list[tuple[str, float]]:
    """(label, probability) pairs, most probable first, from a classification answer.

    Accepts ``probabilities`` as a mapping label → p, or as a list aligned with
    ``labels`` (a list of all label names).
    """
    probs = answer.get("probabilities")
    pairs: list[tuple[str, float]] = []
    if isinstance(probs, dict):
        pairs = [(str(k), float(v)) for k, v in probs.items()]
    elif isinstance(probs, (list, tuple)) and isinstance(answer.get("labels"), (list, tuple)) and len(answer["labels"]) == len(probs):
        pairs = [(str(k), float(v)) for k, v in zip(answer["labels"], probs)]
    return sorted(pairs, key=lambda kv: -kv[1])


def bar(p: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells for a probability, with eighth-cell resolution."""
    p = min(max(p, 0.0), 1.0)
    eighths = round(p * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_BLOCKS[part] if part else "")).ljust(width)


def one_line(text: str) -> str:
    """Newlines become spaces: a piped answer must stay on its line."""
    return " ".join(text.split("\n")).strip() if "\n" in text else text


def format_answer(task: str, answer: dict[str, Any], *, interactive: bool, top: int = 5, as_json: bool = False) -> str:
    """The answer as text to print (without a trailing newline)."""
    if as_json:
        return json.dumps(answer, ensure_ascii=False)
    if task == "classify" or "probabilities" in answer:
        pairs = label_probabilities(answer)
        label = answer.get("label")
        if isinstance(label, list):  # multi-label: the labels over the threshold
            label = ",".join(str(x) for x in label) or "(none)"
        if not interactive:
            p = dict(pairs).get(str(label), pairs[0][1] if pairs else 0.0)
            return f"{label}\t{p:.4f}"
        width = max((len(k) for k, _ in pairs[:top]), default=5)
        lines = [f"{label}"]
        lines += [f"  {k.ljust(width)}  {p:6.1%}  {bar(p)}" for k, p in pairs[:top]]
        if len(pairs) > top:
            lines.append(f"  … {len(pairs) - top} more labels (:set top=N)")
        return "\n".join(lines)
    text = str(answer.get("text", ""))
    return text if interactive else one_line(text)
