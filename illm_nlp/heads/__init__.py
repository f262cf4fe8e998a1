"""Task heads (registered on import; TensorFlow is imported inside the factories)."""
