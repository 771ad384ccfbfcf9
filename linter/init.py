"""`snlint init`: write a commented starter configuration (every key at its default) and print the pre-commit and
GitHub Actions snippets that run snlint. An existing file is never overwritten."""

from __future__ import annotations

import os
import sys

STARTER = """\
# snlint configuration (https://github.com/snlint/snlint, docs/configuration.md).
# Every key below is at its default: uncomment or change what you need. Command-line options override this file.

# Rules: ids or prefixes (EXO, CRD002); `snlint rules` lists them, `snlint explain RULE` explains one.
select: []            # only these rules; empty: all rules
ignore: []            # skip these rules
per-path-ignores: {}  # file glob -> rules skipped in matching files, e.g. {"legacy/**": [CRD004]}
severity: {}          # rule id -> error / warning / info, e.g. {EXO002: error}
fail-on: error        # the lowest severity that makes the exit code 1
require-exports: false  # true: a run that reads no ServiceNow export fails (exit 1), e.g. a wrong path in CI

# Files: gitignore-style globs (relative to this file's folder) never linted, even when a matching file is named
# on the command line.
exclude: []
respect-gitignore: true  # in a git repository read what git tracks or would track; false: every file
# Paths read to resolve references when files are named (pre-commit); empty: every export git tracks.
context: []

# Identity: where the Microsoft account that signed in at Get OAuth Token is recorded (ServiceNow keeps no
# readable copy), and which domains name the same accounts. Record the account in one of the `oauth-fields`
# of the OAuth 2.0 credential (a UPN, or the ID token), else snlint reports EXO004 (cannot verify).
identity:
  oauth-fields: [u_authorized_as]
  # Domains of one tenant: a user at one equals the same user at the other, e.g.
  # [[contoso.onmicrosoft.com, contoso.com]]. Without them a different domain is EXO001.
  equivalent-domains: []

# More aliases that use the Exchange Online spoke (added to the built-in ones).
exchange-online:
  aliases:
    ids: []      # alias id prefixes, e.g. x_acme_exo.
    names: []    # alias names or ids
    mailbox: []  # text that marks a Mailbox alias when its id or name contains it

# Findings accepted for one record, with the reason (an unused entry is reported as SN004), e.g.
# - {rule: EXO002, record: 5a319704d13a52103a946777183c88bc, reason: "verified with IAM, CHG0031337"}
suppress: []

rule-paths: []     # files or folders of custom rule files
secret-fields: []  # extra field names that hold secrets (CRD002); their values are never read nor printed

# Limits that protect the run.
max-file-size: 1GB  # a larger file is refused (SN002)
max-depth: 500      # deeper nesting is refused (SN002)
jobs: 0             # reader processes; 0: decide from the number of files
"""

PRE_COMMIT = """\
# .pre-commit-config.yaml
repos:
  - repo: https://github.com/snlint/snlint
    rev: REPLACE-WITH-A-TAG-OR-COMMIT-SHA
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
      - run: pip install "snlint @ git+https://github.com/snlint/snlint@REPLACE-WITH-A-TAG-OR-COMMIT-SHA"
      - run: snlint --format sarif:snlint.sarif --format text .
      - uses: github/codeql-action/upload-sarif@v3
        if: always()
        with: {sarif_file: snlint.sarif}"""


def init(path: str) -> int:
    """Write the starter configuration to `path` (refusing to replace a file) and print the snippets."""
    from linter.report.escape import printable

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        print(f"snlint: error: {printable(path)} already exists: not overwritten", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"snlint: error: {printable(path)}: cannot write: {error.strerror or error}", file=sys.stderr)
        return 2
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(STARTER)
    print(f"Wrote {printable(path)}: a starter configuration, every key at its default.\n")
    print(f"Run snlint before each commit (pre-commit):\n\n{PRE_COMMIT}\n")
    print(f"Run it in GitHub Actions, findings in code scanning:\n\n{GITHUB_ACTIONS}")
    return 0
