"""``head.seq2seq.v1``: text in, text out — translation and abstractive summarisation.

The model is :class:`illm_nlp.models.seq2seq.Seq2Seq` (RNN encoder, LSTM/GRU
decoder with Bahdanau or Luong attention, teacher forcing in training, label
smoothing); decoding is :mod:`illm_nlp.decoding` (greedy or beam search with a
length penalty). Training goes through the shared loop
(:func:`illm_nlp.training.loop.fit_keras`): length-grouped ``tf.data``
batches, dev BLEU (translation) or ROUGE-L (summarisation) each epoch for
early stopping, checkpoints, ``--resume``, the time budget, TensorBoard,
``history.json``.

How each side becomes tokens (see ``docs/seq2seq.md``):

- ``vocabulary: words`` — the *source* is the pipeline stages' ``Doc.tokens``
  when the pipeline has cleaning stages, else the Moses tokenisation of
  ``Doc.text`` in ``source_language``; the *target* (``Doc.target``) is
  always Moses-tokenised in ``target_language`` keeping case and
  punctuation, and generated tokens are detokenised by the same rules before
  anyone sees or scores them. Unknown output words can be replaced by the
  source word the decoder attended to.
- ``vocabulary: sentencepiece`` — a SentencePiece unigram model per side (one
  for both with ``shared_vocab``) learnt from the training texts, so there
  are no unknown words; pieces decode back to text losslessly.

The run directory holds ``model.keras`` (loaded in safe mode), the
vocabularies as text, the SentencePiece models (protobuf, not pickle) and
``seq2seq.json``; nothing is pickled.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..document import Doc
from ..errors import ArtifactError, ConfigError, DataError, UsageError, did_you_mean
from ..registry import heads
from ..vocab import BOS, EOS, Vocabulary

logger = logging.getLogger(__name__)

__all__ = ["Seq2SeqHead", "Seq2SeqPredictor", "Seq2SeqSettings", "Sides", "seq2seq_head"]

MODEL_FILE = "model.keras"
HEAD_FILE = "seq2seq.json"
METRICS_FILE = "metrics.json"
SOURCE_VOCAB = "source_vocab.txt"
TARGET_VOCAB = "target_vocab.txt"
SHARED_VOCAB = "vocab.txt"
SOURCE_SPM = "source.spm"
TARGET_SPM = "target.spm"
SHARED_SPM = "shared.spm"
OUTPUTS_FILE = "outputs.jsonl"


class Seq2SeqSettings(BaseModel):
    """Decoding settings a caller may pass to ``predict`` / ``evaluate`` / ``stream``."""

    model_config = ConfigDict(extra="forbid")

    beam: int = Field(5, ge=1, le=64, description="beam size; 1 = greedy search")
    length_penalty: float = Field(0.6, ge=0, le=5, description="GNMT length-penalty exponent for beam search; 0 = none")
    max_length: int = Field(60, gt=0, le=1000, description="output tokens at most")
    min_length: int = Field(1, ge=0, le=1000, description="output tokens at least (an empty output is never an answer)")
    replace_unknown: bool = Field(True, description="replace <unk> in the output by the source word it attended to")
    batch_size: int = Field(64, gt=0, description="sentences decoded together")


def _settings_error(exc: ValidationError) -> UsageError:
    known = list(Seq2SeqSettings.model_fields)
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown decoding setting '{key}'.{did_you_mean(key, known)}")
        else:
            lines.append(f"decoding setting '{key}': {err['msg'].lower()} (got {err.get('input')!r})")
    return UsageError("; ".join(lines), hint=f"settings a seq2seq run takes: {', '.join(known)}")


# -- tokenisation of the two sides ----------------------------------------------------------


def require_sentencepiece() -> None:
    """``vocabulary: sentencepiece`` needs the optional ``sentencepiece`` package: say how to get it."""
    import importlib.util

    if importlib.util.find_spec("sentencepiece") is None:
        raise ConfigError(
            "head.vocabulary: 'sentencepiece' needs the sentencepiece package, which is not installed",
            hint="pip install 'illm-nlp[subword]' (or pip install sentencepiece), or set head.vocabulary: words",
        )


class Sides:
    """Turns source and target texts into tokens and generated tokens back into text.

    Built from the head's options; with SentencePiece it also holds the
    trained piece models (learnt in :meth:`learn`, saved and loaded as files).
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.o = options
        self.kind: str = options["vocabulary"]
        self.source_language: str = options["source_language"]
        self.target_language: str = options["target_language"]
        self.sp_source: Any = None
        self.sp_target: Any = None

    # SentencePiece -----------------------------------------------------------------
    @staticmethod
    def _train_spm(texts: Sequence[str], vocab_size: int, path: Path) -> Any:
        import io

        import sentencepiece as spm

        model = io.BytesIO()
        # one thread and no sampling: the same texts always give the same pieces
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter([t for t in texts if t.strip()]),
            model_writer=model,
            vocab_size=vocab_size,
            model_type="unigram",
            character_coverage=1.0,
            num_threads=1,
            shuffle_input_sentence=False,
            input_sentence_size=0,
            hard_vocab_limit=False,
            pad_id=-1,
            bos_id=-1,
            eos_id=-1,
            unk_id=0,
            minloglevel=2,
        )
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(model.getvalue())
        tmp.replace(path)
        return spm.SentencePieceProcessor(model_proto=model.getvalue())

    @staticmethod
    def _load_spm(path: Path) -> Any:
        import sentencepiece as spm

        if not path.exists():
            raise ArtifactError(f"SentencePiece model '{path}' is missing", hint="copy the whole run directory, or train again")
        return spm.SentencePieceProcessor(model_proto=path.read_bytes())

    def learn(self, docs: Sequence[Doc], run_dir: Path, *, reuse: bool) -> None:
        """Learn the SentencePiece models from the training pairs (no-op for words)."""
        if self.kind != "sentencepiece":
            return
        require_sentencepiece()
        o = self.o
        if o["shared_vocab"]:
            path = run_dir / SHARED_SPM
            if reuse and path.exists():
                self.sp_source = self.sp_target = self._load_spm(path)
            else:
                texts = [d.text for d in docs] + [d.target or "" for d in docs]
                self.sp_source = self.sp_target = self._train_spm(texts, o["source_vocab"], path)
            return
        for side, path, size in (("source", run_dir / SOURCE_SPM, o["source_vocab"]), ("target", run_dir / TARGET_SPM, o["target_vocab"])):
            if reuse and path.exists():
                sp = self._load_spm(path)
            else:
                texts = [d.text if side == "source" else (d.target or "") for d in docs]
                sp = self._train_spm(texts, size, path)
            setattr(self, f"sp_{side}", sp)

    def files(self) -> list[str]:
        """The piece-model files this tokenisation keeps in the run directory."""
        if self.kind != "sentencepiece":
            return []
        return [SHARED_SPM] if self.o["shared_vocab"] else [SOURCE_SPM, TARGET_SPM]

    def load(self, run_dir: Path) -> None:
        if self.kind != "sentencepiece":
            return
        require_sentencepiece()
        if self.o["shared_vocab"]:
            self.sp_source = self.sp_target = self._load_spm(run_dir / SHARED_SPM)
        else:
            self.sp_source = self._load_spm(run_dir / SOURCE_SPM)
            self.sp_target = self._load_spm(run_dir / TARGET_SPM)

    # text ↔ tokens -------------------------------------------------------------------
    def source_tokens(self, doc: Doc) -> list[str]:
        if self.kind == "sentencepiece":
            return list(self.sp_source.encode(doc.text, out_type=str))
        if doc.tokens is not None:
            return [t.lower() for t in doc.tokens] if self.o["source_lowercase"] else list(doc.tokens)
        from ..detokenize import tokenize

        return tokenize(doc.text, self.source_language, lowercase=self.o["source_lowercase"])

    def target_tokens(self, text: str) -> list[str]:
        if self.kind == "sentencepiece":
            return list(self.sp_target.encode(text, out_type=str))
        from ..detokenize import tokenize

        return tokenize(text, self.target_language, lowercase=self.o["target_lowercase"])

    def render(self, tokens: Sequence[str]) -> str:
        """Generated target tokens → running text (detokenised for the target language)."""
        if self.kind == "sentencepiece":
            return str(self.sp_target.decode_pieces(list(tokens)))
        from ..detokenize import detokenize

        return detokenize(tokens, self.target_language)


# -- the head -------------------------------------------------------------------------------


class Seq2SeqHead:
    """Builds, trains and loads the encoder–decoder (see the module docstring)."""

    task = "seq2seq"
    #: the head tokenises source and target itself (Moses / SentencePiece), so stages need not set tokens.
    tokenizes_text = True
    registered_name = "head.seq2seq.v1"

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.sides = Sides(options)

    @property
    def kind(self) -> str:
        """``translate`` or ``summarize``: which metrics evaluation reports."""
        return str(self.options["task"])

    @property
    def monitor(self) -> str:
        return "bleu" if self.kind == "translate" else "rougeL"

    def check_resources(self) -> None:
        """Summarisation's lead-N baseline splits sentences with punkt: fail early when its data is missing."""
        if self.kind == "summarize":
            from .. import resources

            resources.check([f"punkt_tab/{self.options['source_language']}"], who="head.seq2seq.v1 (lead baseline)")

    # vocabularies --------------------------------------------------------------------
    def _vocab_files(self) -> list[str]:
        return [SHARED_VOCAB] if self.options["shared_vocab"] else [SOURCE_VOCAB, TARGET_VOCAB]

    def _vocabularies(self, src: list[list[str]], tgt: list[list[str]], run_dir: Path, reuse: bool) -> tuple[Vocabulary, Vocabulary]:
        o = self.options
        big = 10**9 if o["vocabulary"] == "sentencepiece" else None  # all pieces: the piece model already chose them
        if o["shared_vocab"]:
            path = run_dir / SHARED_VOCAB
            if reuse and path.exists():
                v = Vocabulary.load(path)
            else:
                v = Vocabulary.build([*src, *tgt], min_count=o["min_count"], max_size=big or o["source_vocab"], specials=(BOS, EOS))
                v.save(path)
            return v, v
        out = []
        for toks, path, size in ((src, run_dir / SOURCE_VOCAB, o["source_vocab"]), (tgt, run_dir / TARGET_VOCAB, o["target_vocab"])):
            if reuse and path.exists():
                v = Vocabulary.load(path)
            else:
                v = Vocabulary.build(toks, min_count=o["min_count"], max_size=big or size, specials=(BOS, EOS))
                v.save(path)
            out.append(v)
        return out[0], out[1]

    def _check_docs(self, docs: Sequence[Doc], where: str) -> None:
        if not docs:
            raise DataError(f"head.seq2seq.v1: the {where} set is empty", hint="check corpus.path / --train / --dev")
        empty = [d.id for d in docs if not (d.target or "").strip()]
        if empty:
            raise DataError(
                f"head.seq2seq.v1: {len(empty)} {where} document(s) have an empty target "
                f"(first: '{empty[0]}'); a sequence-to-sequence model learns from (source, target) pairs",
                hint="fix or remove those pairs (a tsv line needs 'source<TAB>target'; jsonl needs the target_field)",
            )
        blank = [d.id for d in docs if not d.text.strip()]
        if blank:
            raise DataError(
                f"head.seq2seq.v1: {len(blank)} {where} document(s) have an empty source text (first: '{blank[0]}')",
                hint="fix or remove those pairs",
            )

    def encode_pairs(self, docs: Sequence[Doc], src_vocab: Vocabulary, tgt_vocab: Vocabulary, what: str) -> Any:
        """Token ids of each pair as :class:`~illm_nlp.training.data.Examples` (source, target_in → target_out)."""
        from ..training.data import Examples, RaggedIds

        o = self.options
        bos, eos = tgt_vocab.id(BOS), tgt_vocab.id(EOS)
        src = RaggedIds.from_lists(
            (src_vocab.encode(self.sides.source_tokens(d)) for d in docs), max_length=o["max_source_length"], what=f"{what} sources"
        )
        tgt_ids = [tgt_vocab.encode(self.sides.target_tokens(d.target or "")) for d in docs]
        cut = sum(len(t) > o["max_target_length"] for t in tgt_ids)
        if cut:
            logger.warning(
                "%d of %d %s targets were longer than max_target_length=%d tokens and were truncated",
                cut, len(tgt_ids), what, o["max_target_length"],
            )
        tgt_ids = [t[: o["max_target_length"]] for t in tgt_ids]
        target_in = RaggedIds.from_lists([[bos, *t] for t in tgt_ids])
        target_out = RaggedIds.from_lists([[*t, eos] for t in tgt_ids])
        return Examples(features={"source": src, "target_in": target_in}, targets=target_out)

    def _embedding_matrix(self, path: str, vocab: Vocabulary) -> np.ndarray:
        from ..embeddings.vectors import load_vectors

        vecs = load_vectors(path)
        rng = np.random.default_rng(0)
        matrix = rng.normal(0.0, 0.05, (len(vocab), vecs.dim)).astype(np.float32)
        found = 0
        for i, tok in enumerate(vocab.tokens):
            vec = vecs.get(tok)
            if vec is None and tok.lower() != tok:
                vec = vecs.get(tok.lower())
            if vec is not None:
                matrix[i] = vec
                found += 1
        matrix[0] = 0.0
        logger.info("embedding: %d of %d tokens found in %s", found, len(vocab), path)
        return matrix

    def build_model(self, src_vocab: Vocabulary, tgt_vocab: Vocabulary) -> Any:
        """The Keras model, its embeddings initialised from word vectors when the options name them."""
        from ..models.seq2seq import build_seq2seq

        o = self.options
        matrices: dict[str, np.ndarray] = {}
        if o["source_vectors"]:
            matrices["source"] = self._embedding_matrix(o["source_vectors"], src_vocab)
        if o["target_vectors"] and not o["shared_vocab"]:
            matrices["target"] = self._embedding_matrix(o["target_vectors"], tgt_vocab)
        dims = {m.shape[1] for m in matrices.values()}
        if len(dims) > 1:
            raise ConfigError(
                f"head.seq2seq.v1: source_vectors and target_vectors have different sizes ({sorted(dims)})",
                hint="use vectors of one dimension for both sides, or vectors for one side only",
            )
        embedding_dim = dims.pop() if dims else o["embedding_dim"]
        model = build_seq2seq(
            source_vocab_size=len(src_vocab),
            target_vocab_size=len(tgt_vocab),
            embedding_dim=embedding_dim,
            units=o["hidden"],
            cell=o["cell"],
            encoder_layers=o["encoder_layers"],
            bidirectional=o["bidirectional"],
            attention=o["attention"],
            dropout=o["dropout"],
            shared_embeddings=o["shared_vocab"],
            tie_output=o["tie_output"],
        )
        if "source" in matrices:
            model.source_embedding.embeddings.assign(matrices["source"])
        if "target" in matrices:
            model.target_embedding.embeddings.assign(matrices["target"])
        if matrices and not o["train_vectors"]:
            model.source_embedding.trainable = "source" not in matrices
            if not o["shared_vocab"]:
                model.target_embedding.trainable = "target" not in matrices
        return model

    # training ------------------------------------------------------------------------
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
        """Learn vocabularies, train with dev-metric early stopping, write the run; return dev metrics."""
        import keras

        from ..artifact import finish_checkpoints, write_manifest
        from ..models.seq2seq import MaskedLoss, masked_accuracy
        from ..output import atomic_write_text
        from ..training.loop import fit_keras
        from ..training.seed import seed_everything
        from ..training.splits import dev_split

        cfg = pipeline.config.train
        o = self.options
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        self.check_resources()
        seed_everything(cfg.seed)
        train = list(train)
        self._check_docs(train, "training")
        if dev is None:
            train, dev = dev_split(train, cfg.dev_split, cfg.seed)
        dev = list(dev)
        self._check_docs(dev, "dev")

        self.sides.learn(train, run_dir, reuse=resume)
        src_tokens = [self.sides.source_tokens(d) for d in train]
        tgt_tokens = [self.sides.target_tokens(d.target or "") for d in train]
        src_vocab, tgt_vocab = self._vocabularies(src_tokens, tgt_tokens, run_dir, reuse=resume)
        examples = self.encode_pairs(train, src_vocab, tgt_vocab, "training")
        dev_examples = self.encode_pairs(dev, src_vocab, tgt_vocab, "dev")
        logger.info(
            "seq2seq: %d training pairs, %d dev; vocabularies %d (source) / %d (target)",
            len(train), len(dev), len(src_vocab), len(tgt_vocab),
        )

        from ..training.strategy import get_strategy

        with get_strategy(cfg.strategy).scope():
            model = self.build_model(src_vocab, tgt_vocab)
            opt: dict[str, Any] = {"learning_rate": cfg.learning_rate}
            if cfg.clipnorm:
                opt["clipnorm"] = cfg.clipnorm
            model.compile(
                optimizer=keras.optimizers.Adam(**opt),
                loss=MaskedLoss(o["label_smoothing"]),
                metrics=[masked_accuracy],
            )
        predictor = Seq2SeqPredictor(self, run_dir, pipeline, src_vocab, tgt_vocab, model)
        dev_sample = dev[: o["dev_documents"]] if o["dev_documents"] else []

        def evaluate_dev() -> dict[str, float]:
            t0 = time.perf_counter()
            out = {"loss": _teacher_forced_loss(model, dev_examples, cfg.batch_size)}
            if dev_sample:
                # greedy decoding: cheap enough to run each epoch, and what early stopping should watch
                scores = predictor.evaluate(dev_sample, beam=1, lead=False)
                out.update({k: v for k, v in scores.items() if k in ("bleu", "chrf", "rouge1", "rouge2", "rougeL")})
            out["dev_seconds"] = time.perf_counter() - t0
            return out

        monitor = cfg.monitor or (self.monitor if dev_sample else "loss")
        monitor = monitor.removeprefix("val_")
        metrics = ["loss", "dev_seconds"] + ((["bleu", "chrf"] if self.kind == "translate" else ["rouge1", "rouge2", "rougeL"]) if dev_sample else [])
        result = fit_keras(
            model,
            train=examples,
            evaluate_dev=evaluate_dev,
            train_cfg=cfg,
            run_dir=run_dir,
            monitor=monitor,
            mode="min" if monitor in ("loss", "dev_seconds") else "max",
            metrics=metrics,
            resume=resume,
            progress=progress,
        )
        save_model(model, run_dir / MODEL_FILE)
        dev_metrics = predictor.evaluate(dev_sample or dev[:200], beam=1) if (dev_sample or dev) else {}
        info = {
            "head": self.registered_name,
            "task": self.kind,
            "options": dict(o),
            "source_vocabulary": len(src_vocab),
            "target_vocabulary": len(tgt_vocab),
            "train_pairs": len(train),
            "dev_pairs": len(dev),
            "truncated_sources": int(examples.features["source"].truncated),
            "training": result.to_dict(),
            "dev_metrics": dev_metrics,
        }
        atomic_write_text(run_dir / HEAD_FILE, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
        metrics = {"training": {**result.to_dict(), "train_pairs": len(train), "dev_pairs": len(dev)}, "dev": dev_metrics}
        atomic_write_text(run_dir / METRICS_FILE, json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
        from ..training.plots import plot_history

        plot_history(result.history, run_dir / "training.png", title=f"seq2seq ({self.kind})", best_epoch=result.best_epoch)
        files = [MODEL_FILE, HEAD_FILE, METRICS_FILE, "history.json", "training.png", *self._vocab_files(), *self.sides.files()]
        write_manifest(run_dir, task=self.task, head=self.registered_name, files=files)
        finish_checkpoints(run_dir, keep=result.timed_out)
        return metrics

    def load(self, run_dir: Path, pipeline: Any) -> Seq2SeqPredictor:
        """The trained run, ready to decode; missing or mismatched files are an :class:`ArtifactError`."""
        import keras

        from ..models import seq2seq as _registered  # noqa: F401  (registers the Keras classes for safe loading)

        run_dir = Path(run_dir)
        for name in (MODEL_FILE, *self._vocab_files()):
            if not (run_dir / name).exists():
                raise ArtifactError(
                    f"run directory '{run_dir}' lacks {name}, which head.seq2seq.v1 needs",
                    hint="train it again with `illm train`, or copy the whole run directory",
                )
        self.sides.load(run_dir)
        if self.options["shared_vocab"]:
            src_vocab = tgt_vocab = Vocabulary.load(run_dir / SHARED_VOCAB)
        else:
            src_vocab, tgt_vocab = Vocabulary.load(run_dir / SOURCE_VOCAB), Vocabulary.load(run_dir / TARGET_VOCAB)
        try:
            model = keras.saving.load_model(run_dir / MODEL_FILE, compile=False, safe_mode=True)
        except Exception as exc:  # a truncated or foreign file: say which
            raise ArtifactError(
                f"{run_dir / MODEL_FILE}: cannot be loaded as a seq2seq model ({type(exc).__name__}: {exc})",
                hint="train the run again; the file may be truncated or from another version",
            ) from None
        sizes = (model.config_values["source_vocab_size"], model.config_values["target_vocab_size"])
        if sizes != (len(src_vocab), len(tgt_vocab)):
            raise ArtifactError(
                f"{run_dir}: the model expects vocabularies of {sizes[0]} / {sizes[1]} tokens but the files have "
                f"{len(src_vocab)} / {len(tgt_vocab)}",
                hint="the files come from different runs; train again",
            )
        return Seq2SeqPredictor(self, run_dir, pipeline, src_vocab, tgt_vocab, model)


def save_model(model: Any, path: Path) -> Path:
    """Save the weights and architecture (not the optimizer's state) as ``.keras``, through a temporary name.

    The model is a subclassed :class:`~illm_nlp.models.seq2seq.Seq2Seq`, so
    an uncompiled copy is built from its config and given its weights; the
    file then holds what decoding needs and nothing else.
    """
    from ..models.seq2seq import build_seq2seq

    path = Path(path)
    bare = build_seq2seq(**model.config_values)
    bare.set_weights(model.get_weights())
    tmp = path.with_name(f".{path.stem}.tmp.keras")
    bare.save(tmp)
    tmp.replace(path)
    return path


def _teacher_forced_loss(model: Any, examples: Any, batch_size: int) -> float:
    """Mean per-token cross-entropy of the dev pairs (no smoothing), batched by length."""
    from ..models.seq2seq import masked_loss
    from ..training.data import eval_plan

    total, count = 0.0, 0
    tgt_out = examples.targets
    for idx in eval_plan(examples.lengths, batch_size):
        src = examples.features["source"].padded(idx)
        tin = examples.features["target_in"].padded(idx)
        tout = tgt_out.padded(idx)
        logits = model((src, tin), training=False)
        n = int((tout != 0).sum())
        total += float(masked_loss(tout, logits)) * n
        count += n
    return total / max(count, 1)


# -- the predictor ------------------------------------------------------------------------


class Seq2SeqPredictor:
    """A trained encoder–decoder: ``predict`` (text → text), ``evaluate`` (BLEU/chrF or ROUGE), ``stream``."""

    task = "seq2seq"

    def __init__(self, head: Seq2SeqHead, run_dir: Path, pipeline: Any, src_vocab: Vocabulary, tgt_vocab: Vocabulary, model: Any) -> None:
        from ..models.seq2seq import Seq2SeqStepper

        self.head = head
        self.run_dir = Path(run_dir)
        self.pipeline = pipeline
        self.src_vocab = src_vocab
        self.tgt_vocab = tgt_vocab
        self.model = model
        self.stepper = Seq2SeqStepper(model)
        o = head.options
        self.defaults = Seq2SeqSettings(
            beam=o["beam"], length_penalty=o["length_penalty"], max_length=o["max_target_length"] + 10, replace_unknown=o["replace_unknown"]
        )
        # never produce padding, a start mark or <unk> when asked to replace it (it is then copied from the source)
        self._banned = [0, tgt_vocab.id(BOS)]

    def settings(self) -> dict[str, Any]:
        """The decoding settings this run takes, with its defaults (what chat's ``:set`` and serve list)."""
        return self.defaults.model_dump()

    def _settings(self, **given: Any) -> Seq2SeqSettings:
        """The run's decoding defaults with ``given`` applied (unknown keys are a :class:`UsageError`)."""
        try:
            return Seq2SeqSettings(**{**self.defaults.model_dump(), **{k: v for k, v in given.items() if v is not None}})
        except ValidationError as exc:
            raise _settings_error(exc) from None

    # text → source tokens, through the run's own cleaning stages
    def _source_doc(self, text: str, i: int = 0) -> Doc:
        if self.pipeline is not None and getattr(self.pipeline.config, "stages", None):
            doc = self.pipeline(text)
            doc.id = str(i)
            return doc
        return Doc(id=str(i), text=text)

    def _cleaned(self, doc: Doc) -> Doc:
        """A document as training saw it: through the run's cleaning stages unless they already ran."""
        if doc.tokens is not None or self.pipeline is None or not getattr(self.pipeline.config, "stages", None):
            return doc
        clean = self.pipeline(doc.text)
        return Doc(id=doc.id, text=clean.text, target=doc.target, tokens=clean.tokens, meta=doc.meta)

    def _encode_sources(self, docs: Sequence[Doc]) -> list[list[str]]:
        limit = self.head.options["max_source_length"]
        toks = [self.head.sides.source_tokens(d) for d in docs]
        cut = sum(len(t) > limit for t in toks)
        if cut:
            logger.warning("%d of %d inputs were longer than max_source_length=%d tokens and were truncated", cut, len(toks), limit)
        return [t[:limit] for t in toks]

    def _decode(self, sources: list[list[str]], s: Seq2SeqSettings) -> list[dict[str, Any]]:
        from ..decoding import decode
        from ..training.data import eval_plan

        bos, eos = self.tgt_vocab.id(BOS), self.tgt_vocab.id(EOS)
        ids = [self.src_vocab.encode(t) or [self.src_vocab.unk_id] for t in sources]
        lengths = np.array([len(r) for r in ids])
        results: list[dict[str, Any]] = [{} for _ in ids]
        for idx in eval_plan(lengths, s.batch_size):
            width = int(lengths[idx].max())
            batch = np.zeros((len(idx), width), np.int32)
            for r, i in enumerate(idx):
                batch[r, : len(ids[i])] = ids[i]
            outs = decode(
                self.stepper, batch, beam=s.beam, bos=bos, eos=eos, max_length=s.max_length,
                alpha=s.length_penalty, banned=self._banned, min_length=s.min_length,
            )
            for r, i in enumerate(idx):
                results[int(i)] = self._render(outs[r].ids, outs[r].attention, sources[int(i)], s, outs[r].score)
        return results

    def _tokens(self, ids: Sequence[int], attention: Sequence[int], source: Sequence[str], replace: bool) -> tuple[list[str], int]:
        unk = self.tgt_vocab.unk_id
        out: list[str] = []
        unknown = 0
        for tok, pos in zip(ids, attention):
            if tok == unk:
                unknown += 1
                if replace and 0 <= pos < len(source):
                    out.append(source[pos])
                    continue
            out.append(self.tgt_vocab.tokens[tok])
        return out, unknown

    def _render(self, ids: Sequence[int], attention: Sequence[int], source: Sequence[str], s: Seq2SeqSettings, score: float) -> dict[str, Any]:
        tokens, unknown = self._tokens(ids, attention, source, s.replace_unknown)
        return {"text": self.head.sides.render(tokens), "tokens": tokens, "score": round(float(score), 4), "unknown": unknown}

    # the Predictor contract ---------------------------------------------------------------
    def predict(self, texts: Sequence[str], **settings: Any) -> list[dict[str, Any]]:
        """Translate / summarise each text: ``{"text", "tokens", "score", "unknown"}`` per text."""
        s = self._settings(**settings)
        if not texts:
            return []
        docs = [self._source_doc(t, i) for i, t in enumerate(texts)]
        return self._decode(self._encode_sources(docs), s)

    def evaluate(self, docs: Sequence[Doc], **settings: Any) -> dict[str, Any]:
        """BLEU and chrF (translation) or ROUGE-1/2/L with the lead-N baseline (summarisation), on detokenised text.

        ``outputs=PATH`` writes each document's source, reference and output
        as JSON lines beside the scores; ``lead=False`` skips the baseline.
        """
        from .. import metrics

        outputs = settings.pop("outputs", None)
        with_lead = settings.pop("lead", True)
        s = self._settings(**settings)
        docs = list(docs)
        self.head._check_docs(docs, "evaluation")
        sources = self._encode_sources([self._cleaned(d) for d in docs])
        t0 = time.perf_counter()
        results = self._decode(sources, s)
        seconds = time.perf_counter() - t0
        hyps = [r["text"] for r in results]
        refs = [d.target or "" for d in docs]
        scores: dict[str, Any] = {}
        if self.head.kind == "translate":
            scores["bleu"] = round(metrics.bleu(hyps, refs), 2)
            scores["chrf"] = round(metrics.chrf(hyps, refs), 2)
        else:
            scores.update({k: round(v, 2) for k, v in metrics.rouge(hyps, refs).items()})
            if with_lead:
                n = self.head.options["lead_sentences"]
                lang = self.head.options["source_language"]
                base = metrics.rouge([metrics.lead(d.text, n, lang) for d in docs], refs)
                scores.update({f"lead_{k}": round(v, 2) for k, v in base.items()})
                scores["lead_n"] = n
        scores.update(
            {
                "documents": len(docs),
                "beam": s.beam,
                "unknown_words": int(sum(r["unknown"] for r in results)),
                "sentences_per_second": round(len(docs) / seconds, 2) if seconds > 0 else None,
            }
        )
        if outputs:
            from ..output import atomic_write_text

            lines = [
                json.dumps({"id": d.id, "source": d.text, "reference": ref, "output": hyp}, ensure_ascii=False)
                for d, ref, hyp in zip(docs, refs, hyps)
            ]
            atomic_write_text(Path(outputs), "\n".join(lines) + "\n")
            scores["outputs"] = str(outputs)
        return scores

    def info(self) -> dict[str, Any]:
        """What this run is: task, options, vocabulary sizes, training and dev metrics."""
        path = self.run_dir / HEAD_FILE
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return {
            "task": self.task,
            "kind": self.head.kind,
            "run_dir": str(self.run_dir),
            "source_vocabulary": len(self.src_vocab),
            "target_vocabulary": len(self.tgt_vocab),
            "settings": self.defaults.model_dump(),
            **{k: data[k] for k in ("options", "training", "dev_metrics") if k in data},
        }

    def stream(self, text: str, **settings: Any) -> Iterator[str]:
        """Yield the output piece by piece as greedy decoding produces it (beam search cannot stream)."""
        from ..decoding import iter_greedy

        s = self._settings(**settings)
        source = self._encode_sources([self._source_doc(text)])[0]
        ids = np.array([self.src_vocab.encode(source) or [self.src_vocab.unk_id]], np.int32)
        bos, eos = self.tgt_vocab.id(BOS), self.tgt_vocab.id(EOS)
        toks: list[int] = []
        where: list[int] = []
        shown = ""
        steps = iter_greedy(
            self.stepper, ids, bos=bos, eos=eos, max_length=s.max_length, banned=self._banned, min_length=s.min_length
        )
        for tok, pos in steps:
            toks.append(tok)
            where.append(pos)
            full = self.head.sides.render(self._tokens(toks, where, source, s.replace_unknown)[0])
            # detokenising may re-space earlier text (quotes); only ever show a stable prefix
            if full.startswith(shown) and len(full) > len(shown):
                yield full[len(shown):]
                shown = full


# -- the registered factory ----------------------------------------------------------------


@heads.register("head.seq2seq.v1")
def seq2seq_head(
    *,
    task: Annotated[Literal["translate", "summarize"], Field(description="translate: BLEU/chrF; summarize: ROUGE and a lead-N baseline")] = "translate",
    source_language: Annotated[str, Field(description="language of the source text (NLTK name, e.g. german)")] = "german",
    target_language: Annotated[str, Field(description="language of the target text; output is detokenised by its rules")] = "english",
    vocabulary: Annotated[
        Literal["words", "sentencepiece"],
        Field(description="words: Moses tokens (source: the stages' tokens when there are any); sentencepiece: learnt word pieces"),
    ] = "words",
    source_vocab: Annotated[int, Field(gt=4, description="source vocabulary size (word count kept, or SentencePiece pieces)")] = 8000,
    target_vocab: Annotated[int, Field(gt=4, description="target vocabulary size")] = 8000,
    min_count: Annotated[int, Field(gt=0, description="words seen fewer times become <unk> (words only)")] = 1,
    shared_vocab: Annotated[bool, Field(description="one vocabulary and embedding for both sides (summarisation copies words)")] = False,
    source_lowercase: Annotated[bool, Field(description="lower-case source tokens")] = False,
    target_lowercase: Annotated[bool, Field(description="lower-case target tokens (output then lacks case)")] = False,
    max_source_length: Annotated[int, Field(gt=0, description="source tokens kept (longer inputs are cut, with a warning saying how many)")] = 60,
    max_target_length: Annotated[int, Field(gt=0, description="target tokens kept in training; outputs stop 10 tokens later")] = 60,
    embedding_dim: Annotated[int, Field(gt=0, description="embedding size (taken from the vectors when given)")] = 128,
    hidden: Annotated[int, Field(gt=0, description="RNN units of the encoder (per direction) and the decoder")] = 256,
    cell: Annotated[Literal["lstm", "gru"], Field(description="recurrent cell")] = "lstm",
    encoder_layers: Annotated[int, Field(gt=0, le=4, description="stacked encoder layers")] = 1,
    bidirectional: Annotated[bool, Field(description="read the source in both directions")] = True,
    attention: Annotated[Literal["luong", "bahdanau"], Field(description="attention score: luong (multiplicative) or bahdanau (additive)")] = "luong",
    dropout: Annotated[float, Field(ge=0, lt=1, description="dropout on embeddings and attention outputs")] = 0.2,
    label_smoothing: Annotated[float, Field(ge=0, lt=1, description="share of the target probability spread over the vocabulary")] = 0.1,
    tie_output: Annotated[bool, Field(description="output layer shares the target embedding (fewer weights)")] = False,
    source_vectors: Annotated[str | None, Field(description="word vectors for the source embedding (any format illm embed reads)")] = None,
    target_vectors: Annotated[str | None, Field(description="word vectors for the target embedding (e.g. pretrained English vectors)")] = None,
    train_vectors: Annotated[bool, Field(description="keep training embeddings initialised from vectors")] = True,
    beam: Annotated[int, Field(ge=1, le=64, description="default beam size when decoding (1 = greedy)")] = 5,
    length_penalty: Annotated[float, Field(ge=0, le=5, description="GNMT length-penalty exponent of beam search")] = 0.6,
    replace_unknown: Annotated[bool, Field(description="replace <unk> in outputs by the attended source word (else it stays marked <unk>)")] = True,
    lead_sentences: Annotated[int, Field(gt=0, description="N of the lead-N baseline reported beside ROUGE")] = 1,
    dev_documents: Annotated[int, Field(ge=0, description="dev pairs decoded each epoch for dev BLEU/ROUGE early stopping; 0 = dev loss only")] = 500,
) -> Seq2SeqHead:
    """Encoder–decoder with attention for translation and abstractive summarisation; greedy and beam decoding.

    Trained on (source, target) pairs (``Doc.text`` → ``Doc.target``, e.g. from
    ``pairs.v1``); evaluated with BLEU/chrF (sacrebleu) or ROUGE (rouge-score).
    """
    options = dict(locals())  # the validated options, exactly as the signature names them
    from ..detokenize import language_code

    for key, lang in (("source_language", source_language), ("target_language", target_language)):
        try:
            language_code(lang)
        except ConfigError as exc:
            raise ConfigError(f"head.{key}: {exc.message}", hint=exc.hint) from None
    if shared_vocab and source_vectors and target_vectors and source_vectors != target_vectors:
        raise ConfigError(
            "head.seq2seq.v1: shared_vocab uses one embedding, but source_vectors and target_vectors differ",
            hint="give one vectors file (source_vectors), or set shared_vocab: false",
        )
    return Seq2SeqHead(**options)
