"""Built-in corpus readers. Importing this package registers them."""

for _name in ("folder", "pairs", "conversations"):
    try:
        __import__(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name and _exc.name.startswith(__name__):
            continue
        raise
