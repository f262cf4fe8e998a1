"""Keras encoders (registered on import; TensorFlow is imported inside the factories)."""

from . import rnn  # noqa: F401  (registers keras.rnn.v1)
