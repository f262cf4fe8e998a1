"""Cleaning throughput: ``illm run``'s code path against a plain hand-written NLTK loop.

The same cleaning — Punkt sentences, NLTK's treebank word tokens, lower case,
NLTK stop words dropped, WordNet lemmas — over Jane Austen's six novels
(``../shared/data/documents/austen``) split into paragraphs:

* **plain loop** (the baseline): one process, ``sent_tokenize`` then
  ``word_tokenize(sentence, preserve_line=True)`` (the faster of the two usual
  spellings: it does not re-split each sentence), ``w.lower()``, a ``set`` of
  stop words, ``WordNetLemmatizer().lemmatize(w)``.
* **illm, N workers**: ``Pipeline.write`` — what ``illm run`` calls — with the
  local engine, reading the folder with ``folder.v1`` (``unit: paragraph``)
  and writing jsonl, so reading, the engine and writing are all in the time.

The stage gets its speed from NLTK's own tokenizer patterns run on Python's
``re`` engine with cheap pre-checks (``illm_nlp/stages/nltk_fast.py``), a
per-process memo of each distinct token's fate, and a WordNet reader that
skips an OMW mapping lemmas never use; the token check below is what keeps
those honest.

Both are timed warm: the NLTK models (WordNet takes seconds to load) are
loaded once before the clock starts and the load time is printed on its own;
forked workers inherit what the parent loaded. The tokens of every paragraph
must be the same in both (checked; the script exits 1 if not). Words are the
whitespace-separated words of the input, the same count for every row.

Peak memory: ``Pipeline.write`` with 2 workers in a fresh child process on
the collection and on the collection repeated ten times (ru_maxrss of the
child and of its largest worker), to show that memory stays flat.

    .venv/bin/python benchmarks/clean_throughput.py                  # everything
    .venv/bin/python benchmarks/clean_throughput.py --skip-memory    # throughput only

Targets (issue 2): illm ≥ 1.0x the plain loop with 1 worker, ≥ 1.8x with 2.
The machine may be shared: figures under load vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
AUSTEN = REPO.parent / "shared" / "data" / "documents" / "austen"

PIPELINE = """\
corpus:
  reader: folder.v1
  path: {corpus}
  include: ["*.txt"]
  unit: paragraph
stages:
  - stage: nltk.clean.v1
    language: english
    lowercase: true
    split_sentences: true
    tokenizer: treebank
    keep_punctuation: true
    stopwords: true
    lemmatize: true
output:
  path: {output}
"""


def paragraphs(folder: Path) -> list[str]:
    """The paragraphs as a plain loop would read them: blank-line separated, in file order."""
    out = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [p.strip() for p in text.split("\n\n") if p.strip()]
    return out


def load_nltk() -> tuple[set[str], Any, Any]:
    """Load what the plain loop needs, once (WordNet's first use reads and indexes it)."""
    from nltk.corpus import stopwords
    from nltk.stem import WordNetLemmatizer
    from nltk.tokenize import sent_tokenize

    stop = set(stopwords.words("english"))
    lemmatizer = WordNetLemmatizer()
    lemmatizer.lemmatize("warming")
    sent_tokenize("Warm up. Now.")
    return stop, lemmatizer, sent_tokenize


def plain_loop(paras: list[str], stop: set[str], lemmatizer, sent_tokenize) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The hand-written NLTK loop the toolkit is measured against."""
    from nltk.tokenize import word_tokenize

    out = []
    for para in paras:
        tokens = []
        for sent in sent_tokenize(para):
            for word in word_tokenize(sent, preserve_line=True):
                word = word.lower()
                if word in stop:
                    continue
                tokens.append(lemmatizer.lemmatize(word))
        out.append(tokens)
    return out


def write_pipeline(tmp: Path, corpus: Path, output: Path) -> Path:
    path = tmp / f"clean-{output.stem}.yaml"
    path.write_text(PIPELINE.format(corpus=json.dumps(str(corpus)), output=json.dumps(str(output))), encoding="utf-8")
    return path


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (pool workers are reaped at the end)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run_illm(pipeline: Path, workers: int) -> tuple[float, float, list[list[str]]]:
    from illm_nlp import load_pipeline

    start, cpu = time.perf_counter(), cpu_seconds()
    load_pipeline(pipeline).write(workers=workers, progress=False)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    out = pipeline.parent / f"out-{workers}.jsonl"
    tokens = [json.loads(line)["tokens"] for line in out.read_text(encoding="utf-8").splitlines()]
    return seconds, cpu, tokens


def child(pipeline: str, workers: int) -> None:
    """Run one Pipeline.write in this fresh process and report its peak memory as JSON."""
    from illm_nlp import load_pipeline

    start = time.perf_counter()
    summary = load_pipeline(pipeline).write(workers=workers, progress=False)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": time.perf_counter() - start, "written": summary.written,
                      "self_mb": self_kb / 1024, "worker_mb": children_kb / 1024}))


def memory(tmp: Path, scale: int, workers: int) -> dict[str, float]:
    corpus = tmp / f"austen-x{scale}"
    for copy in range(scale):
        dest = corpus / f"copy{copy:02d}"
        dest.mkdir(parents=True, exist_ok=True)
        for novel in sorted(AUSTEN.glob("*.txt")):
            shutil.copyfile(novel, dest / novel.name)
    pipeline = write_pipeline(tmp, corpus, tmp / f"mem-x{scale}.jsonl")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, __file__, "--child", str(pipeline), "--workers", str(workers)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"memory run x{scale} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-memory", action="store_true", help="skip the 1x / 10x peak-memory runs")
    parser.add_argument("--scale", type=int, default=10, help="how many times larger the memory run's collection is")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if (REPO.parent / "shared" / "nltk_data").is_dir():
        os.environ.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))
    if args.child:
        child(args.child, args.workers)
        return
    if not AUSTEN.is_dir():
        raise SystemExit(f"needs the Austen novels at {AUSTEN}")

    paras = paragraphs(AUSTEN)
    words = sum(len(p.split()) for p in paras)
    print(f"collection: {len(paras):,} paragraphs, {words:,} words (Austen, 6 novels); cpus: {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")

    start = time.perf_counter()
    stop, lemmatizer, sent_tokenize = load_nltk()
    load_s = time.perf_counter() - start
    print(f"one-off NLTK model loading (WordNet, Punkt, stop words): {load_s:.1f}s, outside every timing below")

    rows: list[tuple[str, float, float]] = []
    start, cpu = time.perf_counter(), cpu_seconds()
    plain = plain_loop(paras, stop, lemmatizer, sent_tokenize)
    rows.append(("plain NLTK loop (1 process)", time.perf_counter() - start, cpu_seconds() - cpu))

    ok = True
    with tempfile.TemporaryDirectory(prefix="illm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for workers in (1, 2):
            pipeline = write_pipeline(tmp, AUSTEN, tmp / f"out-{workers}.jsonl")
            seconds, cpu, tokens = run_illm(pipeline, workers)
            rows.append((f"illm run, {workers} worker{'s' if workers > 1 else ''}", seconds, cpu))
            if tokens != plain:
                ok = False
                diff = next((i for i, (a, b) in enumerate(zip(tokens, plain)) if a != b), min(len(tokens), len(plain)))
                print(f"MISMATCH with {workers} workers: {len(tokens)} vs {len(plain)} documents, first difference at {diff}")

        base = rows[0][1]
        print()
        print(f"{'run':<30} {'seconds':>8} {'words/s':>10} {'vs plain':>9} {'CPU s':>7}")
        for name, seconds, cpu in rows:
            print(f"{name:<30} {seconds:>8.2f} {words / seconds:>10,.0f} {base / seconds:>8.2f}x {cpu:>7.2f}")
        print(f"tokens identical to the plain loop: {'yes' if ok else 'NO'}")
        print("targets: >= 1.00x with 1 worker, >= 1.80x with 2 workers (wall clock; CPU s = all processes,"
              f" shows the work done when other jobs share the cores; load average now {os.getloadavg()[0]:.2f})")

        if not args.skip_memory:
            print()
            print("peak memory, Pipeline.write with 2 workers in a fresh process (cold: includes model loading):")
            print(f"{'collection':<16} {'words':>12} {'seconds':>8} {'main MB':>8} {'worker MB':>10}")
            for scale in (1, args.scale):
                m = memory(tmp, scale, 2)
                print(f"{'x' + str(scale):<16} {words * scale:>12,} {m['seconds']:>8.1f} {m['self_mb']:>8.0f} {m['worker_mb']:>10.0f}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
