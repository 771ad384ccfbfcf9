"""`python -m linter`: the same entry point as the `snlint` command."""

import sys

from linter.cli import main

sys.exit(main())
