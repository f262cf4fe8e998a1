"""Writers: formats, atomic replacement, and resuming a torn run."""

from __future__ import annotations

import csv
import json

import pytest

from illm_nlp.document import Doc
from illm_nlp.errors import UsageError
from illm_nlp.output import guess_format, open_writer
from illm_nlp.readers.records import iter_output

DOCS = [Doc(id=f"d{i}.txt", text=f"text {i}", label="pos" if i % 2 else "neg", tokens=["text", str(i)]) for i in range(5)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_output_round_trips_through_records(tmp_path, fmt):
    path = tmp_path / ("out" if fmt == "txt" else f"out.{fmt}")
    w = open_writer(str(path), fmt)
    for d in DOCS:
        w.write(d)
    assert not path.exists(), "nothing may appear at the final path before commit"
    w.commit()
    back = list(iter_output(path, fmt))
    assert [d.id for d in back] == [d.id for d in DOCS] if fmt != "txt" else sorted(d.id for d in DOCS)
    assert [d.tokens for d in back] == [d.tokens for d in DOCS]


def test_output_csv_has_header_and_joined_tokens(tmp_path):
    path = tmp_path / "out.csv"
    w = open_writer(str(path))
    w.write(DOCS[1])
    w.commit()
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows == [{"id": "d1.txt", "text": "text 1", "label": "pos", "target": "", "tokens": "text 1"}]


def test_output_failed_run_keeps_the_old_output(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"id": "old"}\n', encoding="utf-8")
    w = open_writer(str(path))
    w.write(DOCS[0])
    w.close()  # the run failed
    assert path.read_text(encoding="utf-8") == '{"id": "old"}\n'
    assert (tmp_path / "out.jsonl.partial").exists()


def test_output_resume_cuts_a_torn_line_and_continues(tmp_path):
    path = tmp_path / "out.jsonl"
    w = open_writer(str(path))
    for d in DOCS[:3]:
        w.write(d)
    w.close()
    partial = tmp_path / "out.jsonl.partial"
    partial.write_text(partial.read_text(encoding="utf-8") + '{"id": "d3.txt", "te', encoding="utf-8")
    w2 = open_writer(str(path), resume=True)
    assert w2.done_ids == {"d0.txt", "d1.txt", "d2.txt"}
    for d in DOCS[3:]:
        w2.write(d)
    w2.commit()
    ids = [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    assert ids == [d.id for d in DOCS]


def test_output_txt_folder_replaces_the_old_one_whole(tmp_path):
    path = tmp_path / "out"
    (path / "stale").mkdir(parents=True)
    (path / "stale" / "x.txt").write_text("old", encoding="utf-8")
    w = open_writer(str(path), "txt")
    w.write(Doc(id="sub/a.txt", text="hello", sentences=[["hello", "there"], ["bye"]]))
    w.commit()
    assert (path / "sub" / "a.txt").read_text(encoding="utf-8") == "hello there\nbye\n"
    assert not (path / "stale").exists()
    assert not (path / ".illm-written-ids").exists()


@pytest.mark.parametrize(
    ("doc_id", "name"),
    [("novels/emma.txt#12", "novels/emma/12.txt"), ("news/a.html", "news/a.txt"), ("data.jsonl:7", "data/7.txt"),
     ("../../etc/passwd", "_/_/etc/passwd.txt")],
)
def test_output_txt_names_mirror_the_input_tree(doc_id, name):
    from illm_nlp.output import txt_name

    assert txt_name(doc_id) == name


def test_output_txt_resume_uses_the_written_ids(tmp_path):
    path = tmp_path / "out"
    w = open_writer(str(path), "txt")
    w.write(Doc(id="a.txt#1", text="one"))
    w.close()
    w2 = open_writer(str(path), "txt", resume=True)
    assert w2.done_ids == {"a.txt#1"}
    w2.write(Doc(id="a.txt#2", text="two"))
    w2.commit()
    assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*.txt")) == ["a/1.txt", "a/2.txt"]


def test_output_guess_format_and_bad_format(tmp_path):
    assert guess_format("x.csv", None) == "csv"
    assert guess_format("x.jsonl", None) == "jsonl"
    assert guess_format("x.anything", None) == "jsonl"
    assert guess_format("x.csv", "txt") == "txt"
    with pytest.raises(UsageError, match="unknown output format 'xml'"):
        open_writer(str(tmp_path / "o"), "xml")
    with pytest.raises(UsageError, match="cannot go to stdout"):
        open_writer("-", "txt")


def test_output_writer_as_context_commits_or_keeps_the_partial(tmp_path):
    good = tmp_path / "good.jsonl"
    with open_writer(str(good)) as w:
        w.write(DOCS[0])
    assert good.exists() and not (tmp_path / "good.jsonl.partial").exists()

    bad = tmp_path / "bad.jsonl"
    with pytest.raises(RuntimeError), open_writer(str(bad)) as w:
        w.write(DOCS[0])
        raise RuntimeError("the run broke")
    assert not bad.exists() and (tmp_path / "bad.jsonl.partial").exists()
