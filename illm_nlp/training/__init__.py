"""Training infrastructure shared by every Keras head.

A head (classification, seq2seq, generation) brings its Keras model, its
encoded examples and a dev evaluator; this package does the rest the same way
for all of them: seeding and op determinism (:mod:`.seed`), the seeded dev
split (:mod:`.splits`), length-grouped ``tf.data`` input (:mod:`.data`), the
callbacks — progress, dev metrics, early stopping with the best weights,
checkpoints and ``--resume``, time budget, TensorBoard, ``history.json``
(:mod:`.callbacks`), the fit loop itself (:mod:`.loop`), plots (:mod:`.plots`)
and the distribution strategy (:mod:`.strategy`). See ``docs/training.md``.

Nothing here imports TensorFlow at module import time.
"""
