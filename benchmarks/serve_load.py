"""Load benchmark of `illm serve` (and the start-up time of `illm chat`).

A trained sentiment run is served locally by the real command; a client in a
separate process sends short texts over loopback, N requests at concurrency 1
and at concurrency 16, and the same at concurrency 16 against a server whose
micro-batching is switched off (one text per model call: the baseline that
shows what batching buys). It prints p50/p95/p99 latency, requests/s, errors
and the server's memory before and after, then the throughput ratios against
concurrency 1 (target ≥ 3×) and the targets: p50 ≤ 20 ms at concurrency 1,
0 errors, flat memory. Last, the time from starting `illm chat` (piped) to its
first answer.

    python benchmarks/serve_load.py                     # trains a small sentiment run first (~1 min)
    python benchmarks/serve_load.py --run runs/sentiment --requests 2000

Figures depend on the machine and its load (on a shared 2-core machine they
move by tens of percent between runs); compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "classification" / "movie-sentences"
LOCAL = REPO / "corpora" / "movie-sentences"

SENTIMENT_YAML = """
version: 1
description: small sentiment classifier for the serve benchmark
corpus:
  reader: folder.v1
  path: {train}
  label_from: field
stages:
  - stage: nltk.clean.v1
    split_sentences: false
model:
  stage: keras.rnn.v1
  cell: gru
  units: 64
  embedding_dim: 64
  pooling: max
  max_vocab: 10000
head:
  stage: head.classify.v1
train:
  epochs: 3
  batch_size: 64
  learning_rate: 0.003
  seed: 13
  patience: 0
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def illm(*args: str) -> list[str]:
    return [sys.executable, "-m", "illm_nlp", *args]


def train_run(out: Path) -> Path:
    data = SHARED if SHARED.is_dir() else LOCAL
    pipeline = out / "sentiment.yaml"
    pipeline.write_text(SENTIMENT_YAML.format(train=data / "train.jsonl"), encoding="utf-8")
    run_dir = out / "sentiment"
    print(f"training a small sentiment run on {data} …", file=sys.stderr)
    subprocess.run(illm("-q", "train", str(pipeline), "--output", str(run_dir), "--no-progress"), check=True)
    return run_dir


def texts() -> list[str]:
    path = (SHARED if SHARED.is_dir() else LOCAL) / "test.jsonl"
    rows = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [t for t in rows if 20 <= len(t) <= 90][:500]  # "one short text" per request


class ServerProc:
    def __init__(self, run_dir: Path, *extra: str) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(illm("-q", "serve", str(run_dir), "--port", str(self.port), "--no-access-log", *extra),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(600):  # at most ~2 minutes
            if self.proc.poll() is not None:
                raise SystemExit(f"illm serve exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("illm serve did not come up")

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _client(url: str, payloads: list[str], concurrency: int, queue: mp.Queue) -> None:
    """Runs in its own process: send every payload, `concurrency` at a time, over keep-alive connections.

    A minimal HTTP/1.1 client on asyncio streams, on purpose: a full client
    library costs several times the CPU per request, and on a small machine the
    client would then take the cores the server is being measured on.
    """
    host, port = url.removeprefix("http://").split(":")

    async def connection(it, latencies: list[float]) -> int:
        errors = 0
        reader, writer = await asyncio.open_connection(host, int(port))
        for text in it:
            body = json.dumps({"texts": [text]}).encode()
            request = (f"POST /predict HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            payload = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            ok = b" 200 " in status and len(json.loads(payload)["predictions"]) == 1
            errors += not ok
        writer.close()
        return errors

    async def main() -> dict:
        latencies: list[float] = []
        it = iter(payloads)
        start = time.perf_counter()
        errors = await asyncio.gather(*(connection(it, latencies) for _ in range(concurrency)))
        return {"latencies": latencies, "errors": sum(errors), "wall": time.perf_counter() - start}

    queue.put(asyncio.run(main()))


def load(url: str, payloads: list[str], concurrency: int) -> dict:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_client, args=(url, payloads, concurrency, queue))
    proc.start()
    result = queue.get(timeout=1800)
    proc.join()
    lat = sorted(result["latencies"])
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"n": len(lat), "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000,
            "rps": len(lat) / result["wall"], "errors": result["errors"]}


def chat_first_answer(run_dir: Path) -> float:
    """Seconds from starting `illm chat RUN` (piped) to its first answer line."""
    start = time.perf_counter()
    proc = subprocess.Popen(illm("-q", "chat", str(run_dir)), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("A wonderful, moving film.\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.stdin.close()
    proc.wait(timeout=60)
    if not line.strip():
        raise SystemExit("illm chat gave no answer")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="a trained classification run directory (default: train a small one)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per row (default 2000)")
    parser.add_argument("--batch-wait-ms", type=float, default=None, help="the batched server's --batch-wait-ms (default: its own default)")
    parser.add_argument("--no-chat", action="store_true", help="skip the `illm chat` start-up measurement")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tmp = tempfile.TemporaryDirectory(prefix="illm-serve-bench-")
    run_dir = args.run or train_run(Path(tmp.name))
    pool = texts()
    payloads = [pool[i % len(pool)] for i in range(args.requests)]

    rows = []
    batched: tuple[str, ...] = () if args.batch_wait_ms is None else ("--batch-wait-ms", str(args.batch_wait_ms))
    for label, extra, concurrency in (
        ("batched, concurrency 1", batched, 1),
        ("batched, concurrency 16", batched, 16),
        ("unbatched, concurrency 16 (baseline)", ("--batch-texts", "1", "--batch-wait-ms", "0"), 16),
    ):
        server = ServerProc(run_dir, *extra)
        try:
            load(server.url, payloads[:50], concurrency)  # warm-up, not counted
            import httpx

            busy0 = httpx.get(server.url + "/health").json()["model_busy_s"]
            before = server.rss_mb()
            stats = load(server.url, payloads, concurrency)
            after = server.rss_mb()
            health = httpx.get(server.url + "/health").json()
            stats["model_ms"] = (health["model_busy_s"] - busy0) * 1000 / max(stats["n"], 1)
        finally:
            server.stop()
        rows.append((label, stats, before, after, health.get("mean_batch_texts", 0.0)))

    print(f"\nillm serve on {run_dir} — {args.requests} requests of one short text each, client in its own process (loopback)")
    print("figures measured on a shared machine under load; compare rows of this run\n")
    head = f"{'configuration':<38} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7} {'texts/call':>10} {'model ms/req':>12} {'RSS MB before→after':>21}"
    print(head)
    print("-" * len(head))
    for label, s, before, after, mean_batch in rows:
        print(f"{label:<38} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f} {s['rps']:8.0f} {s['errors']:7d} {mean_batch:10.1f} {s['model_ms']:12.2f} {before:9.0f} → {after:<9.0f}")
    c1, c16, unbatched = (r[1] for r in rows)
    ratio = c16["rps"] / c1["rps"]
    print(f"\nthroughput at concurrency 16 vs concurrency 1 (baseline): {ratio:.2f}×   (target ≥ 3×)")
    print(f"batched vs unbatched at concurrency 16 (baseline):          {c16['rps'] / unbatched['rps']:.2f}×")
    print(f"p50 at concurrency 1: {c1['p50']:.1f} ms   (target ≤ 20 ms)")
    errors = sum(r[1]["errors"] for r in rows)
    growth = max(r[3] - r[2] for r in rows)
    print(f"errors: {errors}   (target 0);  largest RSS growth during a row: {growth:+.0f} MB   (target: flat)")
    if not args.no_chat:
        first = chat_first_answer(run_dir)
        print(f"illm chat: {first:.2f} s from start to the first answer (piped)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
