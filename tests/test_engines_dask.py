"""The Dask engine against the local engine, on real text, on a 2-worker LocalCluster.

The sample mixes Austen paragraphs (.txt, one document per paragraph), movie
sentences (.jsonl, one per line, with a malformed line) and three bad files
(Latin-1, binary, empty), so skipped-document reporting is compared too.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from illm_nlp import load_pipeline
from illm_nlp.cli import cli, main
from illm_nlp.engines.dask import (
    LOCAL_CLUSTER_CONFIG,
    DaskEngine,
    build_counts,
    group_partitions,
    pipeline_key,
)
from illm_nlp.engines.local import LocalEngine

PIPELINE = """
corpus:
  reader: folder.v1
  path: {path}
  unit: paragraph
  on_error: {on_error}
stages:
  - stage: nltk.clean.v1
    name: clean
    language: english
    lowercase: true
    replace_numbers: true
    split_sentences: true
    tokenizer: treebank
    stopwords: true
    lemmatize: true
    min_token_length: 2
    min_tokens: 3
output:
  path: {out}
"""
SMALL_PARTITIONS = 16 * 1024


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, as the engine starts them itself."""
    import dask

    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        lc = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(lc, set_as_default=False)
    yield lc, client
    client.close()
    lc.close()


def _paragraphs(path: Path, n: int) -> str:
    paras = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return "\n\n".join(paras[:n]) + "\n"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, mixed collection (~100 KB) with bad files, built from ../shared/data."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("../shared/data is not beside the repo")
    root = tmp_path_factory.mktemp("dask-sample")
    austen = shared / "documents" / "austen"
    (root / "novels").mkdir()
    (root / "novels" / "northanger-abbey.txt").write_text(_paragraphs(austen / "northanger-abbey.txt", 100), encoding="utf-8")
    (root / "novels" / "persuasion.txt").write_text(_paragraphs(austen / "persuasion.txt", 80), encoding="utf-8")
    lines = (shared / "classification" / "movie-sentences" / "train.jsonl").read_text(encoding="utf-8").splitlines()[:200]
    lines.insert(100, '{"text": "a torn record')  # a malformed line: skipped by itself
    (root / "movies.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "bad").mkdir()
    (root / "bad" / "latin1.txt").write_bytes("Caf\u00e9 au lait, na\u00efve r\u00e9sum\u00e9.".encode("latin-1"))
    (root / "bad" / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "bad" / "empty.txt").write_bytes(b"")
    return root


def _pipeline(tmp: Path, sample: Path, on_error: str = "skip") -> Path:
    path = tmp / "pipeline.yaml"
    path.write_text(PIPELINE.format(path=json.dumps(str(sample)), on_error=on_error, out=json.dumps(str(tmp / "unused.jsonl"))),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_run(sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The reference: the same pipeline on the local engine, one process."""
    tmp = tmp_path_factory.mktemp("local")
    pipe = load_pipeline(_pipeline(tmp, sample))
    summary = pipe.write(str(tmp / "out.jsonl"), engine="local", workers=1, progress=False)
    return summary, (tmp / "out.jsonl").read_bytes()


def _same_summary(a, b) -> None:  # type: ignore[no-untyped-def]
    assert (a.read, a.written, a.dropped, a.resumed) == (b.read, b.written, b.dropped, b.resumed)
    assert a.skipped == b.skipped


@pytest.mark.parametrize(
    ("sizes", "target", "max_count", "expected"),
    [
        ([10, 10, 10, 10], 25, 256, [2, 2]),
        ([30, 5, 5, 30], 25, 256, [1, 2, 1]),
        ([1] * 10, 100, 4, [4, 4, 2]),
        ([0, 0, 50], 40, 256, [2, 1]),
    ],
)
def test_engines_dask_group_partitions_by_size(sizes: list[int], target: int, max_count: int, expected: list[int]) -> None:
    from illm_nlp.readers._spans import Partition

    parts = [Partition(f"f{i}", nbytes=n) for i, n in enumerate(sizes)]
    chunks = list(group_partitions(parts, target, max_count))
    assert [len(c) for c in chunks] == expected
    assert [p for c in chunks for p in c] == parts  # order kept, nothing lost


def test_engines_dask_pipeline_key_is_stable() -> None:
    a = {"stages": [{"stage": "nltk.clean.v1", "lowercase": True, "language": "english"}]}
    b = {"stages": [{"language": "english", "lowercase": True, "stage": "nltk.clean.v1"}]}
    assert pipeline_key(a) == pipeline_key(b)
    assert pipeline_key(a) != pipeline_key({"stages": [{"stage": "nltk.clean.v1", "lowercase": False}]})


def test_engines_dask_output_matches_local(cluster, sample: Path, local_run, tmp_path: Path) -> None:
    lc, client = cluster
    local_summary, local_bytes = local_run
    pipe = load_pipeline(_pipeline(tmp_path, sample))
    out = tmp_path / "dask.jsonl"
    summary = pipe.write(str(out), engine="dask", progress=False,
                         engine_options={"scheduler": lc.scheduler_address, "partition_bytes": SMALL_PARTITIONS})
    assert out.read_bytes() == local_bytes
    _same_summary(summary, local_summary)
    # the bad files and the torn line are reported, by reason, as with the local engine
    kinds = Counter(reason.split(":")[0] for _, reason in summary.skipped)
    assert {"undecodable", "binary file", "empty"} <= set(kinds), summary.skipped
    assert any(doc_id.startswith("movies.jsonl:") for doc_id, _ in summary.skipped)
    assert summary.written > 300 and summary.dropped > 0
    assert not out.with_name(out.name + ".partial").exists()
    assert json.loads(out.with_name("dask.summary.json").read_text())["written"] == summary.written
    # many partitions ran, yet each worker built the stages once
    key = pipeline_key(pipe.config.resolved)
    counts = [c.get(key, 0) for c in client.run(build_counts).values()]
    assert all(n <= 1 for n in counts) and sum(counts) >= 1


@pytest.mark.parametrize("scatter_above", [1000, 0], ids=["ids-in-tasks", "ids-scattered"])
def test_engines_dask_resume_matches_uninterrupted(cluster, sample: Path, local_run, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, scatter_above: int) -> None:
    import illm_nlp.engines.dask as dask_engine

    monkeypatch.setattr(dask_engine, "SCATTER_SKIP_IDS", scatter_above)
    lc, _ = cluster
    local_summary, local_bytes = local_run
    out = tmp_path / "resumed.jsonl"
    # an interrupted run: the first 150 records, the last one torn
    lines = local_bytes.splitlines(keepends=True)
    out.with_name(out.name + ".partial").write_bytes(b"".join(lines[:150]) + lines[150][:25])
    pipe = load_pipeline(_pipeline(tmp_path, sample))
    summary = pipe.write(str(out), engine="dask", resume=True, progress=False,
                         engine_options={"scheduler": lc.scheduler_address, "partition_bytes": SMALL_PARTITIONS})
    assert out.read_bytes() == local_bytes
    assert summary.resumed == 150 and summary.read == local_summary.read and summary.written == local_summary.written


def test_engines_dask_map_without_partitions_keeps_order(cluster, sample: Path, tmp_path: Path) -> None:
    """Readers without partitions: documents go from the client in batches, results in order."""
    lc, _ = cluster
    pipe = load_pipeline(_pipeline(tmp_path, sample))
    items = list(pipe.reader())
    local = list(LocalEngine(workers=1).map(pipe.config.resolved, items))
    engine = DaskEngine(scheduler=lc.scheduler_address, batch_size=50)
    try:
        remote = list(engine.map(pipe.config.resolved, items))
    finally:
        engine.close()
    assert remote == local and len(remote) == len(items)


def test_engines_dask_cli_run_with_scheduler(cluster, sample: Path, local_run, tmp_path: Path) -> None:
    from click.testing import CliRunner

    lc, _ = cluster
    out = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(cli, ["run", str(_pipeline(tmp_path, sample)), "--engine", "dask", "--scheduler",
                                      lc.scheduler_address, "--output", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == local_run[1]
    assert f"written {local_run[0].written}" in result.output and "skipped" in result.output


def test_engines_dask_reader_error_on_a_worker_reaches_the_user(cluster, sample: Path, tmp_path: Path, capsys) -> None:
    """on_error: fail raised inside a worker still ends the run with one clear error and exit 1."""
    lc, _ = cluster
    out = tmp_path / "fail.jsonl"
    with pytest.raises(SystemExit) as info:
        main(["run", str(_pipeline(tmp_path, sample, on_error="fail")), "--engine", "dask", "--scheduler",
              lc.scheduler_address, "--output", str(out), "--no-progress"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "E201" in err and "bad/" in err and "Traceback" not in err
    assert not out.exists()


def test_engines_dask_unreachable_scheduler_is_a_clear_error(sample: Path, tmp_path: Path, capsys) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(SystemExit) as info:
        main(["run", str(_pipeline(tmp_path, sample)), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
              "--output", str(tmp_path / "x.jsonl"), "--no-progress"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err and "Fix:" in err


def _processing_counts(lc) -> Counter[str]:  # type: ignore[no-untyped-def]
    """How often the scheduler sent each of our chunks to a worker."""
    return Counter(key for key, _start, finish, *_ in lc.scheduler.transition_log
                   if isinstance(key, str) and key.startswith("illm-chunk-") and finish == "processing")


@pytest.mark.slow
def test_engines_dask_worker_killed_mid_run_loses_nothing(sample: Path, local_run, tmp_path: Path) -> None:
    """SIGKILL one worker process after the first chunk arrives: its chunks are recomputed, none written twice."""
    import dask

    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        lc = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(lc, set_as_default=False)
    try:
        pipe = load_pipeline(_pipeline(tmp_path, sample))
        engine = DaskEngine(scheduler=lc.scheduler_address, partition_bytes=8 * 1024, window=6)
        reader = pipe.reader()
        items, killed, read = [], None, []
        try:
            for item in engine.map_reader(pipe.config.resolved, reader, on_read=read.append):
                items.append(item)
                if killed is None:
                    addr, pid = min(client.run(os.getpid).items())
                    os.kill(pid, signal.SIGKILL)
                    killed = addr
        finally:
            engine.close()
        local = list(LocalEngine(workers=1).map(pipe.config.resolved, iter(reader)))
        assert killed is not None
        assert items == local  # nothing lost, nothing twice, same order
        assert sum(read) == local_run[0].read
        recomputed = [k for k, n in _processing_counts(lc).items() if n > 1]
        assert recomputed, "no chunk was recomputed: the kill came too late to test anything"
    finally:
        client.close()
        lc.close()


@pytest.mark.slow
def test_engines_dask_starts_and_closes_its_own_cluster(sample: Path, local_run, tmp_path: Path) -> None:
    pipe = load_pipeline(_pipeline(tmp_path, sample))
    engine = DaskEngine(workers=2)
    out = list(engine.map_reader(pipe.config.resolved, pipe.reader()))
    cluster = engine._cluster
    assert cluster is not None and len(cluster.workers) == 2
    engine.close()
    assert engine._cluster is None and cluster.status.name == "closed"
    assert sum(1 for i in out if not hasattr(i, "reason")) == local_run[0].written


def test_engines_dask_predict_scheduler_needs_dask_engine(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["predict", str(tmp_path), "--input", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    assert info.value.code == 2 and "--engine dask" in capsys.readouterr().err


@pytest.mark.slow
def test_engines_dask_predict_matches_local_and_loads_once_per_worker(cluster, shared_data: Path, tmp_path: Path) -> None:
    """`illm predict --engine dask` writes what the local predict writes; each worker loads the run once."""
    from click.testing import CliRunner

    from illm_nlp.engines.dask import PredictJob

    from ._train_helpers import movie_sample, pipeline_text

    lc, client = cluster
    train, _ = movie_sample(shared_data, tmp_path, n_train=160, n_dev=10)
    pipeline = tmp_path / "classify.yaml"
    pipeline.write_text(pipeline_text(epochs=1), encoding="utf-8")
    run = tmp_path / "run"
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", str(pipeline), "-o", str(run), "--train", str(train), "--no-progress"])
    assert trained.exit_code == 0, trained.output
    # 300 unseen sentences in three files, so several chunks reach each worker
    texts = (shared_data / "classification" / "movie-sentences" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    data = tmp_path / "unseen"
    data.mkdir()
    for i in range(3):
        (data / f"part{i}.jsonl").write_text("\n".join(texts[i * 100:(i + 1) * 100]) + "\n", encoding="utf-8")
    local = runner.invoke(cli, ["predict", str(run), "--input", str(data), "-o", str(tmp_path / "local.jsonl"), "--no-progress"])
    assert local.exit_code == 0, local.output
    remote = runner.invoke(cli, ["predict", str(run), "--input", str(data), "-o", str(tmp_path / "dask.jsonl"), "--no-progress",
                                 "--engine", "dask", "--scheduler", lc.scheduler_address, "--batch-size", "40"])
    assert remote.exit_code == 0, remote.output
    local_rows = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()]
    remote_rows = [json.loads(line) for line in (tmp_path / "dask.jsonl").read_text().splitlines()]
    assert len(remote_rows) == 300 and [r["id"] for r in remote_rows] == [r["id"] for r in local_rows]
    assert [r["label"] for r in remote_rows] == [r["label"] for r in local_rows]
    for a, b in zip(remote_rows, local_rows):
        pa, pb = a["meta"]["probabilities"], b["meta"]["probabilities"]
        assert pa.keys() == pb.keys() and all(abs(pa[k] - pb[k]) < 1e-5 for k in pa)
    key = PredictJob.of(str(run), {}).key
    counts = [c.get(key, 0) for c in client.run(build_counts).values()]
    assert all(n <= 1 for n in counts) and sum(counts) >= 1
