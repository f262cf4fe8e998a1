"""Training and pretrained-vector stages: streaming corpora, modes, reproducibility, Austen neighbours."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from illm_nlp.document import Doc
from illm_nlp.embeddings.formats import write_word2vec
from illm_nlp.embeddings.train import MAX_SENTENCE, DocSentences, doc_sentences
from illm_nlp.embeddings.vectors import Vectors, load_vectors
from illm_nlp.errors import DataError, RunError
from illm_nlp.registry import stages

FAMILY = {"sister", "sisters", "brother", "brothers", "mother", "father", "aunt", "uncle", "daughter", "daughters",
          "son", "sons", "cousin", "niece", "nephew", "wife", "husband", "mamma", "papa", "parents", "family"}


def paragraphs(path: Path) -> list[Doc]:
    """Austen paragraphs as documents, tokenised with a plain regex (the stages under test need tokens only)."""
    docs = []
    for i, para in enumerate(path.read_text(encoding="utf-8").split("\n\n")):
        toks = re.findall(r"[a-z]+", para.lower())
        if toks:
            docs.append(Doc(id=f"{path.name}#{i}", text=para, tokens=toks))
    return docs


@pytest.fixture
def sample_docs(corpora) -> list[Doc]:
    return [d for f in sorted((corpora / "austen").glob("*.txt")) for d in paragraphs(f)]


def fit(name: str, docs: list[Doc], out_dir: Path, **options) -> dict:
    stage = stages.build(name, options, name)
    return stage.fit(lambda: iter(docs), out_dir)


@pytest.mark.parametrize(
    "doc,expected",
    [
        (Doc(id="a", text="x", tokens=["a", "b"], sentences=[["a"], ["b", "c"]]), [["a"], ["b", "c"]]),
        (Doc(id="b", text="x y", tokens=["p", "q"]), [["p", "q"]]),
        (Doc(id="c", text="ignored", sentences=["one two", "three"]), [["one", "two"], ["three"]]),
        (Doc(id="d", text="plain  text here"), [["plain", "text", "here"]]),
        (Doc(id="e", text="   ", tokens=[]), []),
    ],
    ids=["token-sentences", "tokens", "string-sentences", "text", "empty"],
)
def test_embeddings_train_doc_sentences(doc, expected):
    assert doc_sentences(doc) == expected


def test_embeddings_train_corpus_is_re_iterable_and_splits_long_sentences():
    calls = []

    def corpus():
        calls.append(1)
        yield Doc(id="long", text="", tokens=[f"w{i % 7}" for i in range(25_000)])

    stream = DocSentences(corpus)
    assert [len(s) for s in stream] == [MAX_SENTENCE, MAX_SENTENCE, 5_000]
    assert [len(s) for s in stream] == [MAX_SENTENCE, MAX_SENTENCE, 5_000]  # a second pass reads again
    assert len(calls) == 2


def test_embeddings_train_word2vec_stage_writes_folder_and_export(tmp_path, sample_docs):
    out = tmp_path / "run.vectors"
    report = fit("gensim.word2vec.v1", sample_docs, out, vector_size=20, min_count=3, epochs=2)
    assert sorted(p.name for p in out.iterdir()) == ["counts.npy", "meta.json", "vectors.npy", "vectors.w2v.txt", "words.txt"]
    vecs = Vectors.load(out)
    assert report["words"] == len(vecs) > 100 and report["dim"] == vecs.dim == 20
    # words come most frequent first, with their corpus counts
    assert vecs.counts is not None and list(vecs.counts) == sorted(vecs.counts, reverse=True)
    assert vecs.words[0] == "the"
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["corpus_words"] == sum(len(d.tokens) for d in sample_docs)
    assert meta["training"]["settings"]["vector_size"] == 20 and meta["training"]["mode"] == "iterable"
    exported = load_vectors(out / "vectors.w2v.txt")
    assert exported.words == vecs.words
    np.testing.assert_array_equal(exported.matrix, vecs.matrix)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


@pytest.mark.parametrize("mode", ["iterable", "corpus_file"])
def test_embeddings_train_seeded_runs_are_reproducible(tmp_path, sample_docs, mode):
    a = fit("gensim.word2vec.v1", sample_docs, tmp_path / "a", vector_size=16, min_count=3, epochs=2, mode=mode, seed=7, export="none")
    b = fit("gensim.word2vec.v1", sample_docs, tmp_path / "b", vector_size=16, min_count=3, epochs=2, mode=mode, seed=7, export="none")
    assert a["mode"] == b["mode"] == mode
    va, vb = Vectors.load(tmp_path / "a"), Vectors.load(tmp_path / "b")
    assert va.words == vb.words
    np.testing.assert_array_equal(va.matrix, vb.matrix)
    fit("gensim.word2vec.v1", sample_docs, tmp_path / "c", vector_size=16, min_count=3, epochs=2, mode=mode, seed=8, export="none")
    assert not np.array_equal(Vectors.load(tmp_path / "c").matrix, va.matrix)


@pytest.mark.parametrize("mode", ["iterable", "corpus_file"])
def test_embeddings_train_equals_gensim_trained_on_the_same_text(tmp_path, sample_docs, mode):
    """Our vocabulary from our own pass, then gensim's training: the same vectors as gensim's own path."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    from illm_nlp.embeddings.train import TrainSettings, write_line_corpus

    fit("gensim.word2vec.v1", sample_docs, tmp_path / "ours", vector_size=16, min_count=3, epochs=2, mode=mode, export="none")
    line_file = tmp_path / "lines.txt"
    write_line_corpus(DocSentences(lambda: iter(sample_docs)), line_file)
    kw = TrainSettings(vector_size=16, min_count=3, epochs=2).gensim_kwargs("word2vec")
    theirs = Word2Vec(corpus_file=str(line_file), **kw) if mode == "corpus_file" else Word2Vec(sentences=LineSentence(str(line_file)), **kw)
    ours = Vectors.load(tmp_path / "ours")
    assert ours.words == theirs.wv.index_to_key
    np.testing.assert_array_equal(ours.matrix, theirs.wv.vectors)


@pytest.mark.parametrize("threshold,expected", [(10**9, "iterable"), (0, "corpus_file")])
def test_embeddings_train_auto_mode_says_which_path(tmp_path, sample_docs, caplog, threshold, expected):
    caplog.set_level(logging.INFO, logger="illm_nlp.embeddings.train")
    report = fit("gensim.word2vec.v1", sample_docs[:40], tmp_path / "v", vector_size=8, min_count=1, epochs=1,
                 corpus_file_min_words=threshold, export="none")
    assert report["mode"] == expected
    assert f"{expected} mode" in caplog.text


def test_embeddings_train_fasttext_stage_gives_unseen_words_vectors(tmp_path, sample_docs):
    out = tmp_path / "ft"
    fit("gensim.fasttext.v1", sample_docs, out, vector_size=24, min_count=3, epochs=3, bucket=20_000, export="word2vec-binary")
    assert (out / "ngrams.npy").is_file() and (out / "vectors.w2v.bin").is_file()
    vecs = Vectors.load(out)
    assert vecs.has_subwords and vecs.subwords.settings() == {"min_n": 3, "max_n": 6, "bucket": 20_000}
    unseen = "elizabethian"
    assert unseen not in vecs and "elizabeth" in vecs
    vec = vecs.get(unseen)
    assert vec is not None and vec.shape == (24,)
    unit = vecs.matrix / np.linalg.norm(vecs.matrix, axis=1, keepdims=True)
    sims = unit @ (vec / np.linalg.norm(vec))
    # its nearest known words share its letters: 'elizabeth' ranks in the top 1% of the vocabulary
    assert sims[vecs.index["elizabeth"]] >= np.quantile(sims, 0.99)
    assert load_vectors(out / "vectors.w2v.bin").get(unseen) is None  # the word2vec export has no sub-words


def test_embeddings_train_empty_corpus_is_a_data_error(tmp_path):
    docs = [Doc(id="a", text="", tokens=[]), Doc(id="b", text="   ")]
    with pytest.raises(DataError, match="no tokens to train word vectors on"):
        fit("gensim.word2vec.v1", docs, tmp_path / "v")
    assert not (tmp_path / "v").exists()


def test_embeddings_train_min_count_above_every_word_is_a_run_error(tmp_path):
    docs = [Doc(id="a", text="", tokens=["one", "two", "three"])]
    with pytest.raises(RunError, match="lower min_count"):
        fit("gensim.word2vec.v1", docs, tmp_path / "v", min_count=5)


def test_embeddings_train_pretrained_stage_reports_coverage(tmp_path):
    vecs = Vectors(["the", "sister", "brother"], np.eye(3, dtype=np.float32))
    path = write_word2vec(vecs, tmp_path / "small.txt")
    docs = [Doc(id="1", text="", tokens=["the", "the", "Sister", "zebra"])]
    report = fit("gensim.pretrained.v1", docs, tmp_path / "all", path=str(path))
    assert report["vocab_share"] == pytest.approx(2 / 3, abs=1e-4) and report["token_share"] == pytest.approx(3 / 4)
    assert report["missing_top"] == ["zebra"] and report["words"] == 3
    coverage = json.loads((tmp_path / "all" / "coverage.json").read_text())
    assert coverage["missing_top"] == [["zebra", 1]] and coverage["found_lowercase"] == 1
    kept = fit("gensim.pretrained.v1", docs, tmp_path / "kept", path=str(path), restrict=True)
    assert kept["words"] == 2 and Vectors.load(tmp_path / "kept").words == ["the", "sister"]


def test_embeddings_train_pretrained_stage_bad_path(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        fit("gensim.pretrained.v1", [Doc(id="1", text="a")], tmp_path / "v", path=str(tmp_path / "missing.vec"))


def test_embeddings_train_austen_novel_family_words_are_neighbours(tmp_path, shared_data):
    """Word2Vec on one novel (0.12 M words, a few seconds): 'sister' sits among family words."""
    from illm_nlp.embeddings.neighbours import similar

    docs = paragraphs(shared_data / "documents" / "austen" / "pride-and-prejudice.txt")
    fit("gensim.word2vec.v1", docs, tmp_path / "v", vector_size=50, min_count=3, epochs=5, export="none")
    vecs = Vectors.load(tmp_path / "v")
    for word in ("sister", "father"):
        hits = [w for w, _ in similar(vecs, word, top=10)]
        assert len(FAMILY & set(hits)) >= 3, f"{word}: {hits}"


@pytest.mark.slow
def test_embeddings_train_austen_pipeline_end_to_end(tmp_path, shared_data, monkeypatch):
    """The shipped pipeline (NLTK cleaning of all six novels, then Word2Vec), as `illm embed train` runs it."""
    from illm_nlp.embeddings.neighbours import similar
    from illm_nlp.embeddings.training_run import train_from_pipeline

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(repo)
    out = tmp_path / "austen-vectors"
    report = train_from_pipeline(repo / "pipelines" / "embed-austen.yaml", out, overrides=["stages.vectors.epochs=5"], progress=False)
    assert report["documents"] > 10_000 and report["words"] > 5_000
    vecs = Vectors.load(out)
    for word in ("sister", "mother", "father", "aunt"):
        hits = [w for w, _ in similar(vecs, word, top=10)]
        assert len(FAMILY & set(hits)) >= 4, f"{word}: {hits}"
