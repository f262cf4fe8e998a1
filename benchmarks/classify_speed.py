"""Training and prediction speed of `illm train` / `illm predict` vs the same Keras model fed the plain way.

    python benchmarks/classify_speed.py [--epochs 2] [--seeds 3] [--limit N]

Data: movie-sentences train.jsonl (training) and test.jsonl (prediction, accuracy), cleaned
once with nltk.clean.v1. Model (both ways): keras.rnn.v1 LSTM(128) over a 100-d embedding
trained from scratch, last-state pooling, softmax; Adam 1e-3, batch 32, same seed.

- ours: `train_pipeline` (what `illm train` runs): ids cached once, batches grouped by length
  (padding per batch), tf.data prefetch; tokens/s counts real tokens over training time
  without the per-epoch dev pass. Prediction: `Predictor.predict` (what `illm predict` runs),
  which also cleans each text.
- plain: the same model built from the same spec and vocabulary, every sequence padded to
  the longest, `model.fit(x, y, batch_size=32, shuffle=True)` on NumPy arrays; prediction
  cleans the texts the same way, pads to the longest and calls `model.predict`.

Both ways run once per seed (--seeds, default 3: single short runs differ by a few points of
accuracy from seed to seed, so accuracy is compared on the mean). Prints tokens/s,
documents/s and test accuracy of each, and our/plain ratios (targets:
training >= 1.5x at equal accuracy +-1 point, prediction >= 1.0x). The machine is shared with
other work, so absolute figures are under load; the ratio is measured in one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
if (SHARED / "nltk_data").is_dir():
    os.environ.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))
DATA = SHARED / "data" / "classification" / "movie-sentences"

PIPELINE = """
version: 1
corpus: {{reader: folder.v1, path: {train}, label_from: field}}
stages:
  - stage: nltk.clean.v1
model: {{stage: keras.rnn.v1, cell: lstm, units: 128, embedding_dim: 100, pooling: last, max_vocab: 20000}}
head: {{stage: head.classify.v1}}
train: {{epochs: {epochs}, batch_size: 32, learning_rate: 0.001, seed: {seed}, patience: 0}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N training sentences")
    ap.add_argument("--seeds", type=int, default=3, help="repeat both ways with seeds 13, 14, ...; accuracy is compared on the mean")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rows = [run_once(args, 13 + i) for i in range(args.seeds)]
    r0 = rows[0]
    print(f"\nmovie-sentences: {r0['sentences']} training sentences, {r0['tokens']:,} tokens, longest {r0['longest']}; "
          f"{args.epochs} epochs; {r0['predicted']} documents predicted; seeds {', '.join(str(r['seed']) for r in rows)}")
    print(f"{'':<34} {'train tokens/s':>14} {'predict docs/s':>14} {'test acc':>9}")
    for r in rows:
        for way, label in (("ours", "illm train / illm predict"), ("plain", "plain (padded, model.fit)")):
            print(f"{label + ' (seed ' + str(r['seed']) + ')':<34} {r[way]['train_tps']:14,.0f} {r[way]['predict_dps']:14,.0f} {100 * r[way]['acc']:8.1f}%")

    def mean(way: str, key: str) -> float:
        return sum(r[way][key] for r in rows) / len(rows)

    def ratio(key: str) -> float:
        return sum(r["ours"][key] / r["plain"][key] for r in rows) / len(rows)

    accs = {w: [100 * r[w]["acc"] for r in rows] for w in ("ours", "plain")}
    print(f"{'mean ours':<34} {mean('ours', 'train_tps'):14,.0f} {mean('ours', 'predict_dps'):14,.0f} {sum(accs['ours']) / len(rows):8.1f}%")
    print(f"{'mean plain':<34} {mean('plain', 'train_tps'):14,.0f} {mean('plain', 'predict_dps'):14,.0f} {sum(accs['plain']) / len(rows):8.1f}%")
    print(f"{'ratio ours / plain (mean of runs)':<34} {ratio('train_tps'):13.2f}x {ratio('predict_dps'):13.2f}x "
          f"{(sum(accs['ours']) - sum(accs['plain'])) / len(rows):+8.1f} pt")
    print(f"accuracy range over seeds: ours {min(accs['ours']):.1f}-{max(accs['ours']):.1f}, plain {min(accs['plain']):.1f}-{max(accs['plain']):.1f}")
    print("(targets: training >= 1.5x at equal accuracy +-1 point; prediction >= 1.0x. Shared 2-core machine: absolute figures under load.)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def run_once(args: argparse.Namespace, seed: int) -> dict:
    """Both ways once with ``seed``: training tokens/s, prediction documents/s and test accuracy of each."""
    import numpy as np

    from illm_nlp.artifact import load_run
    from illm_nlp.pipeline import load_pipeline
    from illm_nlp.training.run import clean_documents, read_documents, reader_for, train_pipeline

    tmp = Path(tempfile.mkdtemp(prefix="illm-speed-"))
    train_file = DATA / "train.jsonl"
    if args.limit:
        train_file = tmp / "train.jsonl"
        train_file.write_text("".join((DATA / "train.jsonl").read_text().splitlines(True)[: args.limit]))
    dev_file = tmp / "dev.jsonl"  # a tiny dev set: both ways train the same epochs, no early stop
    dev_file.write_text("".join((DATA / "dev.jsonl").read_text().splitlines(True)[:64]))
    pfile = tmp / "speed.yaml"
    pfile.write_text(PIPELINE.format(train=train_file, epochs=args.epochs, seed=seed))
    pipe = load_pipeline(pfile)
    test_docs = read_documents(reader_for(pipe, DATA / "test.jsonl", labels=True), what="test", path=DATA / "test.jsonl")
    test_texts = [d.text for d in test_docs] * 4  # ~4,200 documents to predict
    test_labels = [d.label for d in test_docs]

    # -- ours ------------------------------------------------------------------
    metrics = train_pipeline(pipe, tmp / "run", dev=str(dev_file), overwrite=True, progress=False)
    ours_train_tps = metrics["training"]["train_tokens_per_second"]
    predictor = load_run(tmp / "run")
    predictor.predict(test_texts[:64])  # warm-up: build the inference function once
    start = time.perf_counter()
    answers = predictor.predict(test_texts)
    ours_pred_dps = len(test_texts) / (time.perf_counter() - start)
    ours_acc = float(np.mean([a["label"] == g for a, g in zip(answers[: len(test_labels)], test_labels)]))

    # -- plain -----------------------------------------------------------------
    import keras

    from illm_nlp.heads.classify import doc_tokens
    from illm_nlp.registry import heads, models
    from illm_nlp.training.seed import seed_everything
    from illm_nlp.vocab import Vocabulary

    cfg = pipe.config
    seed_everything(seed)
    train_docs = clean_documents(pipe, read_documents(pipe.reader(), what="train", path=train_file), what="train")
    vocab = Vocabulary.load(tmp / "run" / "vocab.txt")
    labels = predictor.labels
    spec = models.build(cfg.model.factory, cfg.model.options, "model")
    head = heads.build(cfg.head.factory, cfg.head.options, "head")
    model = head._build_model(spec, len(vocab), None, len(labels))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    seqs = [vocab.encode(doc_tokens(d)) for d in train_docs]
    longest = max(len(s) for s in seqs)
    x = np.zeros((len(seqs), longest), np.int32)
    for i, s in enumerate(seqs):
        x[i, : len(s)] = s
    y = np.array([labels.index(d.label) for d in train_docs], np.int32)
    tokens = int(sum(len(s) for s in seqs))
    model.fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=0)  # build/trace outside the timing (ours traces inside its own timing)
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=args.epochs, shuffle=True, verbose=0)
    plain_train_tps = tokens * args.epochs / (time.perf_counter() - start)

    def plain_predict(texts: list[str]) -> np.ndarray:
        docs = predictor.clean([type(test_docs[0])(id=str(i), text=t) for i, t in enumerate(texts)])
        ids = [vocab.encode(doc_tokens(d)) for d in docs]
        width = max(1, max(len(s) for s in ids))
        arr = np.zeros((len(ids), width), np.int32)
        for i, s in enumerate(ids):
            arr[i, : len(s)] = s
        return model.predict(arr, batch_size=256, verbose=0)

    plain_predict(test_texts[:64])
    start = time.perf_counter()
    probs = plain_predict(test_texts)
    plain_pred_dps = len(test_texts) / (time.perf_counter() - start)
    plain_acc = float(np.mean([labels[i] == g for i, g in zip(probs[: len(test_labels)].argmax(1), test_labels)]))

    return {"seed": seed, "sentences": len(train_docs), "tokens": tokens, "longest": longest, "predicted": len(test_texts),
            "ours": {"train_tps": ours_train_tps, "predict_dps": ours_pred_dps, "acc": ours_acc},
            "plain": {"train_tps": plain_train_tps, "predict_dps": plain_pred_dps, "acc": plain_acc}}


if __name__ == "__main__":
    main()
