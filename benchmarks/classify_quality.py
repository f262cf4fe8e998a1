"""Classification quality: our best shipped pipelines vs TF-IDF + logistic regression and the seed model.

    python benchmarks/classify_quality.py                 # both data sets (trains 4 models: minutes on 2 cores)
    python benchmarks/classify_quality.py --only movie    # or --only grain; --skip-seed leaves the seed model out

movie-sentences: pipelines/classify-sentiment.yaml (dev = dev.jsonl for early stopping), the seed
pipeline (pipelines/seed-rnn.yaml, 5 epochs) and TF-IDF (word 1-2-grams) + logistic regression,
all trained on train.jsonl and scored on test.jsonl. reuters-grain: pipelines/classify-topics.yaml
(dev = its seeded split of train/), the seed pipeline and TF-IDF + LR trained on train/, scored on
test/. Prints accuracy and macro-F1 of each, and each system's ratio to the TF-IDF + LR baseline.
The machine is shared: training times are under load and only indicative.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
if (SHARED / "nltk_data").is_dir():
    os.environ.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))
DATA = SHARED / "data" / "classification"
VECTORS = SHARED / "data" / "embeddings" / "glove.6B.50d.100k.txt.gz"


def tfidf_baseline(train_docs: list, test_docs: list) -> dict[str, float]:
    """Word 1-2-gram TF-IDF + logistic regression on the raw text (scikit-learn defaults otherwise)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    x_train = vec.fit_transform([d.text for d in train_docs])
    clf = LogisticRegression(max_iter=2000, C=10.0)
    start = time.perf_counter()
    clf.fit(x_train, [d.label for d in train_docs])
    seconds = time.perf_counter() - start
    pred = clf.predict(vec.transform([d.text for d in test_docs]))
    gold = [d.label for d in test_docs]
    return {"accuracy": accuracy_score(gold, pred), "macro_f1": f1_score(gold, pred, average="macro"), "seconds": seconds}


def train_and_test(pipeline: Path, out: Path, overrides: list[str], *, train: str | None, dev: str | None, test: Path) -> dict[str, float]:
    from illm_nlp.artifact import load_run
    from illm_nlp.pipeline import load_pipeline
    from illm_nlp.training.run import read_documents, reader_for, train_pipeline

    start = time.perf_counter()
    metrics = train_pipeline(load_pipeline(pipeline, overrides), out, train=train, dev=dev, overwrite=True, progress=False)
    seconds = time.perf_counter() - start
    predictor = load_run(out)
    docs = read_documents(reader_for(predictor.pipeline, test, labels=True), what="test", path=test)
    result = predictor.evaluate(docs)
    return {"accuracy": result["accuracy"], "macro_f1": result["macro_f1"], "seconds": seconds,
            "epochs": metrics["training"]["epochs_run"], "best_epoch": metrics["training"]["best_epoch"]}


def read(path: Path, labels: bool = True) -> list:
    from illm_nlp.config.schema import PipelineConfig
    from illm_nlp.pipeline import Pipeline
    from illm_nlp.training.run import read_documents, reader_for

    return read_documents(reader_for(Pipeline(PipelineConfig()), path, labels=labels), what=str(path), path=path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["movie", "grain"], help="run one data set")
    ap.add_argument("--skip-seed", action="store_true", help="leave the seed model out")
    ap.add_argument("--runs", type=Path, default=None, help="keep the run directories here (default: a temporary folder)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    runs = args.runs or Path(tempfile.mkdtemp(prefix="illm-bench-"))
    vec = [f"vars.vectors={VECTORS}"]
    rows: list[tuple[str, str, dict[str, float]]] = []
    if args.only in (None, "movie"):
        d = DATA / "movie-sentences"
        rows.append(("movie-sentences", "TF-IDF + LR (baseline)", tfidf_baseline(read(d / "train.jsonl"), read(d / "test.jsonl"))))
        rows.append(("movie-sentences", "classify-sentiment.yaml", train_and_test(
            REPO / "pipelines/classify-sentiment.yaml", runs / "sentiment", [f"vars.data={d}", *vec], train=None, dev=str(d / "dev.jsonl"), test=d / "test.jsonl")))
        if not args.skip_seed:
            rows.append(("movie-sentences", "seed-rnn.yaml (5 epochs)", train_and_test(
                REPO / "pipelines/seed-rnn.yaml", runs / "seed-movie", [f"vars.data={d / 'train.jsonl'}"], train=None, dev=str(d / "dev.jsonl"), test=d / "test.jsonl")))
    if args.only in (None, "grain"):
        d = DATA / "reuters-grain"
        rows.append(("reuters-grain", "TF-IDF + LR (baseline)", tfidf_baseline(read(d / "train"), read(d / "test"))))
        rows.append(("reuters-grain", "classify-topics.yaml", train_and_test(
            REPO / "pipelines/classify-topics.yaml", runs / "topics", [f"vars.data={d}", *vec], train=None, dev=None, test=d / "test")))
        if not args.skip_seed:
            rows.append(("reuters-grain", "seed-rnn.yaml (5 epochs)", train_and_test(
                REPO / "pipelines/seed-rnn.yaml", runs / "seed-grain", [], train=str(d / "train"), dev=None, test=d / "test")))
    base = {ds: r for ds, name, r in rows if name.startswith("TF-IDF")}
    print(f"\n{'data set':<16} {'system':<28} {'accuracy':>8} {'macro-F1':>8} {'F1 vs baseline':>14} {'train s':>8} {'epochs (best)':>13}")
    for ds, name, r in rows:
        ratio = r["macro_f1"] / base[ds]["macro_f1"] if ds in base and base[ds]["macro_f1"] else float("nan")
        ep = f"{r['epochs']} ({r['best_epoch']})" if "epochs" in r else "-"
        print(f"{ds:<16} {name:<28} {100 * r['accuracy']:7.1f}% {r['macro_f1']:8.3f} {ratio:13.2f}x {r['seconds']:8.1f} {ep:>13}")
    print("\n(targets: movie-sentences >= 80 % test accuracy; reuters-grain >= 0.90 macro-F1. Shared 2-core machine: times under load.)")
    if args.json:
        args.json.write_text(json.dumps([{"data": ds, "system": n, **r} for ds, n, r in rows], indent=2))
    print(f"run directories: {runs}", file=sys.stderr)


if __name__ == "__main__":
    main()
