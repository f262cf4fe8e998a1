"""Summarisation quality (ROUGE F1) against the lead baselines.

    python benchmarks/summarize_quality.py extractive            # seconds
    python benchmarks/summarize_quality.py abstractive --minutes 20
    python benchmarks/summarize_quality.py all

extractive: ``summarize.extractive.v1`` (TextRank and centroid, TF-IDF or
GloVe similarity) against lead-3 on the Wikipedia articles shipped in
gensim's test data: the article body (after the lead section, markup
removed) is summarised in 3 sentences and scored against the article's own
lead section.

abstractive: trains ``pipelines/summarize-abstractive.yaml`` as ``illm
train`` does (Debian descriptions, dev split for early stopping on dev
ROUGE-L) within the time budget, and scores the test split against lead-1
(the issue measured lead-1 at ROUGE-1/2/L 30.3 / 14.0 / 26.5).

Figures depend on the machine and its load (a shared CPU trains fewer epochs in the same budget).
"""

from __future__ import annotations

import argparse
import bz2
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
if "NLTK_DATA" not in os.environ and (SHARED / "nltk_data").is_dir():
    os.environ["NLTK_DATA"] = str(SHARED / "nltk_data")
DEBIAN = SHARED / "data" / "summarization" / "debian-descriptions"
GLOVE = SHARED / "data" / "embeddings" / "glove.6B.50d.100k.txt.gz"


def wikipedia_articles(min_lead: int = 2, min_body: int = 10) -> list[tuple[str, str, str]]:
    """(title, body, lead) of each real article in gensim's test dump (redirects and stubs left out)."""
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki
    from gensim.test.utils import datapath

    from illm_nlp.metrics import split_sentences

    dump = datapath("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
    out = []
    with bz2.open(dump) as fh:
        for title, text, _ in extract_pages(fh):
            first = re.search(r"^==[^=]", text, re.MULTILINE)
            if not first or text.lstrip().upper().startswith("#REDIRECT"):
                continue
            lead = " ".join(filter_wiki(text[: first.start()]).split())
            body = re.sub(r"^=+.*?=+\s*$", "", filter_wiki(text[first.start():]), flags=re.MULTILINE)
            if len(split_sentences(lead)) >= min_lead and len(split_sentences(body)) >= min_body:
                out.append((title, body, lead))
    return out


def extractive() -> list[tuple[str, dict[str, float], float]]:
    from illm_nlp.document import Doc
    from illm_nlp.metrics import lead, rouge
    from illm_nlp.registry import stages

    articles = wikipedia_articles()
    refs = [a[2] for a in articles]
    rows = []
    t0 = time.perf_counter()
    rows.append(("lead-3 (baseline)", rouge([lead(a[1], 3) for a in articles], refs), time.perf_counter() - t0))
    for method in ("textrank", "centroid"):
        for vectors in [None, *([GLOVE] if GLOVE.exists() else [])]:
            stage = stages.build("summarize.extractive.v1", {"method": method, "sentences": 3, "vectors": str(vectors) if vectors else None}, "bench")
            t0 = time.perf_counter()
            hyps = [stage(Doc(id=a[0], text=a[1])).meta["summary"] for a in articles]
            name = f"{method} ({'GloVe 50d' if vectors else 'TF-IDF'})"
            rows.append((name, rouge(hyps, refs), time.perf_counter() - t0))
    print(f"\nextractive: {len(articles)} Wikipedia articles from gensim's test data, body → 3 sentences vs the lead section")
    return rows


def abstractive(minutes: float, seed: int, test_limit: int | None) -> list[tuple[str, dict[str, float], float]]:
    import json

    from illm_nlp.artifact import load_run
    from illm_nlp.document import Doc
    from illm_nlp.pipeline import load_pipeline
    from illm_nlp.training.run import train_pipeline

    pipe = load_pipeline(
        REPO / "pipelines" / "summarize-abstractive.yaml", [f"vars.data={DEBIAN}", f"train.max_minutes={minutes}", f"train.seed={seed}"]
    )
    run = Path(tempfile.mkdtemp(prefix="bench-debian-")) / "run"
    t0 = time.perf_counter()
    metrics = train_pipeline(pipe, run, dev=DEBIAN / "dev.jsonl", progress=False)
    train_s = time.perf_counter() - t0
    predictor = load_run(run)
    rows_in = [json.loads(line) for line in (DEBIAN / "test.jsonl").open(encoding="utf-8")][:test_limit]
    docs = [Doc(id=r["id"], text=r["text"], target=r["summary"]) for r in rows_in]
    t0 = time.perf_counter()
    scores = predictor.evaluate(docs, outputs=str(run / "test-outputs.jsonl"))
    dec_s = time.perf_counter() - t0
    print(f"\nabstractive: Debian descriptions test split ({len(docs)} documents); trained {train_s / 60:.1f} min, "
          f"{metrics['training']['epochs_run']} epochs (best {metrics['training']['best_epoch']}), beam {scores['beam']}; run {run}")
    for text in (docs[0].text, docs[1].text):
        print(f"  {text[:90]!r}… → {predictor.predict([text])[0]['text']!r}", file=sys.stderr)
    lead = {k: scores[f"lead_{k}"] for k in ("rouge1", "rouge2", "rougeL")}
    ours = {k: scores[k] for k in ("rouge1", "rouge2", "rougeL")}
    return [("lead-1 (baseline)", lead, 0.0), ("ours (summarize-abstractive.yaml)", ours, dec_s)]


def show(rows: list[tuple[str, dict[str, float], float]]) -> None:
    print(f"{'method':36}{'ROUGE-1':>10}{'ROUGE-2':>10}{'ROUGE-L':>10}{'seconds':>10}")
    for name, r, secs in rows:
        print(f"{name:36}{r['rouge1']:>10.2f}{r['rouge2']:>10.2f}{r['rougeL']:>10.2f}{secs:>10.1f}")
    base = rows[0][1]["rougeL"]
    best = max(rows[1:], key=lambda row: row[1]["rougeL"])
    print(f"best ROUGE-L {best[0]}: {best[1]['rougeL']:.2f} = {best[1]['rougeL'] / base:.2f}x {rows[0][0]} ({base:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["extractive", "abstractive", "all"], nargs="?", default="all")
    parser.add_argument("--minutes", type=float, default=20.0, help="training budget of the abstractive model")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--test-limit", type=int, default=None, help="score only the first N test documents")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"{os.cpu_count()} CPUs (shared machine: figures are under load)")
    if args.which in ("extractive", "all"):
        show(extractive())
    if args.which in ("abstractive", "all"):
        show(abstractive(args.minutes, args.seed, args.test_limit))


if __name__ == "__main__":
    main()
