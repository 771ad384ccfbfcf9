"""`python -m linter` and the `snlint` command (pyproject's [project.scripts]): one entry point."""

import gc
import sys


def main() -> int:
    """Run the command line. Loading snlint's modules made ~20 collections of objects that all live for the whole
    run (~1.3 ms of a ~47 ms pre-commit run, measured: bench/README.md, "Start-up"); with a higher first threshold
    a run's cyclic garbage is still collected, less often (memory stays bounded)."""
    gc.set_threshold(20_000, 10, 10)
    from linter.cli import main as command

    return command()


if __name__ == "__main__":
    sys.exit(main())
