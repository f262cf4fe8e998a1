"""folder.v1: formats, options, ids, order, re-iteration, partitions and bad input."""

from __future__ import annotations

import json
import pickle
import tracemalloc
from pathlib import Path

import pytest

from illm_nlp.config.loader import build_config
from illm_nlp.document import Doc, Skipped
from illm_nlp.errors import ConfigError, DataError
from illm_nlp.readers._files import GlobSet
from illm_nlp.readers._text import strip_html
from illm_nlp.readers.folder import FolderReader
from illm_nlp.registry import readers

MB = 1024 * 1024


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root


def build(path: Path | str, **options) -> FolderReader:
    return readers.build("folder.v1", {"path": str(path), **options}, "corpus")


def read(path: Path | str, **options) -> list[Doc | Skipped]:
    return list(build(path, **options))


def docs(items) -> list[Doc]:
    return [i for i in items if isinstance(i, Doc)]


def skips(items) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def by_id(items) -> dict[str, Doc | Skipped]:
    return {i.id: i for i in items}


def via_partitions(reader, target_bytes: int) -> list[Doc | Skipped]:
    return [item for part in reader.partitions(target_bytes) for item in reader.read_partition(part)]


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """One file of each supported format, in sub-folders, plus files the default leaves out."""
    return make(tmp_path / "c", {
        "a.txt": "Plain text.\n",
        "notes/b.md": "# Title\n\nSome *markdown*.\n",
        "web/c.html": "<html><head><title>T</title><style>p{}</style></head><body><p>Hi &amp; bye</p></body></html>",
        "data/d.jsonl": '{"text": "one", "label": "x"}\n{"text": "two", "label": "y"}\n',
        "data/e.csv": 'text,label\n"hello, world",x\n',
        "data/f.tsv": "text\tlabel\nhi there\ty\n",
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00",
        ".hidden.txt": "left out",
        ".git/config.txt": "left out",
    })


# -- registry and config --------------------------------------------------------------
def test_folder_registered_with_typed_options():
    entry = readers.get("folder.v1")
    names = {o.name for o in entry.options}
    assert {"path", "include", "exclude", "recursive", "encoding", "on_error", "unit", "label_from", "text_field",
            "label_field", "id_field", "delimiter", "min_chars", "max_bytes", "format", "header", "target_field"} <= names
    assert entry.summary
    assert all(o.description for o in entry.options)


def test_folder_built_from_pipeline_config(mixed: Path):
    config = build_config({"corpus": {"reader": "folder.v1", "path": str(mixed), "unit": "paragraph"}})
    assert config.corpus is not None and config.corpus.options["unit"] == "paragraph"


@pytest.mark.parametrize("options, key", [
    ({"unit": "sentence"}, "unit"),
    ({"on_error": "ignore"}, "on_error"),
    ({"min_chars": -1}, "min_chars"),
    ({"recursiv": True}, "recursiv"),
])
def test_folder_bad_option_is_config_error(mixed: Path, options, key):
    with pytest.raises(ConfigError) as exc:
        build_config({"corpus": {"reader": "folder.v1", "path": str(mixed), **options}})
    assert key in str(exc.value)


@pytest.mark.parametrize("options, words", [
    ({"encoding": "no-such-codec"}, ["unknown encoding", "no-such-codec"]),
    ({"label_from": "folder", "recursive": False}, ["recursive"]),
    ({"delimiter": ";;"}, ["delimiter", "one character"]),
])
def test_folder_inconsistent_options_are_config_errors(mixed: Path, options, words):
    with pytest.raises(ConfigError) as exc:
        build(mixed, **options)
    for word in words:
        assert word in str(exc.value)


# -- formats and ids -----------------------------------------------------------------
def test_folder_reads_every_supported_format_by_suffix(mixed: Path):
    items = read(mixed)
    assert not skips(items)
    got = {d.id: d.text for d in docs(items)}
    assert got == {
        "a.txt": "Plain text.\n",
        "data/d.jsonl:1": "one",
        "data/d.jsonl:2": "two",
        "data/e.csv:2": "hello, world",
        "data/f.tsv:2": "hi there",
        "notes/b.md": "# Title\n\nSome *markdown*.\n",
        "web/c.html": "T\n\nHi & bye",
    }


def test_folder_yields_sorted_paths_whatever_the_creation_order(tmp_path: Path):
    names = ["b/z.txt", "a.txt", "b/a.txt", "a-b/x.txt", "c.txt", "B.txt"]
    make(tmp_path, {n: n for n in reversed(names)})
    ids = [d.id for d in read(tmp_path)]
    assert ids == sorted(names)
    assert ids == [d.id for d in read(tmp_path)]


def test_folder_ids_are_posix_relative_paths_with_line_or_paragraph(tmp_path: Path):
    make(tmp_path, {"sub/deep/t.txt": "one\n\ntwo\nstill two\n\n\nthree\n", "sub/r.jsonl": '\n{"text": "x"}\n'})
    assert [d.id for d in read(tmp_path, unit="paragraph", include=["*.txt"])] == [
        "sub/deep/t.txt#1", "sub/deep/t.txt#2", "sub/deep/t.txt#3"]
    assert [d.id for d in read(tmp_path, unit="line", include=["*.txt"])] == [
        "sub/deep/t.txt:1", "sub/deep/t.txt:3", "sub/deep/t.txt:4", "sub/deep/t.txt:7"]
    assert [d.id for d in read(tmp_path, include=["*.jsonl"])] == ["sub/r.jsonl:2"]


def test_folder_single_file_path(tmp_path: Path):
    make(tmp_path, {"x.jsonl": '{"text": "a"}\n{"text": "b"}\n'})
    items = read(tmp_path / "x.jsonl")
    assert [(d.id, d.text) for d in items] == [("x.jsonl:1", "a"), ("x.jsonl:2", "b")]


# -- units -------------------------------------------------------------------------------
AUSTEN_LIKE = "PRIDE AND PREJUDICE\n\nBy Jane Austen\n\nChapter 1\n\nIt is a truth universally acknowledged.\n"


@pytest.mark.parametrize("unit, expected", [
    ("file", [("p.txt", AUSTEN_LIKE)]),
    ("paragraph", [("p.txt#1", "PRIDE AND PREJUDICE"), ("p.txt#2", "By Jane Austen"), ("p.txt#3", "Chapter 1"),
                   ("p.txt#4", "It is a truth universally acknowledged.")]),
    ("line", [("p.txt:1", "PRIDE AND PREJUDICE"), ("p.txt:3", "By Jane Austen"), ("p.txt:5", "Chapter 1"),
              ("p.txt:7", "It is a truth universally acknowledged.")]),
])
def test_folder_unit(tmp_path: Path, unit, expected):
    make(tmp_path, {"p.txt": AUSTEN_LIKE})
    assert [(d.id, d.text) for d in read(tmp_path, unit=unit)] == expected


def test_folder_paragraph_keeps_line_breaks_inside_and_handles_crlf(tmp_path: Path):
    make(tmp_path, {"w.txt": b"first line\r\nsecond line\r\n  \r\nnext\r\n"})
    assert [(d.id, d.text) for d in read(tmp_path, unit="paragraph")] == [
        ("w.txt#1", "first line\nsecond line"), ("w.txt#2", "next")]
    assert [d.text for d in read(tmp_path, unit="line")] == ["first line", "second line", "next"]


def test_folder_html_paragraphs_and_lines(tmp_path: Path):
    make(tmp_path, {"p.html": "<body><h1>Head</h1><p>One\n two</p><div>Three<br>four</div></body>"})
    assert [d.text for d in read(tmp_path, unit="paragraph")] == ["Head", "One two", "Three\nfour"]
    assert [d.id for d in read(tmp_path, unit="line")] == ["p.html:1", "p.html:3", "p.html:5", "p.html:6"]


def test_folder_utf8_bom_is_dropped(tmp_path: Path):
    make(tmp_path, {"b.txt": b"\xef\xbb\xbfhello\n", "b.csv": b"\xef\xbb\xbftext\nhi\n"})
    assert [d.text for d in read(tmp_path, unit="line")] == ["hi", "hello"]


# -- HTML ----------------------------------------------------------------------------------
@pytest.mark.parametrize("html, text", [
    ("<p>a &lt;b&gt; &amp; &eacute; &#233; &#x263A;</p>", "a <b> & é é ☺"),
    ("<script>var x = '<p>no</p>';</script><p>yes</p>", "yes"),
    ("<style>p { color: red }</style>text", "text"),
    ("<head><meta charset=utf-8><title>Title</title><link rel=x></head><body>Body</body>", "Title\n\nBody"),
    ("<p>one</p><p>two</p>", "one\n\ntwo"),
    ("line<br>break<br/>again", "line\nbreak\nagain"),
    ("<ul><li>a</li><li>b</li></ul>", "a\n\nb"),
    ("inline <b>bold</b> and <a href='#'>link</a>", "inline bold and link"),
    ("<pre>keep\nlines</pre>", "keep\nlines"),
    ("<!-- a comment --><p>shown</p>", "shown"),
    ("", ""),
])
def test_strip_html(html, text):
    assert strip_html(html) == text


# -- include / exclude / recursive / hidden -------------------------------------------------
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make(tmp_path / "t", {
        "a.txt": "a", "b.md": "b", "sub/c.txt": "c", "sub/drafts/d.txt": "d", "drafts/e.txt": "e",
        "sub/f.jsonl": '{"text": "f"}\n', "other.xml": "<x/>", "README.md": "readme",
    })


@pytest.mark.parametrize("options, ids", [
    ({}, ["README.md", "a.txt", "b.md", "drafts/e.txt", "sub/c.txt", "sub/drafts/d.txt", "sub/f.jsonl:1"]),
    ({"include": ["*.txt"]}, ["a.txt", "drafts/e.txt", "sub/c.txt", "sub/drafts/d.txt"]),
    ({"include": "*.txt", "exclude": "drafts"}, ["a.txt", "sub/c.txt"]),
    ({"include": ["/*.txt"]}, ["a.txt"]),
    ({"include": ["sub/*.txt"]}, ["sub/c.txt"]),
    ({"include": ["sub/**/*.txt"]}, ["sub/c.txt", "sub/drafts/d.txt"]),
    ({"include": ["sub"]}, ["sub/c.txt", "sub/drafts/d.txt", "sub/f.jsonl:1"]),
    ({"include": ["*.txt", "*.md"], "exclude": ["drafts"]}, ["README.md", "a.txt", "b.md", "sub/c.txt"]),
    ({"exclude": ["README.md", "*.jsonl"]}, ["a.txt", "b.md", "drafts/e.txt", "sub/c.txt", "sub/drafts/d.txt"]),
    ({"exclude": ["/drafts/"]}, ["README.md", "a.txt", "b.md", "sub/c.txt", "sub/drafts/d.txt", "sub/f.jsonl:1"]),
    ({"include": ["[ab].*"]}, ["a.txt", "b.md"]),
    ({"include": ["?.txt"]}, ["a.txt", "sub/c.txt", "sub/drafts/d.txt", "drafts/e.txt"]),
    ({"recursive": False}, ["README.md", "a.txt", "b.md"]),
])
def test_folder_include_exclude_recursive(tree: Path, options, ids):
    assert [d.id for d in read(tree, **options)] == sorted(ids)


def test_folder_include_of_unsupported_suffix_is_a_listed_skip(tree: Path):
    items = read(tree, include=["*.xml"])
    assert items == [Skipped("other.xml", items[0].reason)]
    assert items[0].reason.startswith("unsupported format")
    assert [d.text for d in read(tree, include=["*.xml"], format="txt")] == ["<x/>"]


def test_folder_hidden_files_and_folders_are_left_out(mixed: Path):
    assert not any(".hidden" in i.id or ".git" in i.id for i in read(mixed, include=["*"]))


@pytest.mark.parametrize("pattern, path, hit", [
    ("*.txt", "a/b/c.txt", True), ("a/*.txt", "a/b/c.txt", False), ("a/**/c.txt", "a/c.txt", True),
    ("a/**", "a/b/c.txt", True), ("b", "a/b/c.txt", True), ("/b", "a/b/c.txt", False), ("c.tx?", "c.txt", True),
    ("[!c].txt", "c.txt", False), ("[", "[", True),
])
def test_globset(pattern, path, hit):
    assert GlobSet([pattern]).matches(path) is hit


# -- labels, fields, ids ---------------------------------------------------------------------
def test_folder_labels_from_folder(tmp_path: Path):
    make(tmp_path, {"train/grain/x.txt": "wheat", "train/other/y.txt": "oil", "train/other/deep/z.txt": "gas",
                    "train/loose.txt": "no label"})
    items = read(tmp_path / "train", label_from="folder")
    got = {i.id: (i.label if isinstance(i, Doc) else i.reason) for i in items}
    assert got["grain/x.txt"] == "grain"
    assert got["other/y.txt"] == "other"
    assert got["other/deep/z.txt"] == "other"
    assert got["loose.txt"].startswith("no label")


@pytest.mark.parametrize("name, content", [
    ("l.jsonl", '{"text": "a", "label": "pos"}\n{"text": "b", "label": ["x", "y"]}\n{"text": "c", "label": 3}\n'),
    ("l.csv", 'text,label\na,pos\nb,"[""x"", ""y""]"\nc,3\n'),
])
def test_folder_labels_from_field(tmp_path: Path, name, content):
    make(tmp_path, {name: content})
    labels = [d.label for d in read(tmp_path, label_from="field")]
    if name.endswith(".jsonl"):
        assert labels == ["pos", ["x", "y"], "3"]  # a list stays a list: multi-label
    else:
        assert labels[0] == "pos" and labels[2] == "3"


def test_folder_label_none_ignores_label_fields(tmp_path: Path):
    make(tmp_path, {"l.jsonl": '{"text": "a", "label": "pos"}\n'})
    assert read(tmp_path)[0].label is None


def test_folder_missing_label_field_is_a_listed_skip(tmp_path: Path):
    make(tmp_path, {"l.jsonl": '{"text": "a"}\n{"text": "b", "label": ""}\n{"text": "c", "label": "ok"}\n'})
    items = read(tmp_path, label_from="field")
    assert [i.id for i in skips(items)] == ["l.jsonl:1", "l.jsonl:2"]
    assert "missing field" in items[0].reason and "'label'" in items[0].reason
    assert docs(items)[0].label == "ok"


def test_folder_label_from_field_on_plain_text_is_a_listed_skip(tmp_path: Path):
    make(tmp_path, {"a.txt": "x"})
    assert read(tmp_path, label_from="field")[0].reason.startswith("no label")


def test_folder_text_target_and_id_fields(tmp_path: Path):
    make(tmp_path, {"d.jsonl": json.dumps({"pkg": "vim", "long": "An editor.", "short": "editor", "tags": ["a"]}) + "\n"})
    doc = read(tmp_path, text_field="long", target_field="short", id_field="pkg", label_from="field", label_field="tags")[0]
    assert (doc.id, doc.text, doc.target, doc.label) == ("vim", "An editor.", "editor", ["a"])
    assert doc.meta == {"path": "d.jsonl", "line": 1}


def test_folder_text_field_list_of_strings_is_joined(tmp_path: Path):
    make(tmp_path, {"c.jsonl": '{"turns": ["Hi", "Hello there"]}\n'})
    assert read(tmp_path, text_field="turns")[0].text == "Hi\nHello there"


@pytest.mark.parametrize("line, reason", [
    ('{"txt": "a"}', "missing field: no 'text'"),
    ('{"text": {"a": 1}}', "bad field: 'text' is a dict"),
    ('{"text": null}', "missing field"),
    ('["text"]', "malformed json: expected an object"),
    ('{"text": "a"', "malformed json"),
    ('{"text": ""}', "empty"),
])
def test_folder_bad_jsonl_lines_are_listed_skips(tmp_path: Path, line, reason):
    make(tmp_path, {"x.jsonl": '{"text": "good"}\n' + line + "\n"})
    items = read(tmp_path)
    assert docs(items)[0].text == "good"
    (skip,) = skips(items)
    assert skip.id == "x.jsonl:2"
    assert skip.reason.startswith(reason)


# -- csv / tsv ------------------------------------------------------------------------------
def test_folder_csv_quoted_newlines_keep_the_start_line(tmp_path: Path):
    make(tmp_path, {"q.csv": 'id,text\n1,"first\nrecord, with comma"\n\n2,second\n'})
    assert [(d.id, d.text) for d in read(tmp_path)] == [("q.csv:2", "first\nrecord, with comma"), ("q.csv:5", "second")]


def test_folder_csv_delimiter_and_headerless_columns(tmp_path: Path):
    make(tmp_path, {"s.csv": "a;b\nc;d\n", "t.tsv": 'x\t"quoted" text\n'})
    assert [d.text for d in read(tmp_path, include=["*.csv"], delimiter=";", text_field="a")] == ["c"]
    assert [d.text for d in read(tmp_path, include=["*.csv"], delimiter=";", header=False, text_field=1)] == ["b", "d"]
    assert [d.text for d in read(tmp_path, include=["*.tsv"], header=False, text_field="1")] == ['"quoted" text']


def test_folder_table_rows_with_wrong_column_count_are_listed_skips(tmp_path: Path):
    make(tmp_path, {"t.tsv": "text\tlabel\nok\tx\nonly one column\n"})
    items = read(tmp_path)
    assert skips(items) == [Skipped("t.tsv:3", "bad columns: expected 2 tab-separated columns as in the header, got 1")]


# -- min_chars / max_bytes -------------------------------------------------------------------
def test_folder_min_chars(tmp_path: Path):
    make(tmp_path, {"m.txt": "ok\n\nlong enough\n\n   \n"})
    items = read(tmp_path, unit="paragraph", min_chars=5)
    assert [d.text for d in docs(items)] == ["long enough"]
    assert skips(items) == [Skipped("m.txt#1", "empty: 2 characters, fewer than min_chars (5)")]


def test_folder_max_bytes(tmp_path: Path):
    make(tmp_path, {"small.txt": "x" * 10, "big.txt": "x" * 100})
    items = read(tmp_path, max_bytes=50)
    assert [d.id for d in docs(items)] == ["small.txt"]
    assert skips(items)[0].id == "big.txt" and skips(items)[0].reason.startswith("too large: 100 bytes")


# -- bad input: the folder from the issue ----------------------------------------------------
@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    root = make(tmp_path / "bad", {
        "good.txt": "Fine text.\n",
        "latin1.txt": "Caf\u00e9 cr\u00e8me na\u00efve\n".encode("latin-1"),
        "binary.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00garbage",
        "empty.txt": b"",
        "blank.txt": "  \n\n",
    })
    with open(root / "huge.txt", "wb") as fh:  # 50 MB, one line
        chunk = b"lorem ipsum " * (MB // 12)
        fh.writelines(chunk for _ in range(50))
    return root


def test_folder_bad_input_is_skipped_with_reasons(bad_folder: Path):
    items = by_id(read(bad_folder))
    assert items["good.txt"].text == "Fine text.\n"
    latin = items["latin1.txt"]
    assert isinstance(latin, Skipped)
    assert latin.reason.startswith("undecodable: not valid utf-8 at byte 3 (0xe9")
    assert "encoding" in latin.reason
    assert isinstance(items["binary.txt"], Skipped) and items["binary.txt"].reason.startswith("binary file")
    assert isinstance(items["empty.txt"], Skipped) and items["empty.txt"].reason.startswith("empty")
    assert isinstance(items["blank.txt"], Skipped) and items["blank.txt"].reason == "empty: no text"
    assert isinstance(items["huge.txt"], Doc) and len(items["huge.txt"].text) == (bad_folder / "huge.txt").stat().st_size


def test_folder_latin1_file_reads_with_encoding_latin1(bad_folder: Path):
    items = by_id(read(bad_folder, encoding="latin-1", include=["latin1.txt"]))
    assert items["latin1.txt"].text == "Caf\u00e9 cr\u00e8me na\u00efve\n"


@pytest.mark.parametrize("name, words", [
    ("latin1.txt", ["latin1.txt", "undecodable", "byte 3"]),
    ("binary.txt", ["binary.txt", "binary file", "NUL"]),
    ("empty.txt", ["empty.txt", "0 bytes"]),
])
def test_folder_on_error_fail_raises_data_error_naming_the_file(bad_folder: Path, name, words):
    with pytest.raises(DataError) as exc:
        read(bad_folder, include=[name], on_error="fail")
    for word in words:
        assert word in str(exc.value)
    assert "on_error: skip" in str(exc.value)


def test_folder_on_error_fail_names_the_line(tmp_path: Path):
    make(tmp_path, {"x.jsonl": '{"text": "a"}\nnot json\n'})
    reader = build(tmp_path, on_error="fail")
    assert reader.on_error == "fail"
    with pytest.raises(DataError) as exc:
        list(reader)
    assert "x.jsonl: line 2: malformed json" in str(exc.value)


def test_folder_undecodable_line_names_its_file_offset(tmp_path: Path):
    make(tmp_path, {"m.txt": b"fine\n\nbad \xff here\n\nfine again\n"})
    items = read(tmp_path, unit="paragraph")
    assert [d.text for d in docs(items)] == ["fine", "fine again"]
    assert skips(items)[0].id == "m.txt#2"
    assert "at byte 10 (0xff)" in skips(items)[0].reason


def test_folder_utf16_whole_files_read_but_line_formats_are_refused(tmp_path: Path):
    make(tmp_path, {"w.txt": "Gr\u00fc\u00dfe\n\nzwei\n".encode("utf-16"), "w.jsonl": '{"text": "x"}\n'.encode("utf-16")})
    items = by_id(read(tmp_path, encoding="utf-16", unit="paragraph"))
    assert items["w.txt#1"].text == "Gr\u00fc\u00dfe" and items["w.txt#2"].text == "zwei"
    assert items["w.jsonl"].reason.startswith("unsupported encoding")


def test_folder_one_line_50mb_file_is_read_once(bad_folder: Path):
    size = (bad_folder / "huge.txt").stat().st_size
    for unit in ("file", "line"):
        reader = build(bad_folder, include=["huge.txt"], unit=unit)
        tracemalloc.start()
        try:
            (doc,) = list(reader)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(doc.text) >= size - 1
        # the bytes and the decoded text, nothing more
        assert peak < 2.3 * size, f"unit {unit}: peak {peak / MB:.0f} MB for a {size / MB:.0f} MB file"
        del doc


@pytest.mark.parametrize("unit", ["line", "paragraph"])
def test_folder_line_units_stream(tmp_path: Path, unit):
    path = tmp_path / "many.txt"
    line = ("x" * 1000 + "\n\n").encode()
    with open(path, "wb") as fh:
        fh.write(line * (50 * MB // len(line)))
    reader = build(path, unit=unit)
    tracemalloc.start()
    try:
        n = sum(1 for _ in reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 50 * MB // len(line)
    assert peak < 2 * MB, f"peak {peak / MB:.1f} MB reading a 50 MB file by {unit}"


# -- check() ------------------------------------------------------------------------------------
def test_folder_check_missing_path(tmp_path: Path):
    reader = build(tmp_path / "nope")
    with pytest.raises(DataError) as exc:
        reader.check()
    assert "nope" in str(exc.value) and "does not exist" in str(exc.value)
    with pytest.raises(DataError):
        list(reader)


def test_folder_check_no_matching_files_names_the_globs(tree: Path):
    with pytest.raises(DataError) as exc:
        build(tree, include=["*.docx"], exclude=["tmp"]).check()
    message = str(exc.value)
    assert str(tree) in message and "*.docx" in message and "tmp" in message and "matches no files" in message
    assert ".txt" in message  # says what the folder does hold


def test_folder_check_empty_folder(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="matches no files"):
        build(tmp_path / "empty").check()


def test_folder_check_single_file_of_unknown_format(tmp_path: Path):
    make(tmp_path, {"x.xml": "<x/>"})
    with pytest.raises(DataError, match="format"):
        build(tmp_path / "x.xml").check()
    build(tmp_path / "x.xml", format="txt").check()


def test_folder_check_passes_and_reads_nothing(mixed: Path):
    assert build(mixed).check() is None


# -- re-iteration and partitions ------------------------------------------------------------------
def test_folder_is_reiterable_and_reopens_the_files(tmp_path: Path):
    make(tmp_path, {"a.txt": "one\ntwo\n"})
    reader = build(tmp_path, unit="line")
    first = list(reader)
    assert first == list(reader)
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n", encoding="utf-8")
    assert [d.text for d in reader] == ["one", "two", "three"]


def partition_cases(tmp_path: Path) -> list[tuple[str, Path, dict]]:
    lines = "".join(f"line number {i}\n" + ("\n" if i % 7 == 0 else "") for i in range(1, 300))
    records = "".join(json.dumps({"text": f"doc {i}", "label": "ab"[i % 2]}) + "\n" + ("\n" if i % 5 == 0 else "")
                      for i in range(1, 200))
    csv_rows = "text,label\n" + "".join(f'"row {i}\nspans lines, with commas",{i}\n' for i in range(1, 120))
    tsv_rows = "text\tlabel\n" + "".join(f"row {i}\t{i}\n" for i in range(1, 150)) + "bad row\n"
    root = make(tmp_path / "p", {
        "a/lines.txt": lines, "a/records.jsonl": records, "b/table.csv": csv_rows, "b/table.tsv": tsv_rows,
        "b/small.txt": "small", "b/bad.jsonl": b'{"text": "ok"}\n{"text": "caf\xe9"}\nnot json\n',
        "c/empty.txt": b"", "c/bin.tsv": b"\x00\x01" * 500,
    })
    return [
        ("line", root, {"unit": "line"}),
        ("paragraph", root, {"unit": "paragraph"}),
        ("file", root, {}),
        ("labels", root, {"label_from": "folder", "unit": "paragraph"}),
        ("no-labels", root / "a", {"label_from": "field", "unit": "line"}),
        ("fields", root, {"label_from": "field", "include": ["*.jsonl", "*.csv", "*.tsv"]}),
    ]


@pytest.mark.parametrize("case", ["line", "paragraph", "file", "labels", "no-labels", "fields"])
@pytest.mark.parametrize("target_bytes", [1, 97, 1000, 8_000_000])
def test_folder_partitions_give_exactly_the_iteration(tmp_path: Path, case, target_bytes):
    cases = {name: (root, opts) for name, root, opts in partition_cases(tmp_path)}
    root, opts = cases[case]
    reader = build(root, **opts)
    expected = list(reader)
    assert expected and any(isinstance(i, Skipped) for i in expected)
    parts = reader.partitions(target_bytes)
    assert via_partitions(reader, target_bytes) == expected
    sizes: dict[str, int] = {}
    for p in parts:
        sizes[p.file] = sizes.get(p.file, 0) + p.nbytes
        assert pickle.loads(pickle.dumps(p)) == p
    assert sizes == {p.file: (root / p.file).stat().st_size for p in parts}
    if target_bytes < 1000 and case not in ("file", "no-labels"):
        assert len(parts) > len(set(sizes))  # big line files really were cut


def test_folder_partition_ranges_start_at_record_starts(tmp_path: Path):
    make(tmp_path, {"l.txt": "".join(f"line {i}\n" for i in range(100))})
    reader = build(tmp_path, unit="line")
    data = (tmp_path / "l.txt").read_bytes()
    parts = reader.partitions(50)
    assert len(parts) > 5
    for p in parts[1:]:
        assert data[p.start - 1:p.start] == b"\n"
        assert p.number == data[:p.start].count(b"\n") + 1


def test_folder_reader_pickles(mixed: Path):
    reader = build(mixed)
    clone = pickle.loads(pickle.dumps(reader))
    assert list(clone) == list(reader)
    assert getattr(reader, "registered_name", None) == "folder.v1"


def test_folder_partitions_on_real_austen(shared_data: Path):
    reader = build(shared_data / "documents" / "austen", unit="paragraph", include=["*.txt"])
    items = list(reader)
    assert len(items) > 10_000 and not skips(items)
    assert via_partitions(reader, 100_000) == items


def test_folder_every_option_is_documented():
    page = (Path(__file__).resolve().parents[1] / "docs" / "readers.md").read_text(encoding="utf-8")
    section = page.split("## `folder.v1`", 1)[1].split("\n## ", 1)[0]
    missing = [o.name for o in readers.get("folder.v1").options if f"`{o.name}`" not in section]
    assert not missing, f"docs/readers.md does not describe folder.v1 options {missing}"
