"""``illm serve``: a trained run as an HTTP JSON service with a try-it page.

FastAPI and uvicorn are the optional ``serve`` extra; nothing here imports
them (or TensorFlow) until an app is built.
"""

from .limits import Limits

__all__ = ["Limits", "create_app", "serve"]


def create_app(predictor, **kwargs):  # type: ignore[no-untyped-def]
    """See :func:`illm_nlp.serve.app.create_app`."""
    from .app import create_app as _create

    return _create(predictor, **kwargs)


def serve(predictor, *, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", **kwargs):  # type: ignore[no-untyped-def]
    """Run the service in this process until interrupted (uvicorn, one worker: the model is loaded once)."""
    from .app import run

    return run(predictor, host=host, port=port, log_level=log_level, **kwargs)
