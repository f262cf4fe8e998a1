"""``illm embed``: train, inspect, evaluate, export and plot word vectors.

Each command is a thin wrapper over a plain function in
:mod:`illm_nlp.embeddings`. VECTORS is a vectors folder written by illm or any
supported file (word2vec text/binary, GloVe, fastText .bin, gensim .kv/.model).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import click

from .options import pipeline_argument, set_option

logger = logging.getLogger("illm_nlp.cli")

FORMAT_CHOICES = ["auto", "illm", "word2vec-text", "word2vec-binary", "glove", "fasttext-bin", "gensim"]


def _vectors_options(f: Any) -> Any:
    f = click.option("--limit", type=click.IntRange(min=1), default=None, help="Keep only the first (most frequent) N words.")(f)
    f = click.option("--input-format", "--from", "fmt", type=click.Choice(FORMAT_CHOICES), default="auto", show_default=True,
                     help="Format of VECTORS ('gensim' files are pickles: only open files you trust).")(f)
    f = click.argument("vectors", type=click.Path(path_type=str))(f)
    return f


def _load(vectors: str, fmt: str = "auto", limit: int | None = None) -> Any:
    from ..embeddings.vectors import load_vectors

    return load_vectors(vectors, format=fmt, limit=limit)


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group("embed")
def embed_group() -> None:
    """Train, inspect, evaluate, export and plot word vectors."""


# -- train ----------------------------------------------------------------------
@embed_group.command("train")
@pipeline_argument
@click.option("--output", "output", required=True, type=click.Path(path_type=str), help="Vectors folder to write.")
@click.option("--input", "input_path", help="Read this collection instead of corpus.path.")
@click.option("--stage", "stage_name", default=None, help="Which vector stage to train, when the pipeline has several.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes for the cleaning stages (default: the machine's cores).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@set_option
def train_cmd(pipeline: str, output: str, input_path: str | None, stage_name: str | None, workers: int | None,
              no_progress: bool, overrides: tuple[str, ...]) -> None:
    """Train word vectors on PIPELINE's cleaned corpus into the folder --output.

    The pipeline's per-document stages clean the corpus into a temporary file;
    then its gensim.word2vec.v1 / gensim.fasttext.v1 stage (a default
    gensim.word2vec.v1 if it declares none) trains on it, streaming it from disk.
    """
    from ..embeddings.training_run import train_from_pipeline

    extra = list(overrides)
    if input_path:
        extra.append(f"corpus.path={json.dumps(input_path)}")
    result = train_from_pipeline(pipeline, output, overrides=extra, stage_name=stage_name, workers=workers, progress=not no_progress)
    click.echo(
        f"trained {result['words']:,} words × {result['dim']} ({result['mode']} mode, "
        f"{result['words_per_second']:,} words/s) from {result['documents']:,} documents → {output}",
        err=True,
    )


# -- look-ups ----------------------------------------------------------------------
@embed_group.command("similar")
@_vectors_options
@click.argument("word")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many neighbours.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def similar_cmd(vectors: str, fmt: str, limit: int | None, word: str, top: int, as_json: bool) -> None:
    """The words nearest to WORD (cosine similarity)."""
    from ..embeddings.neighbours import similar

    vecs = _load(vectors, fmt, limit)
    hits = similar(vecs, word, top=top)
    if as_json:
        _emit_json(_hits_json(hits))
        return
    if word not in vecs:
        click.echo(f"('{word}' is not in the vectors; its vector comes from its sub-words)", err=True)
    _print_hits(hits)


def _hits_json(hits: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": w, "similarity": round(s, 6)} for w, s in hits]


def _print_hits(hits: list[tuple[str, float]]) -> None:
    """Words and similarities, one per line, aligned (what `similar` and `analogy` print)."""
    width = max((len(w) for w, _ in hits), default=4)
    for w, s in hits:
        click.echo(f"{w:<{width}}  {s:.4f}")


@embed_group.command("analogy")
@_vectors_options
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="How many answers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def analogy_cmd(vectors: str, fmt: str, limit: int | None, a: str, b: str, c: str, top: int, as_json: bool) -> None:
    """A is to B as C is to ...? (e.g. man king woman → queen)."""
    from ..embeddings.neighbours import analogy

    hits = analogy(_load(vectors, fmt, limit), a, b, c, top=top)
    if as_json:
        _emit_json(_hits_json(hits))
        return
    click.echo(f"{a} : {b} :: {c} : ?", err=True)
    _print_hits(hits)


# -- evaluate ------------------------------------------------------------------------
@embed_group.command("evaluate")
@_vectors_options
@click.option("--analogies", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Analogy questions (default: questions-words.txt from gensim's test data).")
@click.option("--pairs", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Word pairs with human similarity scores (default: wordsim353.tsv from gensim's test data).")
@click.option("--restrict", type=click.IntRange(min=1), default=300_000, show_default=True,
              help="Only the first N (most frequent) words may answer.")
@click.option("--case-sensitive", is_flag=True, help="Match words as written (default: ignore case).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate_cmd(vectors: str, fmt: str, limit: int | None, analogies: str | None, pairs: str | None, restrict: int,
                 case_sensitive: bool, as_json: bool) -> None:
    """Score VECTORS on word analogies and on word-pair similarity (gensim's evaluations)."""
    from ..embeddings.evaluate import evaluate_analogies, evaluate_pairs

    vecs = _load(vectors, fmt, limit)
    kw: dict[str, Any] = {"restrict": restrict, "case_insensitive": not case_sensitive}
    report: dict[str, Any] = {
        "vectors": vectors,
        "analogies": evaluate_analogies(vecs, Path(analogies) if analogies else None, **kw),
        "pairs": evaluate_pairs(vecs, Path(pairs) if pairs else None, **kw),
    }
    if as_json:
        _emit_json(report)
        return
    an, pa = report["analogies"], report["pairs"]
    acc = "n/a" if an["accuracy"] is None else f"{an['accuracy']:.1%}"
    click.echo(f"analogies   {acc} correct of {an['answered']:,} answered "
               f"({an['answered'] / an['questions']:.0%} of {an['questions']:,} questions; the rest have unknown words)")
    for sec in an["sections"]:
        if sec["answered"]:
            click.echo(f"  {sec['section']:<28} {sec['accuracy']:.1%} of {sec['answered']:,}")
    if pa["spearman"] is None:
        click.echo(f"word pairs  n/a (no pair has both words in the vectors: {Path(pa['file']).name})")
    else:
        click.echo(f"word pairs  Spearman {pa['spearman']:.3f}, Pearson {pa['pearson']:.3f} "
                   f"({1 - pa['skipped_share']:.0%} of the pairs known; {Path(pa['file']).name})")


# -- export / info ----------------------------------------------------------------------
@embed_group.command("export")
@_vectors_options
@click.option("--format", "to", type=click.Choice(["word2vec-text", "word2vec-binary", "illm"]), required=True,
              help="Format to write ('illm': our vectors folder).")
@click.option("--output", required=True, type=click.Path(path_type=str), help="File (or folder, for illm) to write.")
def export_cmd(vectors: str, fmt: str, limit: int | None, to: str, output: str) -> None:
    """Write VECTORS in another format for other tools (atomically)."""
    from ..embeddings.formats import write_word2vec

    vecs = _load(vectors, fmt, limit)
    if to == "illm":
        vecs.save(output)
    else:
        write_word2vec(vecs, output, binary=to == "word2vec-binary")
    click.echo(f"wrote {len(vecs):,} vectors × {vecs.dim} as {to} → {output}", err=True)


@embed_group.command("info")
@_vectors_options
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True, help="How many of the most frequent words to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_cmd(vectors: str, fmt: str, limit: int | None, top: int, as_json: bool) -> None:
    """Vocabulary size, dimensions and the most frequent words of VECTORS."""
    vecs = _load(vectors, fmt, limit)
    norms = (vecs.matrix[: min(len(vecs), 100_000)] ** 2).sum(axis=1) ** 0.5
    head = []
    for i, w in enumerate(vecs.words[:top]):
        head.append({"word": w, "count": int(vecs.counts[i]) if vecs.counts is not None else None})
    info = {
        "vectors": vectors,
        "words": len(vecs),
        "dim": vecs.dim,
        "subwords": vecs.subwords.settings() if vecs.subwords else None,
        "counts_known": vecs.counts is not None,
        "mean_norm": round(float(norms.mean()), 4) if len(norms) else None,
        "most_frequent": head,
    }
    if vecs.meta.get("training"):
        info["training"] = vecs.meta["training"]
    if as_json:
        _emit_json(info)
        return
    click.echo(f"{vectors}: {len(vecs):,} words × {vecs.dim} dimensions")
    if vecs.subwords:
        s = vecs.subwords
        click.echo(f"sub-words: {s.min_n}-{s.max_n} character n-grams in {s.bucket:,} buckets (vectors for unseen words)")
    if "training" in info:
        t = info["training"]
        click.echo(f"trained: {t.get('kind')} ({t.get('settings', {}).get('algorithm')}) on {t.get('corpus_words', 0):,} words")
    if head:
        label = "most frequent words" + ("" if vecs.counts is not None else " (file order; the file has no counts)")
        click.echo(f"{label}:")
        click.echo("  " + ", ".join(f"{h['word']} ({h['count']:,})" if h["count"] is not None else h["word"] for h in head))


# -- plot -----------------------------------------------------------------------------
@embed_group.command("plot")
@_vectors_options
@click.option("--words", "words", multiple=True, help="Words to place (repeatable, or comma-separated).")
@click.option("--top", type=click.IntRange(min=2), default=None, help="Place the N most frequent words instead.")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default="pca", show_default=True, help="2-D projection.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=str), help="Image to write (.png, .svg or .pdf).")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed for t-SNE.")
def plot_cmd(vectors: str, fmt: str, limit: int | None, words: tuple[str, ...], top: int | None, method: str, output: str, seed: int) -> None:
    """Draw a labelled 2-D map (PCA or t-SNE) of chosen words or the N most frequent."""
    from ..embeddings.plot import plot_words
    from ..errors import UsageError

    chosen = [w.strip() for item in words for w in item.split(",") if w.strip()]
    if bool(chosen) == bool(top):
        raise UsageError("give either --words or --top", hint="e.g. --words king,queen,man,woman or --top 100")
    suffix = Path(output).suffix.lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--output '{output}': unsupported image type '{suffix or '(none)'}'", hint="end the name in .png, .svg or .pdf")
    vecs = _load(vectors, fmt, limit)
    if top:
        chosen = vecs.words[:top]
    out = plot_words(vecs, chosen, output, method=method, seed=seed)  # type: ignore[arg-type]
    click.echo(f"wrote a {method} map of {len(chosen)} words → {out}", err=True)
