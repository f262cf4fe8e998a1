"""``python -m illm_nlp`` is the ``illm`` command."""

from .cli import main

main()
