"""``head.classify.v1``: document classification on top of the pipeline's encoder.

Single-label (softmax over the labels, cross-entropy) or multi-label (one
sigmoid per label, binary cross-entropy, a decision threshold), optional class
weights for unbalanced data. Labels are names everywhere a person sees them:
in the run directory (``labels.json``), in predictions, metrics and plots.

Training goes through :func:`illm_nlp.training.loop.fit_keras`, so this head
gets length-grouped batches, dev metrics (accuracy, macro-F1, loss) each
epoch, early stopping with the best weights, checkpoints and ``--resume``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..document import Doc
from ..errors import ArtifactError, ConfigError, DataError, UsageError
from ..output import atomic_write_text
from ..registry import heads, models

logger = logging.getLogger(__name__)

__all__ = ["ClassifyHead", "ClassifyPredictor", "classify_head"]

LABELS_FILE = "labels.json"
VOCAB_FILE = "vocab.txt"
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"
COVERAGE_FILE = "embedding/coverage.json"
#: where the members of an ensemble train (removed once the ensemble is saved)
MEMBERS_DIR = "members"
#: model options that shape the vocabulary, which all members share
VOCAB_OPTIONS = frozenset({"max_vocab", "min_count", "vectors", "vectors_limit", "vectors_vocab"})
DEV_METRICS = ("accuracy", "macro_f1", "loss")
PREDICT_BATCH = 256


def doc_tokens(doc: Doc) -> list[str]:
    """The tokens a cleaning stage set, or the whitespace-split text when no stage tokenises."""
    return list(doc.tokens) if doc.tokens is not None else doc.text.split()


class ClassifyHead:
    """Trains and loads a classifier; options come from the pipeline's ``head:`` section."""

    task = "classify"

    def __init__(
        self,
        *,
        multi_label: bool,
        threshold: float,
        class_weight: str | dict[str, float] | None,
        labels: list[str] | None,
        hidden_units: int,
        hidden_dropout: float,
        ensemble: int = 1,
        members: list[dict[str, Any]] | None = None,
    ) -> None:
        self.multi_label = multi_label
        self.threshold = threshold
        self.class_weight = class_weight
        self.fixed_labels = labels
        self.hidden_units = hidden_units
        self.hidden_dropout = hidden_dropout
        self.ensemble = ensemble
        self.members = list(members or [])
        #: the in-memory predictor of the last fit (same weights as the saved model)
        self.predictor: ClassifyPredictor | None = None

    # -- labels ---------------------------------------------------------------
    def _doc_labels(self, doc: Doc, where: str) -> list[str]:
        label = doc.label
        if label is None or label == "" or label == []:
            raise DataError(
                f"{where}: document '{doc.id}' has no label",
                hint="check the reader's label options (label_field for jsonl/csv, label_from: folder for one sub-folder per label)",
            )
        names = [label] if isinstance(label, str) else [str(x) for x in label]
        if not self.multi_label and len(names) != 1:
            raise DataError(
                f"{where}: document '{doc.id}' has {len(names)} labels {names} but the head is single-label",
                hint="set head.multi_label: true for documents with several labels",
            )
        return names

    def _label_set(self, train: Sequence[Doc]) -> list[str]:
        seen = Counter(n for d in train for n in self._doc_labels(d, "training data"))
        if self.fixed_labels:
            unknown = sorted(set(seen) - set(self.fixed_labels))
            if unknown:
                raise DataError(
                    f"training data: labels {unknown} are not in head.labels {self.fixed_labels}",
                    hint="add them to head.labels, or remove head.labels to take the labels from the data",
                )
            return list(self.fixed_labels)
        labels = sorted(seen)
        if len(labels) < 2 and not self.multi_label:
            raise DataError(
                f"training data: only one label ({labels[0] if labels else 'none'}) in {len(train)} documents; a classifier needs at least two",
                hint="check the reader's label options and the training data",
            )
        return labels

    def _targets(self, docs: Sequence[Doc], labels: list[str], where: str) -> np.ndarray:
        index = {n: i for i, n in enumerate(labels)}
        if self.multi_label:
            y = np.zeros((len(docs), len(labels)), np.float32)
        else:
            y = np.zeros(len(docs), np.int32)
        for r, doc in enumerate(docs):
            for name in self._doc_labels(doc, where):
                if name not in index:
                    raise DataError(
                        f"{where}: document '{doc.id}' has label '{name}', which the training data does not have",
                        hint=f"known labels: {', '.join(labels)}",
                    )
                if self.multi_label:
                    y[r, index[name]] = 1.0
                else:
                    y[r] = index[name]
        return y

    def _weights(self, y: np.ndarray, labels: list[str]) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        counts = y.sum(axis=0) if self.multi_label else np.bincount(y, minlength=len(labels))
        if self.class_weight == "balanced":
            per = np.where(counts > 0, counts.sum() / (len(labels) * np.maximum(counts, 1)), 1.0)
        else:
            assert isinstance(self.class_weight, dict)
            unknown = sorted(set(self.class_weight) - set(labels))
            if unknown:
                raise ConfigError(f"head.class_weight: labels {unknown} are not in the data", hint=f"known labels: {', '.join(labels)}")
            per = np.array([float(self.class_weight.get(n, 1.0)) for n in labels])
        if self.multi_label:
            # an example weighs as its rarest label (1.0 when it has none)
            w = np.where(y > 0, per[None, :], 0.0).max(axis=1)
            return np.where(w > 0, w, 1.0).astype(np.float32)
        return per[y].astype(np.float32)

    def check(self, cfg: Any) -> None:
        """Fail fast on options that depend on the model section (ensemble members' overrides)."""
        self._member_specs(cfg, _encoder_spec(cfg))

    # -- training -------------------------------------------------------------
    def fit(
        self,
        *,
        pipeline: Any,
        train: Sequence[Doc],
        dev: Sequence[Doc] | None,
        run_dir: Path,
        resume: bool = False,
        progress: bool = True,
    ) -> dict[str, Any]:
        """Train on cleaned documents and write the run directory; returns the dev metrics."""
        from ..artifact import finish_checkpoints, save_keras_model, write_manifest
        from ..training.data import Examples, RaggedIds
        from ..training.loop import HISTORY_FILE, LOG_DIR
        from ..training.plots import plot_confusion, plot_history, plot_members
        from ..training.seed import seed_everything
        from ..vocab import Vocabulary

        cfg = pipeline.config
        tcfg = cfg.train
        run_dir = Path(run_dir)
        spec = _encoder_spec(cfg)
        specs = self._member_specs(cfg, spec)
        n = len(specs)
        given = len(train)
        train = [d for d in train if doc_tokens(d)]
        if len(train) < given:
            logger.warning("training data: %d documents have no tokens after cleaning and are left out", given - len(train))
        if not train:
            raise DataError("training data: no documents with text to train on", hint="check --train PATH / corpus.path and the reader options")
        seed_everything(tcfg.seed)
        labels = self._label_set(train)
        vocab_path, labels_path = run_dir / VOCAB_FILE, run_dir / LABELS_FILE
        if resume and vocab_path.exists() and labels_path.exists():
            vocab = Vocabulary.load(vocab_path)
            saved = json.loads(labels_path.read_text(encoding="utf-8"))["labels"]
            if saved != labels:
                raise ArtifactError(f"{labels_path}: the run was started with labels {saved}, the data now has {labels}", hint="resume with the same training data")
        else:
            vocab = spec.build_vocab(doc_tokens(d) for d in train)
            vocab.save(vocab_path)
            atomic_write_text(labels_path, json.dumps({"labels": labels, "multi_label": self.multi_label}, indent=2, ensure_ascii=False) + "\n")
        logger.info("%d training documents, %d labels, vocabulary of %d", len(train), len(labels), len(vocab))
        files = [VOCAB_FILE, LABELS_FILE, MODEL_FILE, METRICS_FILE, "history.json", "training.png"]
        init = spec.embedding_init(vocab, seed=tcfg.seed)
        if init is not None:
            cov = init.coverage.to_dict() if hasattr(init.coverage, "to_dict") else dict(init.coverage)
            atomic_write_text(run_dir / COVERAGE_FILE, json.dumps({"vectors": spec.vectors, **cov}, indent=2, default=str) + "\n")
            files.append(COVERAGE_FILE)

        def encode(docs: Sequence[Doc], what: str) -> RaggedIds:
            return RaggedIds.from_lists((vocab.encode(doc_tokens(d)) for d in docs), max_length=tcfg.max_length, what=what)

        y_train = self._targets(train, labels, "training data")
        examples = Examples({"tokens": encode(train, "training documents")}, y_train, self._weights(y_train, labels))
        dev = [d for d in dev if doc_tokens(d)] if dev else []
        dev_ids = encode(dev, "dev documents") if dev else None
        y_dev = self._targets(dev, labels, "dev data") if dev else None

        predictor = ClassifyPredictor(run_dir=run_dir, pipeline=pipeline, vocab=vocab, labels=labels, model=None,
                                      multi_label=self.multi_label, threshold=self.threshold, max_length=tcfg.max_length)

        def evaluate_dev() -> dict[str, float]:
            assert dev_ids is not None and y_dev is not None
            probs = predictor.probabilities(dev_ids)
            m = predictor.metrics_from(y_dev, probs)
            return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "loss": _log_loss(y_dev, probs, self.multi_label)}

        members: list[Any] = []
        results: list[Any] = []
        budget_s = tcfg.max_minutes * 60 if tcfg.max_minutes else None
        spent = 0.0
        for k in range(n):
            seed = tcfg.seed + k
            member_dir = run_dir if n == 1 else run_dir / MEMBERS_DIR / str(k + 1)
            member_cfg = tcfg if n == 1 else tcfg.model_copy(update={"seed": seed})
            if budget_s is not None and k > 0:
                left = budget_s - spent
                if left <= 0:
                    logger.warning("train.max_minutes reached after %d of %d ensemble members; the ensemble averages those %d", k, n, k)
                    break
                member_cfg = member_cfg.model_copy(update={"max_minutes": left / 60})
            if n > 1:
                logger.info("ensemble member %d of %d (seed %d)", k + 1, n, seed)
            model, result = self._train_member(specs[k], vocab, labels, k, n, member_cfg, member_dir, examples, predictor,
                                               evaluate_dev if dev else None, resume=resume, progress=progress,
                                               init=init if k == 0 else None)
            members.append(model)
            results.append(result)
            spent += result.seconds
            if result.timed_out and k + 1 < n:
                logger.warning("train.max_minutes reached in ensemble member %d of %d; the ensemble averages %d", k + 1, n, k + 1)
                break
        model = members[0] if len(members) == 1 else _average(members, name="classifier")
        predictor.model = model
        predictor._infer = None
        save_keras_model(model, run_dir / MODEL_FILE)
        training = {**results[0].to_dict(), "train_documents": len(train), "dev_documents": len(dev),
                    "train_tokens": examples.tokens, "vocabulary": len(vocab), "labels": labels}
        if n > 1:
            # The run's history is the members' in turn (each record says which); totals over the members.
            history = [{"member": i + 1, **rec} for i, r in enumerate(results) for rec in r.history]
            atomic_write_text(run_dir / HISTORY_FILE, json.dumps({"epochs": history}, indent=2) + "\n")
            training.update(
                ensemble=len(members),
                epochs_run=sum(r.epochs_run for r in results),
                train_seconds=round(sum(r.seconds for r in results), 3),
                stopped_early=all(r.stopped_early for r in results),
                timed_out=any(r.timed_out for r in results),
                members=[{"seed": tcfg.seed + i, **r.to_dict()} for i, r in enumerate(results)],
            )
            training["best_epoch"] = [r.best_epoch for r in results]
        metrics: dict[str, Any] = {"training": training}
        if dev and dev_ids is not None and y_dev is not None:
            probs = predictor.probabilities(dev_ids)
            dev_metrics = predictor.metrics_from(y_dev, probs)
            metrics["dev"] = dev_metrics
            if len(members) > 1:  # each member alone, at its best epoch: what averaging them gained
                best = [r.history[r.best_epoch - 1] if 0 < r.best_epoch <= len(r.history) else {} for r in results]
                metrics["dev_members"] = [{"seed": tcfg.seed + i, "accuracy": b.get("val_accuracy"), "macro_f1": b.get("val_macro_f1")}
                                          for i, b in enumerate(best)]
            if not self.multi_label:
                plot_confusion(dev_metrics["confusion"]["matrix"], labels, run_dir / "confusion.png", title="dev confusion matrix")
                files.append("confusion.png")
        atomic_write_text(run_dir / METRICS_FILE, json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
        if len(results) == 1:
            plot_history(results[0].history, run_dir / "training.png", title=f"{cfg.source}: training", best_epoch=results[0].best_epoch)
        else:
            plot_members([r.history for r in results], run_dir / "training.png", title=f"{cfg.source}: training, ensemble of {len(results)}",
                         best_epochs=[r.best_epoch for r in results])
        write_manifest(run_dir, task=self.task, head="head.classify.v1", files=files)
        if len(results) > 1 and not any(r.timed_out for r in results):
            import shutil

            for i in range(len(results)):  # keep each member's TensorBoard logs; the rest was only for resuming
                logs = run_dir / MEMBERS_DIR / str(i + 1) / LOG_DIR
                if logs.is_dir():
                    shutil.rmtree(run_dir / LOG_DIR / f"member-{i + 1}", ignore_errors=True)
                    (run_dir / LOG_DIR).mkdir(exist_ok=True)
                    logs.rename(run_dir / LOG_DIR / f"member-{i + 1}")
        finish_checkpoints(run_dir, keep=any(r.timed_out for r in results))
        predictor.saved_metrics = metrics
        self.predictor = predictor
        return metrics

    def _train_member(self, spec: Any, vocab: Any, labels: list[str], k: int, ensemble: int, tcfg: Any, member_dir: Path, examples: Any,
                      predictor: ClassifyPredictor, evaluate_dev: Any, *, resume: bool, progress: bool, init: Any) -> tuple[Any, Any]:
        """Build, compile and train one model (one ensemble member) in ``member_dir``; return it and its FitResult.

        Member k uses seed ``train.seed + k`` for its weights, its embedding rows for
        words missing from the vectors and its batch order, so members differ only
        by chance (and by their ``head.members`` overrides). On ``--resume``, a member
        whose checkpoint is already at its end (the run stopped after it) is restored
        from that checkpoint by ``fit_keras``, not trained again.
        """
        import keras

        from ..training.callbacks import load_checkpoint
        from ..training.loop import fit_keras
        from ..training.seed import seed_everything
        from ..training.strategy import get_strategy

        member_dir.mkdir(parents=True, exist_ok=True)
        seed_everything(tcfg.seed)
        if init is None:
            init = spec.embedding_init(vocab, seed=tcfg.seed)
        unfreeze_after = spec.unfreeze_after
        trainable = spec.trainable
        if unfreeze_after and resume:
            state = load_checkpoint(member_dir / "checkpoints")
            # UnfreezeEmbedding unfreezes at the start of epoch `unfreeze_after` (0-based); a
            # checkpoint taken after that epoch holds a trainable embedding and its optimizer slots
            trainable = bool(state and state["next_epoch"] > unfreeze_after)
        name = "classifier" if ensemble == 1 else f"member_{k + 1}"
        with get_strategy(tcfg.strategy).scope():
            model = self._build_model(spec, len(vocab), init, len(labels), trainable=trainable, name=name)
            optimizer = keras.optimizers.Adam(learning_rate=tcfg.learning_rate, clipnorm=tcfg.clipnorm)
            loss = "binary_crossentropy" if self.multi_label else "sparse_categorical_crossentropy"
            metric = keras.metrics.BinaryAccuracy(name="accuracy") if self.multi_label else keras.metrics.SparseCategoricalAccuracy(name="accuracy")
            model.compile(optimizer=optimizer, loss=loss, metrics=[metric])
        predictor.model = model
        predictor._infer = None
        extra: list[Any] = []
        if unfreeze_after:
            from ..embeddings.keras_init import UnfreezeEmbedding

            extra.append(UnfreezeEmbedding("encoder_embedding", unfreeze_after))
        monitor = (tcfg.monitor or "macro_f1").removeprefix("val_")
        result = fit_keras(
            model,
            train=examples,
            evaluate_dev=evaluate_dev,
            train_cfg=tcfg,
            run_dir=member_dir,
            monitor=monitor,
            mode="min" if monitor.endswith("loss") else "max",
            metrics=DEV_METRICS,
            resume=resume,
            progress=progress,
            extra_callbacks=extra,
        )
        return model, result

    def _member_specs(self, cfg: Any, spec: Any) -> list[Any]:
        """The encoder spec of each ensemble member: the model section, with ``head.members[k]`` over it.

        Overrides are validated like the model section itself; options that shape
        the shared vocabulary cannot differ between members.
        """
        n = max(self.ensemble, len(self.members))
        specs = []
        for k in range(n):
            over = self.members[k] if k < len(self.members) else {}
            if not over:
                specs.append(spec)
                continue
            shared = sorted(set(over) & VOCAB_OPTIONS)
            if shared:
                raise ConfigError(
                    f"head.members[{k}]: {', '.join(shared)} cannot differ between ensemble members (they share one vocabulary)",
                    hint="set these in the model section only",
                )
            specs.append(models.build(cfg.model.factory, {**cfg.model.options, **over}, f"head.members[{k}]"))
        return specs

    def _build_model(self, spec: Any, vocab_size: int, init: Any, n_labels: int, *, trainable: bool | None = None, name: str = "classifier") -> Any:
        import keras

        inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
        encoder = spec.build(vocab_size, init, name="encoder", trainable=trainable)
        h = encoder(inputs).pooled
        if self.hidden_units:
            h = keras.layers.Dense(self.hidden_units, activation="relu", name="hidden")(h)
            if self.hidden_dropout:
                h = keras.layers.Dropout(self.hidden_dropout, name="hidden_dropout")(h)
        activation = "sigmoid" if self.multi_label else "softmax"
        outputs = keras.layers.Dense(n_labels, activation=activation, name="labels")(h)
        return keras.Model(inputs, outputs, name=name)

    # -- loading --------------------------------------------------------------
    def load(self, run_dir: Path, pipeline: Any) -> ClassifyPredictor:
        """The predictor of a saved run (the run directory was checked by the caller)."""
        from ..artifact import load_keras_model
        from ..vocab import Vocabulary

        run_dir = Path(run_dir)
        vocab = Vocabulary.load(run_dir / VOCAB_FILE)
        try:
            labels = json.loads((run_dir / LABELS_FILE).read_text(encoding="utf-8"))["labels"]
        except (ValueError, KeyError, OSError) as exc:
            raise ArtifactError(f"{run_dir / LABELS_FILE}: cannot read the label names ({exc})", hint="the run directory is damaged; train again") from None
        model = load_keras_model(run_dir / MODEL_FILE)
        n_out = int(model.outputs[0].shape[-1])
        if n_out != len(labels):
            raise ArtifactError(f"{run_dir}: the model has {n_out} outputs but labels.json names {len(labels)} labels", hint="the run directory is damaged; train again")
        metrics_path = run_dir / METRICS_FILE
        saved = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
        predictor = ClassifyPredictor(run_dir=run_dir, pipeline=pipeline, vocab=vocab, labels=labels, model=model,
                                      multi_label=self.multi_label, threshold=self.threshold,
                                      max_length=pipeline.config.train.max_length)
        predictor.saved_metrics = saved
        return predictor


def _average(members: Sequence[Any], *, name: str) -> Any:
    """One Keras model whose output is the mean of the members' outputs (probabilities stay probabilities).

    The members stay whole inside it (nested models), so the saved ``.keras``
    file loads like a single model and every caller keeps working unchanged.
    """
    import keras

    inputs = keras.Input(shape=(None,), dtype="int32", name="tokens")
    # Uncompiled views over the members' layers (same weights), so the saved file holds no optimizer state.
    bare = [keras.Model(m.inputs[0], m.outputs[0], name=m.name) for m in members]
    outputs = keras.layers.Average(name="mean_probabilities")([m(inputs) for m in bare])
    return keras.Model(inputs, outputs, name=name)


def _encoder_spec(cfg: Any) -> Any:
    if cfg.model is None:
        raise ConfigError(
            f"{cfg.source}: the pipeline has no model section; head.classify.v1 needs an encoder",
            hint="add 'model: {stage: keras.rnn.v1}' (see pipelines/seed-rnn.yaml)",
        )
    return models.build(cfg.model.factory, cfg.model.options, f"{cfg.source}: model")


def _log_loss(y: np.ndarray, probs: np.ndarray, multi_label: bool) -> float:
    eps = 1e-7
    p = np.clip(probs, eps, 1 - eps)
    if multi_label:
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
    return float(-np.log(p[np.arange(len(y)), y]).mean())


class ClassifyPredictor:
    """A trained classifier: cleans texts with the saved pipeline and returns labels with probabilities."""

    task = "classify"

    def __init__(self, *, run_dir: Path, pipeline: Any, vocab: Any, labels: list[str], model: Any,
                 multi_label: bool, threshold: float, max_length: int | None) -> None:
        self.run_dir = Path(run_dir)
        self.pipeline = pipeline
        self.vocab = vocab
        self.labels = list(labels)
        self.model = model
        self.multi_label = multi_label
        self.threshold = threshold
        self.max_length = max_length
        self.saved_metrics: dict[str, Any] = {}
        self._infer: Any = None
        self._stages: list[Any] | None = None

    # -- the chain ------------------------------------------------------------
    def clean(self, docs: Sequence[Doc]) -> list[Doc]:
        """Run the saved cleaning stages; a document a filter would drop keeps its text for prediction."""
        if self._stages is None:
            self.pipeline.check_resources()
            self._stages = self.pipeline.map_stages()
        out = []
        for doc in docs:
            current = doc
            for stage in self._stages:
                nxt = stage(current)
                if nxt is None:
                    break
                current = nxt
            out.append(current)
        return out

    def encode(self, docs: Sequence[Doc]) -> Any:
        from ..training.data import RaggedIds

        return RaggedIds.from_lists((self.vocab.encode(doc_tokens(d)) for d in docs), max_length=self.max_length, what="documents")

    def probabilities(self, ids: Any) -> np.ndarray:
        """Label probabilities for encoded documents, batched by length (order kept)."""
        import tensorflow as tf

        from ..training.data import eval_plan

        if self._infer is None:
            model = self.model
            self._infer = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, None], tf.int32)], reduce_retracing=True)
        out = np.zeros((len(ids), len(self.labels)), np.float32)
        for idx in eval_plan(ids.lengths, PREDICT_BATCH):
            width = max(1, int(ids.lengths[idx].max()))
            out[idx] = self._infer(tf.constant(ids.padded(idx, width))).numpy()
        return out

    def predict_docs(self, docs: Sequence[Doc]) -> np.ndarray:
        return self.probabilities(self.encode(self.clean(docs)))

    def answers(self, probs: np.ndarray, top: int | None = None, threshold: float | None = None) -> list[dict[str, Any]]:
        """Label names and probabilities per document, best first (``threshold`` overrides the run's, multi-label)."""
        k = len(self.labels) if not top else max(1, min(top, len(self.labels)))
        cut = self.threshold if threshold is None else float(threshold)
        out = []
        for row in probs:
            order = np.argsort(-row, kind="stable")[:k]
            probs_named = {self.labels[i]: round(float(row[i]), 6) for i in order}
            if self.multi_label:
                label: Any = [self.labels[i] for i in np.argsort(-row, kind="stable") if row[i] >= cut]
            else:
                label = self.labels[int(order[0])]
            out.append({"label": label, "labels": [self.labels[i] for i in order], "probabilities": probs_named})
        return out

    # -- Predictor protocol -----------------------------------------------------
    def predict(self, texts: Sequence[str], **settings: Any) -> list[dict[str, Any]]:
        """One answer per text: ``{"label", "labels", "probabilities"}``; ``top=K`` keeps the K best labels."""
        unknown = sorted(set(settings) - {"top", "threshold"})
        if unknown:
            raise UsageError(f"classification does not take the setting(s) {unknown}", hint="known: top, threshold")
        docs = [Doc(id=str(i), text=str(t)) for i, t in enumerate(texts)]
        return self.answers(self.predict_docs(docs), settings.get("top"), settings.get("threshold"))

    def metrics_from(self, y: np.ndarray, probs: np.ndarray) -> dict[str, Any]:
        from .classify_metrics import classification_metrics

        pred = (probs >= self.threshold).astype(np.int32) if self.multi_label else probs.argmax(axis=1)
        return classification_metrics(y.astype(np.int32) if self.multi_label else y, pred, self.labels, multi_label=self.multi_label)

    def evaluate(self, docs: Sequence[Doc], **settings: Any) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class scores and the confusion matrix on labelled documents."""
        labelled = [d for d in docs if d.label not in (None, "", [])]
        if not labelled:
            raise DataError("evaluation data: no document has a label", hint="evaluate on labelled data (check the reader's label options)")
        if len(labelled) < len(docs):
            logger.warning("%d of %d documents have no label and are left out of the evaluation", len(docs) - len(labelled), len(docs))
        head = ClassifyHead(multi_label=self.multi_label, threshold=self.threshold, class_weight=None, labels=None, hidden_units=0, hidden_dropout=0.0)
        y = head._targets(labelled, self.labels, "evaluation data")
        probs = self.predict_docs(labelled)
        metrics = self.metrics_from(y, probs)
        metrics["loss"] = _log_loss(y, probs, self.multi_label)
        return metrics

    def info(self) -> dict[str, Any]:
        from ..artifact import MANIFEST

        manifest_path = self.run_dir / MANIFEST
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
        return {
            "task": self.task,
            "run_dir": str(self.run_dir),
            "pipeline": self.pipeline.config.source,
            "labels": self.labels,
            "multi_label": self.multi_label,
            "threshold": self.threshold if self.multi_label else None,
            "vocabulary": len(self.vocab),
            "metrics": self.saved_metrics.get("dev", {}),
            "training": self.saved_metrics.get("training", {}),
            "versions": {"toolkit": (manifest.get("toolkit") or {}).get("version"), **(manifest.get("libraries") or {})},
        }

    def stream(self, text: str, **settings: Any) -> Iterator[str]:
        """Classification has nothing to stream: the whole answer comes at once."""
        answer = self.predict([text], **settings)[0]
        label = ", ".join(answer["label"]) if isinstance(answer["label"], list) else answer["label"]
        probs = ", ".join(f"{k} {v:.3f}" for k, v in answer["probabilities"].items())
        yield f"{label} ({probs})"


@heads.register("head.classify.v1")
def classify_head(
    *,
    multi_label: Annotated[bool, Field(description="several labels per document (one sigmoid per label) instead of exactly one (softmax)")] = False,
    threshold: Annotated[float, Field(gt=0, lt=1, description="multi-label: probability from which a label is given")] = 0.5,
    class_weight: Annotated[Literal["balanced"] | dict[str, float] | None, Field(description="weigh classes: 'balanced' (inverse frequency) or {label: weight}")] = None,
    labels: Annotated[list[str] | None, Field(description="the label names in a fixed order (default: those in the training data, sorted)")] = None,
    hidden_units: Annotated[int, Field(ge=0, description="a dense ReLU layer of this size before the output (0: none)")] = 0,
    hidden_dropout: Annotated[float, Field(ge=0, lt=1, description="dropout after the hidden layer")] = 0.0,
    ensemble: Annotated[int, Field(ge=1, le=20, description=(
        "train this many models (seeds train.seed, +1, ...; each with early stopping) and average their "
        "probabilities: steadier and usually more accurate than one, at N times the training time"))] = 1,
    members: Annotated[list[dict[str, Any]] | None, Field(description=(
        "per-member changes to the model section, e.g. [{}, {layers: 0, ngrams: 2}]: members that differ "
        "in kind err differently and average better; the ensemble has max(ensemble, len(members)) members"))] = None,
) -> ClassifyHead:
    """Document classification (single- or multi-label) over the model's pooled encoding.

    Trains with early stopping on dev macro-F1 by default; evaluation reports
    accuracy, macro-F1, per-class scores and the confusion matrix.
    """
    return ClassifyHead(
        multi_label=multi_label,
        threshold=threshold,
        class_weight=class_weight,
        labels=labels,
        hidden_units=hidden_units,
        hidden_dropout=hidden_dropout,
        ensemble=ensemble,
        members=members,
    )
