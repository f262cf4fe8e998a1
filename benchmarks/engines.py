"""Engines compared: the cleaning pipeline on the local engine (1 and 2 workers) and on Dask.

The collection is the Austen paragraphs (``../shared/data/documents/austen``)
repeated ``--scale`` times, one 4.3 MB .txt file per copy, read as the
pipeline reads them (``unit: paragraph``); the Dask engine cuts each file into
byte ranges of about 1 MiB. Each configuration runs ``illm_nlp.load_pipeline(...).write(...)``
in its own child process, so its peak memory (the summed resident memory of
the process and all its children — pool workers, Dask nannies and workers —
sampled every 0.1 s) is its own.

Baseline: the local engine with 2 workers. Target: Dask with 2 workers
≥ 0.8× its documents/s, and peak memory about the same at 1× and at 20×.
The three outputs must be the same, record for record (checked here).

    .venv/bin/python benchmarks/engines.py            # 20x and 1x
    .venv/bin/python benchmarks/engines.py --scale 2 --small-scale 1   # a quick look

Figures vary with load: on a shared machine run it when it is quiet.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AUSTEN = REPO.parent / "shared" / "data" / "documents" / "austen"
PIPELINE = REPO / "pipelines" / "clean-documents.yaml"
CONFIGS = [("local", 1), ("local", 2), ("dask", 2)]
BASELINE = ("local", 2)


def make_collection(root: Path, scale: int) -> int:
    """``scale`` copies of the Austen paragraphs, one .txt file per copy; returns the number of paragraphs."""
    paragraphs: list[str] = []
    for novel in sorted(AUSTEN.glob("*.txt")):
        paragraphs += [p.strip() for p in novel.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    text = "\n\n".join(paragraphs) + "\n"
    root.mkdir(parents=True, exist_ok=True)
    for copy in range(scale):
        (root / f"copy{copy:03d}.txt").write_text(text, encoding="utf-8")
    return len(paragraphs) * scale


_CHILD = """
import json, sys, time
from illm_nlp import load_pipeline
pipeline, data, out, engine, workers = sys.argv[1:6]
pipe = load_pipeline(pipeline, [f"corpus.path={json.dumps(data)}"])
t = time.perf_counter()
s = pipe.write(out, engine=engine, workers=int(workers), progress=False)
print("RESULT " + json.dumps({"read": s.read, "written": s.written, "skipped": len(s.skipped),
                              "seconds": time.perf_counter() - t}))
"""


def _tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> int:  # noqa: F821
    """Summed resident memory of the tree now; records each process's CPU seconds in ``cpu``."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def run_one(data: Path, out: Path, engine: str, workers: int) -> dict:
    """Run one configuration in a child process; docs/s and peak memory of its whole process tree."""
    import psutil

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if (REPO.parent / "shared" / "nltk_data").is_dir():
        env.setdefault("NLTK_DATA", str(REPO.parent / "shared" / "nltk_data"))
    cmd = [sys.executable, "-c", _CHILD, str(PIPELINE), str(data), str(out), engine, str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ps = psutil.Process(proc.pid)
    peak = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, _tree_sample(ps, cpu))
            except psutil.Error:
                pass
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine}/{workers} failed:\n{stderr[-3000:]}")
    result = json.loads(next(l for l in stdout.splitlines() if l.startswith("RESULT "))[7:])
    result["peak_mb"] = peak / 2**20
    result["cpu_s"] = sum(cpu.values())  # CPU of the whole tree (to the last 0.1 s sample of each process)
    result["docs_s"] = result["read"] / result["seconds"]
    result["digest"] = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=20, help="copies of the Austen paragraphs (default 20)")
    ap.add_argument("--small-scale", type=int, default=1, help="the small collection for the memory comparison (default 1)")
    ap.add_argument("--engines", default="local-1,local-2,dask-2",
                    help="which of local-1,local-2,dask-2 to run (local-2 is the baseline and always runs)")
    args = ap.parse_args()
    wanted = {tuple(e.split("-")) for e in args.engines.split(",")} | {(BASELINE[0], str(BASELINE[1]))}
    configs = [(e, w) for e, w in CONFIGS if (e, str(w)) in wanted]
    if not AUSTEN.is_dir():
        raise SystemExit(f"{AUSTEN} is missing (the shared data must sit beside the repo)")
    if not PIPELINE.exists():
        raise SystemExit(f"{PIPELINE} is missing")
    print(f"cpus: {os.cpu_count()} (shared machine: figures are under load)\npipeline: {PIPELINE.relative_to(REPO)}")
    table = []
    with tempfile.TemporaryDirectory(prefix="illm-bench-engines-") as tmp:
        for scale in (args.small_scale, args.scale):
            data = Path(tmp) / f"austen-x{scale}"
            n = make_collection(data, scale)
            size = sum(f.stat().st_size for f in data.iterdir()) / 2**20
            print(f"\n{scale}x Austen paragraphs: {n:,} documents, {size:.1f} MiB")
            digests = set()
            for engine, workers in configs:
                r = run_one(data, Path(tmp) / f"out-{engine}{workers}-x{scale}.jsonl", engine, workers)
                digests.add(r["digest"])
                table.append((scale, engine, workers, r))
                print(f"  {engine:5s} {workers} workers: {r['read']:>8,} read {r['written']:>8,} written "
                      f"{r['seconds']:7.1f} s {r['docs_s']:9,.0f} docs/s  peak {r['peak_mb']:7.0f} MiB  cpu {r['cpu_s']:6.1f} s", flush=True)
            print(f"  outputs identical: {'yes' if len(digests) == 1 else 'NO: ' + ', '.join(sorted(digests))}")

    def get(scale: int, engine: str, workers: int) -> dict:
        return next(r for s, e, w, r in table if (s, e, w) == (scale, engine, workers))

    print("\n| collection | engine | workers | docs/s | peak MiB | CPU s | vs local-2 |")
    print("|---|---|---|---:|---:|---:|---:|")
    for scale, engine, workers, r in table:
        base = get(scale, *BASELINE)["docs_s"]
        print(f"| {scale}x | {engine} | {workers} | {r['docs_s']:,.0f} | {r['peak_mb']:,.0f} | {r['cpu_s']:,.0f} | {r['docs_s'] / base:.2f} |")
    if ("dask", 2) in configs:
        for scale in (args.small_scale, args.scale):
            ratio = get(scale, "dask", 2)["docs_s"] / get(scale, *BASELINE)["docs_s"]
            print(f"Dask (2 workers) / local (2 workers) at {scale}x: {ratio:.2f}  (target >= 0.8)")
    for engine, workers in configs:
        small, big = get(args.small_scale, engine, workers)["peak_mb"], get(args.scale, engine, workers)["peak_mb"]
        print(f"peak memory {engine}-{workers}: {small:,.0f} MiB at {args.small_scale}x, {big:,.0f} MiB at {args.scale}x "
              f"({big / small:.2f}x)")


if __name__ == "__main__":
    main()
