"""Vector file formats: round trips of every format, sub-words, limits, and bad files."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from illm_nlp.embeddings.formats import detect, write_word2vec
from illm_nlp.embeddings.vectors import Vectors, load_vectors
from illm_nlp.errors import ArtifactError, DataError, UsageError

WORDS = ["the", "sister", "brother", "mother", "naïve", "Bath", "café", "elizabeth"]


@pytest.fixture
def small() -> Vectors:
    rng = np.random.default_rng(0)
    matrix = rng.normal(0, 0.4, size=(len(WORDS), 6)).astype(np.float32)
    return Vectors(WORDS, matrix, counts=np.arange(len(WORDS), 0, -1) * 10, source="test")


def gensim_file(name: str) -> Path:
    from gensim.test.utils import datapath

    return Path(datapath(name))


def _write_text(path: Path, vectors: Vectors, *, header: bool, gz: bool = False) -> None:
    lines = [f"{len(vectors)} {vectors.dim}"] if header else []
    lines += [w + " " + " ".join(repr(float(x)) for x in row) for w, row in zip(vectors.words, vectors.matrix)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)


# -- round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_embeddings_formats_word2vec_export_round_trip(tmp_path, small, binary, suffix):
    path = tmp_path / f"vectors.{'bin' if binary else 'txt'}{suffix}"
    write_word2vec(small, path, binary=binary)
    assert detect(path) == ("word2vec-binary" if binary else "word2vec-text")
    back = load_vectors(path)
    assert back.words == small.words
    np.testing.assert_array_equal(back.matrix, small.matrix)  # float32 written and read exactly
    assert not list(tmp_path.glob(".tmp*")), "the atomic writer left its temporary file"


@pytest.mark.parametrize("header,gz,expected", [(True, False, "word2vec-text"), (False, False, "glove"), (False, True, "glove"), (True, True, "word2vec-text")])
def test_embeddings_formats_text_with_and_without_header(tmp_path, small, header, gz, expected):
    path = tmp_path / ("v.txt.gz" if gz else "v.txt")
    _write_text(path, small, header=header, gz=gz)
    assert detect(path) == expected
    back = load_vectors(path)
    assert back.words == WORDS
    np.testing.assert_allclose(back.matrix, small.matrix, rtol=1e-6)
    # the same file read with the format named explicitly
    named = load_vectors(path, format="word2vec-text")
    np.testing.assert_array_equal(named.matrix, back.matrix)


def test_embeddings_formats_artifact_round_trip_keeps_counts_and_meta(tmp_path, small):
    out = small.save(tmp_path / "vecs", extra={"note": "hand-made"})
    assert sorted(p.name for p in out.iterdir()) == ["counts.npy", "meta.json", "vectors.npy", "words.txt"]
    back = Vectors.load(out)
    assert back.words == small.words
    np.testing.assert_array_equal(back.matrix, small.matrix)
    np.testing.assert_array_equal(back.counts, small.counts)
    assert back.meta["note"] == "hand-made" and not back.has_subwords
    assert load_vectors(out).words == small.words  # format auto finds the folder
    # rewriting replaces the folder whole
    Vectors(["a", "b"], np.ones((2, 3), np.float32)).save(out)
    assert Vectors.load(out).words == ["a", "b"] and not (out / "counts.npy").exists()


def test_embeddings_formats_artifact_arrays_are_never_unpickled(tmp_path, small):
    out = small.save(tmp_path / "vecs")
    np.save(out / "vectors.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ArtifactError, match="not a readable .npy array"):
        Vectors.load(out)


def test_embeddings_formats_gensim_native_round_trip(tmp_path, small):
    kv = small.to_keyed_vectors()
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    assert detect(path) == "gensim"
    back = load_vectors(path)
    assert back.words == small.words
    np.testing.assert_array_equal(back.matrix, small.matrix)
    np.testing.assert_array_equal(back.counts, small.counts)


def test_embeddings_formats_fasttext_bin_keeps_subwords_for_unseen_words(tmp_path):
    from gensim.models.fasttext import load_facebook_vectors

    path = gensim_file("lee_fasttext_new.bin")
    vecs = load_vectors(path)
    assert detect(path) == "fasttext-bin" and vecs.has_subwords
    word = "hurricanesque"
    assert word not in vecs
    reference = load_facebook_vectors(str(path))[word]
    np.testing.assert_allclose(vecs.get(word), reference, rtol=1e-5, atol=1e-6)
    # sub-words survive our folder format
    back = Vectors.load(vecs.save(tmp_path / "ft"))
    assert back.subwords.settings() == vecs.subwords.settings()
    np.testing.assert_allclose(back.get(word), reference, rtol=1e-5, atol=1e-6)
    # a plain word2vec export has no sub-words: the unseen word is unknown there
    write_word2vec(back, tmp_path / "ft.txt")
    assert load_vectors(tmp_path / "ft.txt").get(word) is None


def test_embeddings_formats_old_fasttext_bin_without_magic(tmp_path):
    vecs = load_vectors(gensim_file("lee_fasttext.bin"))
    assert len(vecs) == 1762 and vecs.dim == 10 and vecs.has_subwords


@pytest.mark.parametrize("name", ["glove", "w2v-binary", "illm"])
def test_embeddings_formats_limit_keeps_the_first_words(tmp_path, small, name):
    if name == "glove":
        path = tmp_path / "v.txt"
        _write_text(path, small, header=False)
    elif name == "w2v-binary":
        path = write_word2vec(small, tmp_path / "v.bin", binary=True)
    else:
        path = small.save(tmp_path / "v")
    vecs = load_vectors(path, limit=3)
    assert vecs.words == WORDS[:3] and vecs.matrix.shape == (3, 6)


def test_embeddings_formats_shared_glove_loads(shared_data):
    path = shared_data / "embeddings" / "glove.6B.50d.100k.txt.gz"
    vecs = load_vectors(path, limit=5000)
    assert vecs.words[:3] == ["the", ",", "."] and vecs.dim == 50 and len(vecs) == 5000
    assert float(vecs.get("the")[0]) == pytest.approx(0.418)


def test_embeddings_formats_duplicate_words_keep_the_first(tmp_path, caplog):
    path = tmp_path / "dup.txt"
    path.write_text("a 1 2\nb 3 4\na 5 6\n", encoding="utf-8")
    vecs = load_vectors(path)
    assert vecs.words == ["a", "b"] and vecs.get("a").tolist() == [1.0, 2.0]
    assert "duplicated" in caplog.text


# -- bad files ---------------------------------------------------------------------------
BAD_TEXT = {
    "wrong-dims": ("3 4\nalpha 1 2 3 4\nbeta 1 2 3\ngamma 1 2 3 4\n", r"line 3: expected 1 word \+ 4 numbers, got 3"),
    "wrong-dims-glove": ("alpha 1 2 3 4\nbeta 1 2 3 4\nbeta2 1 2 3 4 5\n", r"line 3: expected 1 word \+ 4 numbers, got 5"),
    "truncated": ("5 2\na 1 2\nb 3 4\n", r"header \(line 1\) promises 5 vectors, the file ends after 2"),
    "not-a-number": ("2 2\na 1 2\nb 3 x\n", r"line 3: field 3 is 'x', not a number"),
    "prose": ("It is a truth universally acknowledged, that a single man\nin possession of a good fortune\n", r"line 1: expected a word followed by numbers \(or a 'COUNT DIM' header\), got 'It is a truth"),
    "one-word": ("hello\nworld\n", r"line 1: expected a word followed by numbers"),
    "nan": ("a 1 2\nb nan 4\n", r"the vector of 'b' \(entry 2\) holds NaN"),
    "empty": ("", r"the file is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_embeddings_formats_bad_text_files_name_the_line(tmp_path, case):
    text, pattern = BAD_TEXT[case]
    path = tmp_path / f"{case}.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=pattern) as info:
        load_vectors(path)
    assert str(path) in str(info.value)


def test_embeddings_formats_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "garbage.bin"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(DataError, match="not a known vectors file") as info:
        load_vectors(path)
    assert info.value.hint and "word2vec" in info.value.hint
    with pytest.raises(DataError, match="not a Facebook fastText .bin file"):
        load_vectors(path, format="fasttext-bin")
    with pytest.raises(DataError, match=r"line 1: expected a 'COUNT DIM' header"):
        load_vectors(path, format="word2vec-binary")


def test_embeddings_formats_truncated_binary_names_the_vector(tmp_path, small):
    full = write_word2vec(small, tmp_path / "v.bin", binary=True).read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(full[: len(full) - 10])
    with pytest.raises(DataError, match=r"vector 8 \('elizabeth'\): expected 6 numbers \(24 bytes\), the file ends after 14"):
        load_vectors(cut)
    fewer = tmp_path / "fewer.bin"
    fewer.write_bytes(full.replace(b"8 6\n", b"9 6\n", 1))
    with pytest.raises(DataError, match="promises 9 vectors, the file ends after 8"):
        load_vectors(fewer)


@pytest.mark.parametrize("rows", [8, 3000], ids=["within-first-block", "after-many-lines"])
def test_embeddings_formats_truncated_gzip(tmp_path, rows):
    rng = np.random.default_rng(2)
    vecs = Vectors([f"w{i}" for i in range(rows)], rng.normal(size=(rows, 6)).astype(np.float32))
    path = tmp_path / "v.txt.gz"
    _write_text(path, vecs, header=True, gz=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="compressed file is cut short or corrupt"):
        load_vectors(path)


def test_embeddings_formats_not_utf8_text(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("2 2\ncaf\xe9 1 2\nb 3 4\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"line 2: not UTF-8 text \(byte 0xe9"):
        load_vectors(path, format="word2vec-text")


def test_embeddings_formats_mismatched_artifact(tmp_path, small):
    out = small.save(tmp_path / "vecs")
    (out / "words.txt").write_text("the\nsister\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match=r"words.txt: expected 8 words \(meta.json\), got 2"):
        Vectors.load(out)
    meta = json.loads((out / "meta.json").read_text())
    meta["dim"] = 7
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match=r"expected a float32 matrix of 8 × 7"):
        Vectors.load(out)


@pytest.mark.parametrize("kind", ["missing", "folder-without-meta", "bad-format-name", "bad-limit", "garbage-kv"])
def test_embeddings_formats_bad_requests(tmp_path, kind):
    if kind == "missing":
        exc, pattern, call = DataError, "does not exist", lambda: load_vectors(tmp_path / "nope.txt")
    elif kind == "folder-without-meta":
        (tmp_path / "d").mkdir()
        exc, pattern, call = DataError, "not a vectors folder", lambda: load_vectors(tmp_path / "d")
    elif kind == "bad-format-name":
        (tmp_path / "v.txt").write_text("a 1\n")
        exc, pattern, call = UsageError, "Did you mean 'glove'", lambda: load_vectors(tmp_path / "v.txt", format="glov")
    elif kind == "bad-limit":
        (tmp_path / "v.txt").write_text("a 1\n")
        exc, pattern, call = UsageError, "limit must be a positive", lambda: load_vectors(tmp_path / "v.txt", limit=0)
    else:
        (tmp_path / "v.kv").write_bytes(b"\x80\x04garbage")
        exc, pattern, call = DataError, "cannot read this as a gensim KeyedVectors", lambda: load_vectors(tmp_path / "v.kv")
    with pytest.raises(exc, match=pattern):
        call()


def test_embeddings_formats_fasttext_header_plausibility():
    from illm_nlp.embeddings.formats import FASTTEXT_MAGIC, fasttext_header

    good = struct.pack("<13i", FASTTEXT_MAGIC, 12, 100, 5, 5, 5, 5, 1, 2, 1, 2_000_000, 3, 6)
    assert fasttext_header(good)["bucket"] == 2_000_000
    assert fasttext_header(struct.pack("<13i", FASTTEXT_MAGIC, 12, -1, 5, 5, 5, 5, 1, 2, 1, 10, 3, 6)) is None
    assert fasttext_header(b"3 5\nthe 0.1 0.2 0.3 0.4 0.5\n" * 3) is None
