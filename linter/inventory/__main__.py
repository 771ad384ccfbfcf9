"""`python -m linter.inventory`: regenerate examples/inventory.md and the example in docs/inventory.md."""

from linter.inventory.docs import regenerate

regenerate()
