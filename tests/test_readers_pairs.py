"""pairs.v1: parallel sentences and text+summary pairs from tsv/csv/jsonl or two aligned files."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from illm_nlp.config.loader import build_config
from illm_nlp.document import Doc, Skipped
from illm_nlp.errors import ConfigError, DataError
from illm_nlp.readers.pairs import PairsReader
from illm_nlp.registry import readers


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def build(path: Path | str, **options) -> PairsReader:
    options = {k: str(v) if isinstance(v, Path) else v for k, v in options.items()}
    return readers.build("pairs.v1", {"path": str(path), **options}, "corpus")


def read(path: Path | str, **options) -> list[Doc | Skipped]:
    return list(build(path, **options))


def pairs(items) -> list[tuple[str, str, str]]:
    return [(d.id, d.text, d.target) for d in items if isinstance(d, Doc)]


def skips(items) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


DE_EN = "Guten Morgen.\tGood morning.\nDas ist \"gut\".\tThat is \"good\".\n"


def test_pairs_registered_with_typed_options():
    entry = readers.get("pairs.v1")
    names = {o.name for o in entry.options}
    assert {"path", "target_path", "source_field", "target_field", "source_lang", "target_lang", "encoding",
            "on_error", "header", "source_column", "target_column"} <= names
    assert all(o.description for o in entry.options)


def test_pairs_built_from_pipeline_config(tmp_path: Path):
    path = write(tmp_path / "p.tsv", DE_EN)
    config = build_config({"corpus": {"reader": "pairs.v1", "path": str(path), "source_lang": "de"}})
    assert config.corpus is not None
    with pytest.raises(ConfigError, match="source_lag"):
        build_config({"corpus": {"reader": "pairs.v1", "path": str(path), "source_lag": "de"}})


def test_pairs_headerless_tsv(tmp_path: Path):
    items = read(write(tmp_path / "de-en.tsv", DE_EN), source_lang="de", target_lang="en")
    assert pairs(items) == [("de-en.tsv:1", "Guten Morgen.", "Good morning."),
                            ("de-en.tsv:2", 'Das ist "gut".', 'That is "good".')]
    assert items[0].meta == {"lang": "de", "target_lang": "en"}
    assert items[0].label is None


def test_pairs_tsv_columns(tmp_path: Path):
    path = write(tmp_path / "p.tsv", "id1\tHallo.\tHello.\n")
    assert pairs(read(path, source_column=1, target_column=2)) == [("p.tsv:1", "Hallo.", "Hello.")]
    assert pairs(read(path, source_column=2, target_column=1)) == [("p.tsv:1", "Hello.", "Hallo.")]


@pytest.mark.parametrize("content, options", [
    ("source\ttarget\nHallo.\tHello.\n", {}),
    ("de\ten\nHallo.\tHello.\n", {"source_field": "de", "target_field": "en"}),
    ("n\tde\ten\n7\tHallo.\tHello.\n", {"source_field": "de", "target_field": "en", "header": True}),
])
def test_pairs_tsv_header_is_detected_or_named(tmp_path: Path, content, options):
    assert pairs(read(write(tmp_path / "h.tsv", content), **options)) == [("h.tsv:2", "Hallo.", "Hello.")]


def test_pairs_header_without_the_named_columns(tmp_path: Path):
    path = write(tmp_path / "h.tsv", "de\ten\nHallo.\tHello.\n")
    (skip,) = read(path, header=True)
    assert skip.id == "h.tsv" and skip.reason.startswith("bad header: no column 'source'")
    with pytest.raises(DataError, match="h.tsv: bad header"):
        read(path, header=True, on_error="fail")
    # without header: true the first row is a pair like any other
    assert len(pairs(read(path))) == 2


def test_pairs_csv_with_header_and_quotes(tmp_path: Path):
    path = write(tmp_path / "p.csv", 'id,text,summary\nvim,"An editor, with\nmodes.",editor\n')
    items = read(path, source_field="text", target_field="summary", id_field="id")
    assert pairs(items) == [("vim", "An editor, with\nmodes.", "editor")]
    assert items[0].meta == {"path": "p.csv", "line": 2}


def test_pairs_jsonl_text_summary(tmp_path: Path):
    lines = [{"id": "a", "text": "Long text.\n\nMore.", "summary": "short"}, {"id": "b", "text": "T", "summary": "s"}]
    path = write(tmp_path / "d.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
    assert pairs(read(path, source_field="text", target_field="summary")) == [
        ("d.jsonl:1", "Long text.\n\nMore.", "short"), ("d.jsonl:2", "T", "s")]
    assert [d.id for d in read(path, source_field="text", target_field="summary", id_field="id")] == ["a", "b"]


@pytest.mark.parametrize("line, reason", [
    ("only one column", "bad columns: expected 2 tab-separated columns, got 1"),
    ("Hallo.\t", "empty: no target text"),
    ("\tHello.", "empty: no source text"),
    (b"Gr\xfc\xdfe.\tHi.", "undecodable: not valid utf-8 at byte 20 (0xfc"),
])
def test_pairs_bad_tsv_lines_are_listed_skips(tmp_path: Path, line, reason):
    raw = line if isinstance(line, bytes) else line.encode()
    path = write(tmp_path / "p.tsv", b"Guten Tag.\tHello.\n" + raw + b"\n\nJa.\tYes.\n")
    items = read(path)
    assert pairs(items) == [("p.tsv:1", "Guten Tag.", "Hello."), ("p.tsv:4", "Ja.", "Yes.")]
    (skip,) = skips(items)
    assert skip.id == "p.tsv:2"
    assert skip.reason.startswith(reason)


def test_pairs_on_error_fail_names_file_and_line(tmp_path: Path):
    path = write(tmp_path / "p.tsv", "Guten Tag.\tHello.\nonly one column\n")
    with pytest.raises(DataError) as exc:
        read(path, on_error="fail")
    assert f"{path}: line 2: bad columns: expected 2 tab-separated columns, got 1" in str(exc.value)


@pytest.mark.parametrize("line, reason", [
    ('{"source": "a"}', "missing field: no 'target'"),
    ('{"source": "a", "target": ["b", 1]}', "bad field: 'target' is a list"),
    ("not json", "malformed json"),
])
def test_pairs_bad_jsonl_lines(tmp_path: Path, line, reason):
    items = read(write(tmp_path / "p.jsonl", '{"source": "x", "target": "y"}\n' + line + "\n"))
    assert pairs(items) == [("p.jsonl:1", "x", "y")]
    assert skips(items)[0].id == "p.jsonl:2" and skips(items)[0].reason.startswith(reason)


def test_pairs_latin1_encoding(tmp_path: Path):
    path = write(tmp_path / "p.tsv", "Grüße.\tGreetings.\n".encode("latin-1"))
    assert skips(read(path))[0].reason.startswith("undecodable")
    assert pairs(read(path, encoding="latin-1")) == [("p.tsv:1", "Grüße.", "Greetings.")]


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"a\tb\n\x00\x00\x00", "binary file")])
def test_pairs_empty_and_binary_files(tmp_path: Path, content, reason):
    (skip,) = read(write(tmp_path / "p.tsv", content))
    assert skip.id == "p.tsv" and skip.reason.startswith(reason)


# -- two aligned files ---------------------------------------------------------------------
def test_pairs_target_path_aligned_line_by_line(tmp_path: Path):
    src = write(tmp_path / "train.de", "Hallo.\nJa.\n\nNein.\n")
    tgt = write(tmp_path / "train.en", "Hello.\nYes.\n\nNo.\n")
    items = read(src, target_path=tgt, source_lang="de", target_lang="en")
    assert pairs(items) == [("train.de:1", "Hallo.", "Hello."), ("train.de:2", "Ja.", "Yes."), ("train.de:4", "Nein.", "No.")]


def test_pairs_target_path_one_side_empty(tmp_path: Path):
    src = write(tmp_path / "s.txt", "Hallo.\n\n")
    tgt = write(tmp_path / "t.txt", "Hello.\nUnpaired.\n")
    items = read(src, target_path=tgt)
    assert skips(items) == [Skipped("s.txt:2", "empty: no source text")]


def test_pairs_target_path_length_mismatch_names_both_files(tmp_path: Path):
    src = write(tmp_path / "s.txt", "a\nb\nc\n")
    tgt = write(tmp_path / "t.txt", "x\ny\n")
    reader = build(src, target_path=tgt, on_error="skip")
    for action in (reader.check, lambda: list(reader), lambda: reader.partitions(10)):
        with pytest.raises(DataError) as exc:
            action()
        message = str(exc.value)
        assert str(src) in message and str(tgt) in message and "3 lines" in message and "2" in message


def test_pairs_target_path_undecodable_target_says_which_file(tmp_path: Path):
    src = write(tmp_path / "s.txt", "Hallo.\n")
    tgt = write(tmp_path / "t.txt", b"Gr\xfc\xdfe.\n")
    (skip,) = read(src, target_path=tgt)
    assert "target_path" in skip.reason and str(tgt) in skip.reason


# -- check() and configuration ------------------------------------------------------------------------
def test_pairs_check(tmp_path: Path):
    with pytest.raises(DataError, match="does not exist"):
        build(tmp_path / "nope.tsv").check()
    (tmp_path / "dir").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        build(tmp_path / "dir").check()
    write(tmp_path / "p.txt", "a\tb\n")
    with pytest.raises(DataError, match="cannot tell the pairs format"):
        build(tmp_path / "p.txt").check()
    assert pairs(read(tmp_path / "p.txt", format="tsv")) == [("p.txt:1", "a", "b")]
    with pytest.raises(DataError, match="target_path 'x.en' does not exist"):
        build(tmp_path / "p.txt", target_path="x.en").check()


@pytest.mark.parametrize("options, words", [
    ({"encoding": "utf-16"}, ["ASCII-compatible"]),
    ({"source_column": 1, "target_column": 1}, ["source_column"]),
    ({"target_path": "t.en", "format": "jsonl"}, ["target_path"]),
    ({"encoding": "nope"}, ["unknown encoding"]),
])
def test_pairs_inconsistent_options_are_config_errors(tmp_path: Path, options, words):
    with pytest.raises(ConfigError) as exc:
        build(tmp_path / "p.tsv", **options)
    for word in words:
        assert word in str(exc.value)


# -- re-iteration and partitions --------------------------------------------------------------------
def test_pairs_reiterable(tmp_path: Path):
    path = write(tmp_path / "p.tsv", DE_EN)
    reader = build(path)
    assert list(reader) == list(reader)
    write(path, DE_EN + "Ja.\tYes.\n")
    assert len(list(reader)) == 3


@pytest.fixture
def pair_files(tmp_path: Path) -> dict[str, tuple[Path, dict]]:
    n = 300
    tsv = "".join(f"Satz {i}.\tSentence {i}.\n" + ("\n" if i % 9 == 0 else "") + ("kaputt\n" if i % 50 == 0 else "")
                  for i in range(n))
    csv = "source,target\n" + "".join(f'"Satz {i},\nzwei Zeilen.",Sentence {i}.\n' for i in range(n))
    jsonl = "".join(json.dumps({"text": f"Text {i}.", "summary": f"S{i}"}) + "\n" for i in range(n)) + "{bad\n"
    src = "".join(f"Satz {i}.\n" for i in range(n))
    tgt = "".join(f"Sentence number {i}.\n" for i in range(n))
    return {
        "tsv": (write(tmp_path / "p.tsv", tsv), {}),
        "csv": (write(tmp_path / "p.csv", csv), {}),
        "jsonl": (write(tmp_path / "p.jsonl", jsonl), {"source_field": "text", "target_field": "summary"}),
        "aligned": (write(tmp_path / "p.de", src), {"target_path": write(tmp_path / "p.en", tgt)}),
    }


@pytest.mark.parametrize("kind", ["tsv", "csv", "jsonl", "aligned"])
@pytest.mark.parametrize("target_bytes", [1, 333, 10**9])
def test_pairs_partitions_give_exactly_the_iteration(pair_files, kind, target_bytes):
    path, options = pair_files[kind]
    reader = build(path, **options)
    expected = list(reader)
    assert len(pairs(expected)) >= 300
    parts = reader.partitions(target_bytes)
    if target_bytes < 1000:
        assert len(parts) > 3
    assert [item for p in parts for item in reader.read_partition(p)] == expected
    assert sum(p.nbytes for p in parts) == path.stat().st_size
    assert all(pickle.loads(pickle.dumps(p)) == p for p in parts)
    assert list(pickle.loads(pickle.dumps(reader))) == expected


def test_pairs_on_real_de_en(shared_data: Path):
    reader = build(shared_data / "translation" / "de-en" / "train.tsv", source_lang="de", target_lang="en")
    items = list(reader)
    assert len(items) == 14817 and not skips(items)
    assert [i for p in reader.partitions(200_000) for i in reader.read_partition(p)] == items


def test_pairs_every_option_is_documented():
    page = (Path(__file__).resolve().parents[1] / "docs" / "readers.md").read_text(encoding="utf-8")
    section = page.split("## `pairs.v1`", 1)[1].split("\n## ", 1)[0]
    missing = [o.name for o in readers.get("pairs.v1").options if f"`{o.name}`" not in section]
    assert not missing, f"docs/readers.md does not describe pairs.v1 options {missing}"
