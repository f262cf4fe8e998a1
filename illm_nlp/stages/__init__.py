"""Built-in stages. Importing this package registers them."""

from . import base  # noqa: F401

# Each module registers its stages on import; keep heavy imports inside factories.
for _name in ("nltk_clean", "gensim_vectors", "summarize"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:  # a module not written yet, or an optional extra missing
        if _exc.name and _exc.name.startswith(__name__):
            continue
        raise
