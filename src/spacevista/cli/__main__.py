"""``python -m spacevista.cli``: the same as the ``spacevista`` command."""

from spacevista.cli import main

main()
