"""The toolkit's version, kept in one place so artifacts can record it."""

__version__ = "0.1.0"
