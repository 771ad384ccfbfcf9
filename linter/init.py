"""`snlint init`: write a commented starter configuration (every key at its default) and print the pre-commit and
GitHub Actions snippets that run snlint. An existing file is never overwritten."""

from __future__ import annotations

import os
import sys
from importlib import resources

STARTER = "starter.snlint.yaml"  # linter/schemas/: a data file, with the rule ids of its examples

PRE_COMMIT = """\
# .pre-commit-config.yaml
repos:
  - repo: https://github.com/<your-org>/snlint   # placeholder: where your copy of snlint lives
    rev: <tag-or-full-commit-sha>                 # placeholder: pin a tag or a full 40-character commit sha
    hooks:
      - id: snlint"""

GITHUB_ACTIONS = """\
# .github/workflows/snlint.yml
name: snlint
on: [push, pull_request]
permissions:
  contents: read
  security-events: write
jobs:
  snlint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.12"}
      - run: pip install "snlint @ git+https://github.com/<your-org>/snlint@<tag-or-sha>"  # placeholders
      - run: snlint --format sarif:snlint.sarif --format text .
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with: {sarif_file: snlint.sarif}"""


def init(path: str) -> int:
    """Write the starter configuration to `path` (refusing to replace a file) and print the snippets."""
    from linter.escape import printable

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        print(f"snlint: error: {printable(path)} already exists: not overwritten", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"snlint: error: {printable(path)}: cannot write: {error.strerror or error}", file=sys.stderr)
        return 2
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(resources.files("linter.schemas").joinpath(STARTER).read_text(encoding="utf-8"))
    print(f"Wrote {printable(path)}: a starter configuration, every key at its default.\n")
    print(f"Run snlint before each commit (pre-commit):\n\n{PRE_COMMIT}\n")
    print(f"Run it in GitHub Actions, findings in code scanning:\n\n{GITHUB_ACTIONS}")
    return 0
