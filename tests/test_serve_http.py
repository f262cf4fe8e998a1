"""`illm serve`: the real server on a free loopback port, driven over HTTP."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="the serve extra (fastapi, uvicorn, httpx) is not installed")
pytest.importorskip("fastapi", reason="the serve extra is not installed")
pytest.importorskip("uvicorn", reason="the serve extra is not installed")

from ._runs_interactive import Server, trained_run


@pytest.fixture(scope="module")
def classify_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_run(tmp_path_factory, "classify")


@pytest.fixture(scope="module")
def classifier(classify_run: Path):
    import illm_nlp

    return illm_nlp.load(classify_run)


@pytest.fixture(scope="module")
def server(classify_run: Path):
    srv = Server(classify_run, "--max-body-bytes", "20000", "--max-texts", "8", "--max-text-chars", "500", "--batch-wait-ms", "20")
    yield srv
    srv.stop()


def post(server: Server, body: object, **kw) -> httpx.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(server.url + "/predict", content=data, headers={"content-type": "application/json"}, timeout=30, **kw)


def test_serve_predict_matches_the_loaded_run(server: Server, classifier) -> None:
    texts = ["A wonderful, moving film.", "Dull and lifeless."]
    res = post(server, {"texts": texts})
    assert res.status_code == 200
    body = res.json()
    assert body["task"] == "classify"
    expected = classifier.predict(texts)
    for got, want in zip(body["predictions"], expected):
        assert got["label"] == want["label"]
        assert got["probabilities"] == pytest.approx(want["probabilities"], abs=1e-5)
        assert sum(got["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


def test_serve_decoding_settings_reach_the_head(server: Server) -> None:
    res = post(server, {"texts": ["A fine film."], "top": 1})
    assert res.status_code == 200
    assert len(res.json()["predictions"][0]["probabilities"]) == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "limit", "value"),
    [
        ({"texts": ["ok"] * 9}, 422, "too_many_texts", "max_texts", 8),
        ({"texts": ["ok", "x" * 501]}, 422, "text_too_long", "max_text_chars", 500),
        ({"texts": ["y" * 400] * 60}, 413, "request_too_large", "max_body_bytes", 20000),
        ({"texts": []}, 422, "no_texts", None, None),
        ({"texts": ["\x00\x07 "]}, 422, "empty_text", None, None),
        ({"texts": "just a string"}, 422, "invalid_request", None, None),
        ("{not json", 422, "invalid_request", None, None),
        ({"texts": ["ok"], "top": 0, "run_dir": "/etc"}, 422, "bad_setting", None, None),
    ],
)
def test_serve_limits_and_bad_requests_get_json_errors(server: Server, body: object, status: int, code: str,
                                                       limit: str | None, value: int | None) -> None:
    res = post(server, body)
    assert res.status_code == status
    err = res.json()["error"]
    assert err["code"] == code and err["message"]
    if limit is not None:
        assert err["limit"] == limit and err["value"] == value
        assert str(f"{value:,}") in err["message"] or str(value) in err["message"]


def test_serve_streamed_body_over_the_limit_is_refused(server: Server) -> None:
    def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"texts": ["'
        for _ in range(30):
            yield b"z" * 1000
        yield b'"]}'

    res = httpx.post(server.url + "/predict", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert res.status_code == 413
    assert res.json()["error"]["limit"] == "max_body_bytes"


def test_serve_info_health_docs_and_page(server: Server, classify_run: Path) -> None:
    info = httpx.get(server.url + "/info").json()
    assert info["task"] == "classify" and info["labels"] == ["neg", "pos"]
    assert "accuracy" in info["metrics"] and info["versions"]["toolkit"]
    assert info["service"]["limits"] == {"max_body_bytes": 20000, "max_texts": 8, "max_text_chars": 500}
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok" and health["model_calls"] >= 1
    assert httpx.get(server.url + "/docs").status_code == 200
    spec = httpx.get(server.url + "/openapi.json").json()
    assert "/predict" in spec["paths"] and "/info" in spec["paths"]
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and 'id="text"' in page.text
    assert httpx.get(server.url + "/static/app.js").status_code == 200
    missing = httpx.get(server.url + "/runs/other")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_serve_binds_loopback_only_by_default(server: Server) -> None:
    psutil = pytest.importorskip("psutil")
    listening = [c.laddr for c in psutil.Process(server.proc.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening)


def test_serve_concurrent_requests_are_batched(server: Server, classifier) -> None:
    before = httpx.get(server.url + "/health").json()
    texts = [f"film number {i} was {'great' if i % 2 else 'awful'}" for i in range(16)]
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda t: post(server, {"texts": [t]}), texts))
    assert all(r.status_code == 200 for r in answers)
    expected = classifier.predict(texts)
    for res, want in zip(answers, expected):
        assert res.json()["predictions"][0]["label"] == want["label"]
    after = httpx.get(server.url + "/health").json()
    calls = after["model_calls"] - before["model_calls"]
    assert after["requests"] - before["requests"] == 16
    assert calls < 16  # several requests shared a model call


def test_serve_micro_batcher_groups_by_settings(classifier) -> None:
    from illm_nlp.serve.batching import MicroBatcher

    async def scenario() -> tuple[list[list[dict]], MicroBatcher]:
        batcher = MicroBatcher(classifier.predict, max_batch=64, max_wait_ms=50)
        await batcher.start()
        jobs = [batcher.submit([f"text {i}"], {"top": 1} if i % 2 else {}) for i in range(10)]
        results = await asyncio.gather(*jobs)
        await batcher.stop()
        return results, batcher

    results, batcher = asyncio.run(scenario())
    assert batcher.stats.batches == 2  # one model call per settings group
    assert batcher.stats.largest_batch == 5
    for i, res in enumerate(results):
        assert len(res) == 1 and len(res[0]["probabilities"]) == (1 if i % 2 else 2)
        assert res[0]["label"] == classifier.predict([f"text {i}"])[0]["label"]


@pytest.fixture(scope="module")
def generate_server(tmp_path_factory: pytest.TempPathFactory):
    srv = Server(trained_run(tmp_path_factory, "generate"))
    yield srv
    srv.stop()


def test_serve_generate_run_with_settings(generate_server: Server, tmp_path_factory: pytest.TempPathFactory) -> None:
    import illm_nlp

    predictor = illm_nlp.load(trained_run(tmp_path_factory, "generate"))
    res = post(generate_server, {"texts": ["Anne was", "Mr. Darcy"], "seed": 4, "max_length": 8})
    assert res.status_code == 200
    got = [p["text"] for p in res.json()["predictions"]]
    assert got == [a["text"] for a in predictor.predict(["Anne was", "Mr. Darcy"], seed=4, max_length=8)]
    bad = post(generate_server, {"texts": ["Anne"], "temprature": 0.5})
    assert bad.status_code == 422
    assert "Did you mean 'temperature'" in bad.json()["error"]["message"]
    path_in_request = post(generate_server, {"texts": ["Anne"], "run_dir": "/tmp"})
    assert path_in_request.status_code == 422  # a request cannot name another run
    info = httpx.get(generate_server.url + "/info").json()
    assert info["task"] == "generate" and info["service"]["settings"]["max_length"] == 12
