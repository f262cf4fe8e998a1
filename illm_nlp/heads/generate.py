"""``head.generate.v1``: a recurrent language model that writes text.

The model reads a stream of word (or character) ids and predicts the next one:
an embedding (trained, or initialised from word vectors), one or more LSTM/GRU
layers and a softmax over the vocabulary. Training cuts the documents, joined
with an end-of-document mark, into fixed windows (teacher forcing on every
position); ``evaluate`` reports perplexity on held-out text; generation feeds
the prompt through the recurrent layers once and then samples one token at a
time (temperature, top-k, top-p, maximum length, seed), carrying the recurrent
state, so each step costs one small compiled call and the text can be streamed
as it is decoded.

Only the Keras model (``model.keras``, loaded in safe mode), the vocabulary as
text and a JSON description go into the run directory; nothing is pickled.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..document import Doc
from ..errors import ArtifactError, ConfigError, DataError, UsageError, did_you_mean
from ..registry import heads
from ..vocab import EOS, PAD, Vocabulary

logger = logging.getLogger(__name__)

__all__ = ["GenerateHead", "GeneratePredictor", "GenerateSettings", "generate_head", "sample_next"]

#: A paragraph break (word level) and a line break (character level): kept as
#: tokens so generated text can have paragraphs, written back as newlines.
PARA = "<p>"
NEWLINE = "<nl>"
SPECIALS = (EOS, PARA, NEWLINE)
MODEL_FILE = "model.keras"
VOCAB_FILE = "vocab.txt"
METRICS_FILE = "metrics.json"


class GenerateSettings(BaseModel):
    """Decoding settings a caller may pass to ``predict`` / ``stream`` (``:set`` in chat, JSON in serve)."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(0.8, ge=0, le=5, description="0 = always the most likely token; higher = more varied")
    top_k: int = Field(0, ge=0, description="sample among the k most likely tokens; 0 = no limit")
    top_p: float = Field(1.0, gt=0, le=1, description="sample among the most likely tokens whose probabilities add up to p")
    max_length: int = Field(60, gt=0, le=2000, description="tokens generated at most")
    seed: int | None = Field(None, description="fixes the sampling: the same prompt and seed give the same text")


def _settings_error(exc: ValidationError, given: dict[str, Any]) -> UsageError:
    known = list(GenerateSettings.model_fields)
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown setting '{key}' for a generative model.{did_you_mean(key, known)}")
        else:
            lines.append(f"setting '{key}': {err['msg'].lower()} (got {err.get('input')!r})")
    return UsageError("; ".join(lines), hint=f"settings this run takes: {', '.join(known)}")


def sample_next(
    logits: np.ndarray,
    *,
    temperature: float,
    top_k: int,
    top_p: float,
    rng: np.random.Generator,
    banned: Sequence[int] = (),
) -> int:
    """Pick the next token id from one row of logits.

    Temperature 0 is greedy decoding. Top-k keeps the k most likely tokens,
    top-p (nucleus) the smallest set whose probability reaches p; at least one
    token always survives, so sampling never fails on a peaked distribution.
    """
    scores = np.asarray(logits, dtype=np.float64).copy()
    if banned:
        scores[list(banned)] = -np.inf
    if temperature == 0:
        return int(np.argmax(scores))
    scores /= temperature
    if 0 < top_k < scores.size:
        kth = np.partition(scores, -top_k)[-top_k]
        scores[scores < kth] = -np.inf
    scores -= scores.max()
    probs = np.exp(scores)
    probs /= probs.sum()
    if top_p < 1.0:
        order = np.argsort(-probs, kind="stable")
        before = np.cumsum(probs[order]) - probs[order]
        drop = order[before >= top_p]
        probs[drop] = 0.0
        probs /= probs.sum()
    return int(rng.choice(probs.size, p=probs))


# -- text ↔ units ------------------------------------------------------------


def text_units(text: str, *, level: str, language: str, lowercase: bool) -> list[str]:
    """Split text into the model's units: words and punctuation (word level) or characters.

    Paragraph breaks (word level) and line breaks (character level) become
    tokens of their own, so the model learns where they go.
    """
    if lowercase:
        text = text.lower()
    if level == "char":
        units: list[str] = []
        for ch in text.replace("\r\n", "\n").replace("\t", " "):
            if ch == "\n":
                units.append(NEWLINE)
            elif ch.isprintable():
                units.append(ch)
        return units
    from ..detokenize import tokenize

    out: list[str] = []
    for para in (p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()):
        if out:
            out.append(PARA)
        out.extend(tokenize(" ".join(para.split()), language))
    return out


def render_units(units: Sequence[str], *, level: str, language: str) -> str:
    """The inverse of :func:`text_units`: running text with its spacing and line breaks."""
    if level == "char":
        return "".join("\n" if u == NEWLINE else u for u in units if u not in (EOS, PAD))
    from ..detokenize import detokenize

    paragraphs: list[list[str]] = [[]]
    for u in units:
        if u == PARA:
            paragraphs.append([])
        elif u not in (EOS, PAD):
            paragraphs[-1].append(u)
    return "\n\n".join(detokenize(p, language) for p in paragraphs)


# -- the head ------------------------------------------------------------------


class GenerateHead:
    """Builds, trains and loads the recurrent language model (see the module docstring)."""

    task = "generate"
    #: the language model tokenises the text itself (word or character level).
    tokenizes_text = True
    registered_name = "head.generate.v1"

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.level: str = options["level"]
        self.language: str = options["language"]
        self.lowercase: bool = options["lowercase"]

    # units of a document: the cleaning stages' tokens when there are any (word level)
    def doc_units(self, doc: Doc) -> list[str]:
        if self.level == "word" and doc.tokens:
            return [t.lower() for t in doc.tokens] if self.lowercase else list(doc.tokens)
        return text_units(doc.text, level=self.level, language=self.language, lowercase=self.lowercase)

    def _stream_ids(self, docs: Iterable[Doc], vocab: Vocabulary) -> np.ndarray:
        eos = vocab.id(EOS)
        ids: list[int] = []
        for doc in docs:
            units = self.doc_units(doc)
            if units:
                ids.extend(vocab.encode(units))
                ids.append(eos)
        return np.asarray(ids, dtype=np.int32)

    def _build_model(self, vocab_size: int, embedding_init: np.ndarray | None) -> Any:
        import keras

        o = self.options
        ids = keras.Input((None,), dtype="int32", name="ids")
        if embedding_init is not None:
            emb = keras.layers.Embedding(
                vocab_size, embedding_init.shape[1], name="embedding",
                embeddings_initializer=keras.initializers.Constant(embedding_init), trainable=o["train_vectors"],
            )
        else:
            emb = keras.layers.Embedding(vocab_size, o["embedding_dim"], name="embedding")
        x = emb(ids)
        cell = keras.layers.LSTM if o["cell"] == "lstm" else keras.layers.GRU
        for i in range(o["layers"]):
            x = cell(o["units"], return_sequences=True, return_state=True, dropout=o["dropout"], name=f"rnn_{i}")(x)[0]
        x = keras.layers.Dropout(o["dropout"], name="dropout")(x)
        logits = keras.layers.Dense(vocab_size, name="logits")(x)
        return keras.Model(ids, logits, name="language_model")

    def _vectors(self, vocab: Vocabulary) -> np.ndarray | None:
        """An embedding matrix initialised from word vectors (rows for unknown words stay random)."""
        path = self.options.get("vectors")
        if not path:
            return None
        if self.level != "word":
            raise ConfigError("head.generate.v1: vectors are word vectors; they need level: word", hint="remove 'vectors' or set level: word")
        from gensim.models import KeyedVectors

        p = Path(path)
        if not p.exists():
            raise DataError(f"head.generate.v1: vectors file '{p}' does not exist", hint="give a word2vec text/binary file (.txt, .txt.gz, .bin)")
        try:
            kv = KeyedVectors.load_word2vec_format(str(p), binary=p.suffix == ".bin", no_header=_no_header(p))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"head.generate.v1: cannot read '{p}' as word2vec vectors: {exc}") from None
        rng = np.random.default_rng(0)
        matrix = rng.normal(0, 0.1, (len(vocab), kv.vector_size)).astype(np.float32)
        found = 0
        for i, tok in enumerate(vocab.tokens):
            for cand in (tok, tok.lower()):
                if cand in kv.key_to_index:
                    matrix[i] = kv[cand]
                    found += 1
                    break
        matrix[0] = 0.0
        logger.info("initialised %d of %d embedding rows from %s", found, len(vocab), p)
        return matrix

    def _windows(self, ids: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
        n = (len(ids) - 1) // length
        if n <= 0:
            return np.zeros((0, length), np.int32), np.zeros((0, length), np.int32)
        x = ids[: n * length].reshape(n, length)
        y = ids[1 : n * length + 1].reshape(n, length)
        return x, y

    def _examples(self, ids: np.ndarray, length: int) -> Any:
        """Windows of ``length`` ids as training examples: each position predicts the next id."""
        from ..training.data import Examples, RaggedIds

        x, y = self._windows(ids, length)
        return Examples(features={"tokens": RaggedIds.from_lists(x)}, targets=RaggedIds.from_lists(y))

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
        """Build the vocabulary, train the language model, and write it into ``run_dir``; returns dev metrics.

        Training goes through the shared loop (:func:`illm_nlp.training.loop.fit_keras`):
        seeded batches, dev perplexity each epoch, early stopping with the
        best weights kept, checkpoints and ``--resume``, the time budget.
        """
        import keras

        from ..artifact import save_keras_model, write_manifest
        from ..output import atomic_write_text
        from ..training.loop import fit_keras
        from ..training.plots import plot_history
        from ..training.seed import seed_everything
        from ..training.strategy import get_strategy

        cfg = pipeline.config.train
        o = self.options
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        seed_everything(cfg.seed)

        train = list(train)
        if not train:
            raise DataError("head.generate.v1: the training set is empty", hint="check corpus.path / --train")
        vocab_path = run_dir / VOCAB_FILE
        if resume and vocab_path.exists():
            vocab = Vocabulary.load(vocab_path)
        else:
            vocab = Vocabulary.build(
                (self.doc_units(d) for d in train),
                min_count=o["min_count"], max_size=o["max_vocab"], specials=SPECIALS,
            )
            vocab.save(vocab_path)
        train_ids = self._stream_ids(train, vocab)
        length = o["sequence_length"]
        if dev is None:
            # hold out the end of the token stream, not random windows, so no dev text is seen in training
            cut = int(len(train_ids) * (1 - cfg.dev_split))
            train_ids, dev_ids = train_ids[:cut], train_ids[cut:]
        else:
            dev_ids = self._stream_ids(dev, vocab)
        if (len(train_ids) - 1) // length <= 0:
            raise DataError(
                f"head.generate.v1: the training text has {len(train_ids)} tokens, fewer than one window of "
                f"sequence_length={length}",
                hint="use more text or a smaller head.sequence_length",
            )
        examples = self._examples(train_ids, length)
        xd, yd = self._windows(dev_ids, length)
        logger.info("language model: %d training tokens, vocabulary %d, %d windows of %d, %d dev windows",
                    len(train_ids), len(vocab), len(examples), length, len(xd))

        strategy = get_strategy(cfg.strategy)
        with strategy.scope():
            model = self._build_model(len(vocab), self._vectors(vocab))
            opt_kwargs: dict[str, Any] = {"learning_rate": cfg.learning_rate}
            if cfg.clipnorm:
                opt_kwargs["clipnorm"] = cfg.clipnorm
            model.compile(optimizer=keras.optimizers.Adam(**opt_kwargs),
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

        def evaluate_dev() -> dict[str, float]:
            ce = _mean_cross_entropy(model, xd, yd, cfg.batch_size)
            return {"perplexity": math.exp(ce), "cross_entropy": ce}

        result = fit_keras(
            model,
            train=examples,
            evaluate_dev=evaluate_dev if len(xd) else None,
            train_cfg=cfg,
            run_dir=run_dir,
            monitor=cfg.monitor or "perplexity",
            mode="min",
            metrics=("perplexity", "cross_entropy"),
            resume=resume,
            progress=progress,
        )
        save_keras_model(model, run_dir / MODEL_FILE)

        metrics: dict[str, Any] = {"training": {
            **result.to_dict(), "train_documents": len(train), "dev_documents": len(dev or []),
            "train_tokens": len(train_ids), "vocabulary": len(vocab), "level": self.level,
        }}
        if len(xd):
            dev_metrics = evaluate_dev()
            metrics["dev"] = {"perplexity": round(dev_metrics["perplexity"], 3),
                              "cross_entropy": round(dev_metrics["cross_entropy"], 4), "tokens": int(xd.size)}
        atomic_write_text(run_dir / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
        files = [MODEL_FILE, VOCAB_FILE, METRICS_FILE, "history.json"]
        if result.history:
            plot_history(result.history, run_dir / "training.png", title=f"{pipeline.config.source}: training", best_epoch=result.best_epoch)
            files.append("training.png")
        write_manifest(run_dir, task=self.task, head=self.registered_name, files=files)
        return metrics

    def load(self, run_dir: Path, pipeline: Any) -> GeneratePredictor:
        """The trained model of ``run_dir`` ready to generate; missing files are an :class:`ArtifactError`."""
        from ..artifact import load_keras_model

        run_dir = Path(run_dir)
        for name in (MODEL_FILE, VOCAB_FILE):
            if not (run_dir / name).exists():
                raise ArtifactError(
                    f"run directory '{run_dir}' lacks {name}, which head.generate.v1 needs",
                    hint="train it again with `illm train`, or copy the whole run directory",
                )
        vocab = Vocabulary.load(run_dir / VOCAB_FILE)
        model = load_keras_model(run_dir / MODEL_FILE)
        if model.get_layer("logits").units != len(vocab):
            raise ArtifactError(f"{run_dir}: the model predicts {model.get_layer('logits').units} tokens but "
                                f"{VOCAB_FILE} has {len(vocab)}", hint="the files come from different runs; train again")
        return GeneratePredictor(self, run_dir, pipeline, vocab, model)


def _no_header(path: Path) -> bool:
    """GloVe text files have no ``count dim`` first line; word2vec text files do."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    if path.suffix == ".bin":
        return False
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:  # type: ignore[operator]
        first = fh.readline().split()
    return not (len(first) == 2 and all(p.isdigit() for p in first))


def _mean_cross_entropy(model: Any, x: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    """Mean next-token cross-entropy (nats) over all positions of the windows."""
    import tensorflow as tf

    total, count = 0.0, 0
    for i in range(0, len(x), batch_size):
        logits = model(x[i : i + batch_size], training=False)
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[i : i + batch_size], logits=logits)
        total += float(tf.reduce_sum(ce))
        count += int(np.prod(ce.shape))
    return total / max(count, 1)


# -- the predictor -------------------------------------------------------------


class GeneratePredictor:
    """A trained language model: continues a prompt (``predict``/``stream``), scores text (``evaluate``)."""

    task = "generate"

    def __init__(self, head: GenerateHead, run_dir: Path, pipeline: Any, vocab: Vocabulary, model: Any) -> None:
        import keras
        import tensorflow as tf

        self.head = head
        self.run_dir = Path(run_dir)
        self.pipeline = pipeline
        self.vocab = vocab
        self.model = model
        self._stages: list[Any] | None = None
        o = head.options
        self.defaults = GenerateSettings(**{k: o[k] for k in GenerateSettings.model_fields})
        self._eos = vocab.id(EOS)
        # never produce padding or <unk>: an answer full of <unk> says nothing
        self._banned = [vocab.pad_id, vocab.unk_id]

        # a second graph over the same trained layers: ids + recurrent state in,
        # last-position logits + new state out — one compiled call per decoding step
        rnns = [model.get_layer(f"rnn_{i}") for i in range(o["layers"])]
        ids = keras.Input((None,), dtype="int32")
        x = model.get_layer("embedding")(ids)
        state_inputs: list[Any] = []
        state_outputs: list[Any] = []
        for rnn in rnns:
            n_states = 2 if o["cell"] == "lstm" else 1
            s_in = [keras.Input((o["units"],)) for _ in range(n_states)]
            out = rnn(x, initial_state=s_in if n_states > 1 else s_in[0])
            x = out[0]
            state_inputs += s_in
            state_outputs += list(out[1:])
        logits = model.get_layer("logits")(x[:, -1, :])
        self._n_states = len(state_inputs)
        self._units = o["units"]
        self._step_model = keras.Model([ids, *state_inputs], [logits, *state_outputs])
        self._step = tf.function(lambda i, *s: self._step_model([i, *s], training=False), reduce_retracing=True)

    # settings ---------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The decoding settings this run takes, with their defaults."""
        return self.defaults.model_dump()

    def _settings(self, given: dict[str, Any]) -> GenerateSettings:
        merged = {**self.defaults.model_dump(), **given}
        try:
            return GenerateSettings(**merged)
        except ValidationError as exc:
            raise _settings_error(exc, given) from None

    # decoding ---------------------------------------------------------------
    def prompt_units(self, text: str) -> list[str]:
        """The prompt as model units, through the run's own cleaning stages when it has any."""
        doc: Doc | None = Doc(id="prompt", text=text)
        if self._stages is None:
            self._stages = []
            if self.pipeline is not None and self.pipeline.config.stages:
                self.pipeline.check_resources()
                self._stages = self.pipeline.map_stages()
        for stage in self._stages:
            nxt = stage(doc)
            if nxt is None:  # a filter would drop it; a prompt is still continued as typed
                break
            doc = nxt
        assert doc is not None
        return self.head.doc_units(doc)

    def _decode(self, prompts: Sequence[list[str]], s: GenerateSettings) -> Iterator[list[int | None]]:
        """Yield, step by step, the next token id after each prompt (None once that text has ended)."""
        import tensorflow as tf

        states: list[list[np.ndarray]] = []
        last_logits = []
        for units in prompts:
            # the end-of-document mark first: training saw every document start after one
            ids = [self._eos, *self.vocab.encode(units)]
            zeros = [tf.zeros((1, self._units)) for _ in range(self._n_states)]
            out = self._step(tf.constant([ids], dtype=tf.int32), *zeros)
            last_logits.append(out[0].numpy()[0])
            states.append([t.numpy() for t in out[1:]])
        batch_states = [tf.constant(np.concatenate([st[j] for st in states])) for j in range(self._n_states)]
        logits = np.stack(last_logits)
        # one generator per text, all from the same seed: a text's answer does not depend on its batch
        rngs = [np.random.default_rng(s.seed) for _ in prompts]
        done = [False] * len(prompts)
        for _ in range(s.max_length):
            step_ids = []
            for row, rng in enumerate(rngs):
                if done[row]:
                    step_ids.append(None)
                    continue
                nxt = sample_next(logits[row], temperature=s.temperature, top_k=s.top_k, top_p=s.top_p, rng=rng, banned=self._banned)
                if nxt == self._eos:
                    done[row] = True
                    step_ids.append(None)
                else:
                    step_ids.append(nxt)
            yield step_ids
            if all(done):
                return
            feed = np.array([[i if i is not None else self._eos] for i in step_ids], dtype=np.int32)
            out = self._step(tf.constant(feed), *batch_states)
            logits = out[0].numpy()
            batch_states = list(out[1:])

    def _render(self, prompt: Sequence[str], ids: Sequence[int]) -> str:
        """The continuation as text, spaced as it would be after the prompt (" Anne", but "," with no space)."""
        units = [self.vocab.tokens[i] for i in ids]
        if not units:
            return ""
        level, lang = self.head.level, self.head.language
        if level == "char":
            return render_units(units, level=level, language=lang)
        context = list(prompt[-8:])  # enough context for the spacing rules, cheap to detokenise
        base = render_units(context, level=level, language=lang)
        full = render_units(context + units, level=level, language=lang)
        if full.startswith(base):
            return full[len(base):]
        return " " + render_units(units, level=level, language=lang)

    def predict(self, texts: Sequence[str], **settings: Any) -> list[dict[str, Any]]:
        """Continue each text; ``{"text": continuation, "tokens": n, "finished": ended by itself}``."""
        s = self._settings(settings)
        if not texts:
            return []
        prompts = [self.prompt_units(t) for t in texts]
        generated: list[list[int]] = [[] for _ in texts]
        ended = [False] * len(texts)
        steps = 0
        for step_ids in self._decode(prompts, s):
            steps += 1
            for row, i in enumerate(step_ids):
                if i is None:
                    ended[row] = True
                elif not ended[row]:
                    generated[row].append(i)
        return [{"text": self._render(p, g), "tokens": len(g), "finished": e} for p, g, e in zip(prompts, generated, ended)]

    def stream(self, text: str, **settings: Any) -> Iterator[str]:
        """Yield the continuation piece by piece as it is decoded; the pieces join to ``predict``'s text."""
        s = self._settings(settings)
        prompt = self.prompt_units(text)
        ids: list[int] = []
        shown = ""
        for step_ids in self._decode([prompt], s):
            if step_ids[0] is None:
                break
            ids.append(step_ids[0])
            full = self._render(prompt, ids)
            # detokenising may re-space earlier text (quotes); only ever show a stable prefix
            if full.startswith(shown) and len(full) > len(shown):
                yield full[len(shown):]
                shown = full
        full = self._render(prompt, ids)
        if full.startswith(shown) and len(full) > len(shown):
            yield full[len(shown):]

    # scoring ------------------------------------------------------------------
    def evaluate(self, docs: Sequence[Doc], **settings: Any) -> dict[str, Any]:
        """Perplexity (and cross-entropy in nats and bits per token) of held-out documents."""
        ids = self.head._stream_ids(docs, self.vocab)
        length = self.head.options["sequence_length"]
        if len(ids) < 2:
            raise DataError("evaluate: the documents hold no text to score", hint="give a file or folder with text in it")
        # score every token: the last, shorter window too
        n = len(ids) - 1
        pad = (-n) % length
        x = np.concatenate([ids[:-1], np.zeros(pad, np.int32)]).reshape(-1, length)
        y = np.concatenate([ids[1:], np.zeros(pad, np.int32)]).reshape(-1, length)
        w = np.concatenate([np.ones(n), np.zeros(pad)]).reshape(-1, length)
        import tensorflow as tf

        total = 0.0
        for i in range(0, len(x), 64):
            logits = self.model(x[i : i + 64], training=False)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[i : i + 64], logits=logits).numpy()
            total += float((ce * w[i : i + 64]).sum())
        mean = total / n
        unk = float(np.mean(ids == self.vocab.unk_id))
        return {
            "perplexity": round(math.exp(mean), 3),
            "cross_entropy": round(mean, 4),
            "bits_per_token": round(mean / math.log(2), 4),
            "tokens": int(n),
            "unknown_rate": round(unk, 4),
            "level": self.head.level,
        }

    def info(self) -> dict[str, Any]:
        """What this run is: the head, vocabulary, training and dev metrics, decoding defaults, versions."""
        from ..artifact import MANIFEST

        def read(name: str) -> dict[str, Any]:
            path = self.run_dir / name
            try:
                return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}
            except ValueError:
                return {}

        metrics, manifest = read(METRICS_FILE), read(MANIFEST)
        return {
            "task": self.task,
            "run_dir": str(self.run_dir),
            "pipeline": getattr(getattr(self.pipeline, "config", None), "source", None),
            "head": "head.generate.v1",
            "level": self.head.level,
            "cell": self.head.options["cell"],
            "vocabulary": len(self.vocab),
            "metrics": metrics.get("dev", {}),
            "training": metrics.get("training", {}),
            "settings": self.settings(),
            "versions": {"toolkit": (manifest.get("toolkit") or {}).get("version"), **(manifest.get("libraries") or {})},
        }


@heads.register("head.generate.v1")
def generate_head(
    *,
    level: Annotated[Literal["word", "char"], Field(description="model words and punctuation, or characters")] = "word",
    cell: Annotated[Literal["lstm", "gru"], Field(description="recurrent cell")] = "gru",
    layers: Annotated[int, Field(ge=1, le=4, description="stacked recurrent layers")] = 1,
    units: Annotated[int, Field(gt=0, description="size of each recurrent layer")] = 256,
    embedding_dim: Annotated[int, Field(gt=0, description="embedding size (ignored when vectors are given)")] = 128,
    vectors: Annotated[str | None, Field(description="word2vec/GloVe text (.txt, .gz) or .bin file to initialise the embedding (word level)")] = None,
    train_vectors: Annotated[bool, Field(description="keep training the initialised embedding")] = True,
    dropout: Annotated[float, Field(ge=0, lt=1, description="dropout on the recurrent inputs and outputs")] = 0.1,
    sequence_length: Annotated[int, Field(gt=1, le=1000, description="tokens per training window")] = 64,
    max_vocab: Annotated[int, Field(gt=4, description="vocabulary size, special tokens included")] = 10000,
    min_count: Annotated[int, Field(ge=1, description="a unit seen fewer times becomes <unk>")] = 2,
    lowercase: Annotated[bool, Field(description="lowercase the text before modelling it")] = False,
    language: Annotated[str, Field(description="language for word tokenisation and detokenisation (ISO code or NLTK name)")] = "en",
    temperature: Annotated[float, Field(ge=0, le=5, description="default sampling temperature (0 = greedy)")] = 0.8,
    top_k: Annotated[int, Field(ge=0, description="default top-k (0 = off)")] = 0,
    top_p: Annotated[float, Field(gt=0, le=1, description="default nucleus probability (1 = off)")] = 1.0,
    max_length: Annotated[int, Field(gt=0, le=2000, description="default number of tokens generated at most")] = 60,
    seed: Annotated[int | None, Field(description="default sampling seed (none: different text each time)")] = None,
) -> GenerateHead:
    """A recurrent language model (LSTM/GRU, word or character level) that continues text by sampling.

    Trained on a document collection; ``illm evaluate`` reports perplexity on
    held-out text; ``predict``, ``illm chat`` and ``illm serve`` continue a
    prompt with temperature, top-k, top-p, maximum length and seed.
    """
    from ..detokenize import language_code

    if level == "word":
        language_code(language)  # an unknown language fails here, at load time
    return GenerateHead(
        level=level, cell=cell, layers=layers, units=units, embedding_dim=embedding_dim, vectors=vectors,
        train_vectors=train_vectors, dropout=dropout, sequence_length=sequence_length, max_vocab=max_vocab,
        min_count=min_count, lowercase=lowercase, language=language, temperature=temperature, top_k=top_k,
        top_p=top_p, max_length=max_length, seed=seed,
    )
