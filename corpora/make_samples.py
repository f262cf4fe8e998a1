"""Cut the small samples in corpora/ out of the shared data sets, deterministically.

    python corpora/make_samples.py [SHARED_DATA] [OUT]

SHARED_DATA defaults to ../shared/data beside the repository, OUT to this
folder. Every cut is "the first N" (lines, files in sorted order, chapters)
or "every k-th line", so running it again gives byte-identical files; a test
(tests/test_corpora.py) does exactly that when ../shared/data is present. The
README.md in each sample folder is written by hand and is left alone.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "data"

#: novel file -> the chapter heading the sample stops before
AUSTEN = {"pride-and-prejudice.txt": "Chapter 4", "persuasion.txt": "Chapter 3"}
#: (source file, sample file, how many lines from the start)
FIRST_LINES = [
    ("classification/movie-sentences/train.jsonl", "movie-sentences/train.jsonl", 400),
    ("classification/movie-sentences/test.jsonl", "movie-sentences/test.jsonl", 100),
    ("translation/de-en/train.tsv", "de-en/train.tsv", 500),
    ("translation/de-en/test.tsv", "de-en/test.tsv", 100),
    ("summarization/debian-descriptions/train.jsonl", "debian-descriptions/train.jsonl", 300),
    ("summarization/debian-descriptions/test.jsonl", "debian-descriptions/test.jsonl", 50),
]
#: (source file, sample file, keep every k-th line starting with the first)
EVERY_KTH = [("dialogue/chatterbot-en/conversations.jsonl", "chatterbot/conversations.jsonl", 13)]
#: reuters-grain: split -> class -> how many files (first in sorted order)
GRAIN = {"train": {"grain": 30, "other": 60}, "test": {"grain": 10, "other": 20}}


def austen(shared: Path, out: Path) -> None:
    """The title pages and first chapters of two novels, paragraphs as in the source (blank-line separated)."""
    for name, stop in AUSTEN.items():
        paragraphs = (shared / "documents/austen" / name).read_text(encoding="utf-8").rstrip("\n").split("\n\n")
        keep = paragraphs[: paragraphs.index(stop)]
        _write(out / "austen" / name, "\n\n".join(keep) + "\n")


def first_lines(shared: Path, out: Path) -> None:
    for src, dst, n in FIRST_LINES:
        with open(shared / src, encoding="utf-8", newline="") as fh:
            lines = [line for _, line in zip(range(n), fh)]
        _write(out / dst, "".join(lines))


def every_kth(shared: Path, out: Path) -> None:
    for src, dst, k in EVERY_KTH:
        with open(shared / src, encoding="utf-8", newline="") as fh:
            lines = [line for i, line in enumerate(fh) if i % k == 0]
        _write(out / dst, "".join(lines))


def grain(shared: Path, out: Path) -> None:
    for split, classes in GRAIN.items():
        for label, n in classes.items():
            src = shared / "classification/reuters-grain" / split / label
            dst = out / "reuters-grain" / split / label
            if dst.exists():
                shutil.rmtree(dst)
            dst.mkdir(parents=True)
            for f in sorted(src.glob("*.txt"))[:n]:
                shutil.copyfile(f, dst / f.name)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def make_all(shared: Path, out: Path) -> None:
    for step in (austen, first_lines, every_kth, grain):
        step(shared, out)


if __name__ == "__main__":
    shared_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SHARED
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE
    make_all(shared_dir, out_dir)
    print(f"samples written to {out_dir}")
