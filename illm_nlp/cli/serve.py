"""``illm serve RUN_DIR``: the trained run as an HTTP JSON service with a try-it page."""

from __future__ import annotations

import logging

import click

logger = logging.getLogger("illm_nlp.cli")


@click.command("serve")
@click.argument("run_dir", type=click.Path(path_type=str))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; the default is reachable from this machine only.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True, help="TCP port.")
@click.option("--max-texts", type=click.IntRange(min=1), default=64, show_default=True, help="Most texts in one request (422 beyond).")
@click.option("--max-text-chars", type=click.IntRange(min=1), default=10_000, show_default=True, help="Longest text accepted (422 beyond).")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=1_000_000, show_default=True, help="Largest request body (413 beyond).")
@click.option("--batch-texts", type=click.IntRange(min=1), default=64, show_default=True, help="Most texts the model gets in one call when requests are batched.")
@click.option("--batch-wait-ms", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="How long a request waits for others to share its model call (0: batch only what queued while the model was busy).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log each request.")
def serve_cmd(run_dir: str, host: str, port: int, max_texts: int, max_text_chars: int, max_body_bytes: int,
              batch_texts: int, batch_wait_ms: float, access_log: bool) -> None:
    """Serve the trained RUN_DIR over HTTP: POST /predict, GET /health, GET /info, /docs, and a page at /.

    \b
      illm serve runs/sentiment --port 8000
      curl -s localhost:8000/predict -H 'content-type: application/json' -d '{"texts": ["A fine film."]}'
    """
    from .. import load
    from ..errors import UsageError

    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"illm serve needs FastAPI and uvicorn ({exc.name} is not installed)",
                         hint="pip install 'illm-nlp[serve]'") from None
    from ..serve import Limits
    from ..serve.app import run

    predictor = load(run_dir)  # fails here, with a clear message, before any port is bound
    limits = Limits(max_body_bytes=max_body_bytes, max_texts=max_texts, max_text_chars=max_text_chars)
    logger.info("serving %s (%s) on http://%s:%d — docs at /docs", run_dir, getattr(predictor, "task", "?"), host, port)
    run(predictor, host=host, port=port, log_level="info", access_log=access_log, limits=limits,
        max_batch=batch_texts, max_wait_ms=batch_wait_ms)
