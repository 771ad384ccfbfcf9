"""Reporters: one `Report` in, text out. They never compute (the run did) and never print a secret value.

Every format is one module with `render(report: Report) -> str`, registered in `FORMATS` by name (one line).
The command line offers exactly the registered formats. Modules are imported only when their format is used.
`snlint inventory` has its own formats (linter/inventory/).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from linter.model import Finding, Severity

if TYPE_CHECKING:
    from linter.model import Rule

FORMATS: dict[str, str] = {  # format name -> module holding its render(report)
    "text": "linter.report.text",
    "json": "linter.report.json",
    "sarif": "linter.report.sarif",
    "github": "linter.report.github",
    "junit": "linter.report.junit",
    "gitlab": "linter.report.gitlab",
}


class Skipped(NamedTuple):
    """A file the run looked at and did not lint, and why (shown by --verbose, counted in summaries)."""

    path: str
    reason: str


class Report(NamedTuple):
    """Everything a format may show about one run."""

    findings: Sequence[Finding]  # sorted (path, line, column, rule), policy and baseline applied
    files: int = 0  # ServiceNow exports read (or files that could not be read: SN001 / SN002)
    looked_at: int = 0  # every input file the run considered
    skipped: Sequence[Skipped] = ()  # inputs that are not ServiceNow exports
    rules: Mapping[str, Rule] = MappingProxyType({})  # the active rules
    root: str = "."  # repository root: SARIF, GitHub and GitLab paths are relative to it
    fail_on: Severity = Severity.ERROR  # findings at or above it fail the run (and a JUnit test case)
    color: bool = False
    secret_fields: frozenset[str] = frozenset()  # field names whose source lines are never shown
    internal_error: bool = False  # snlint itself failed somewhere (SN000)
    quiet: bool = False  # findings only: human formats leave out their summary

    def failing(self, item: Finding) -> bool:
        return item.severity.rank >= self.fail_on.rank

    def relative(self, path: str) -> str | None:
        """`path` relative to the root with `/` separators, or None when it is outside the root."""
        return relative(path, self.root)


def is_internal(item: Finding) -> bool:
    """A finding of snlint's own failure: the rule bound to the `internal` problem kind."""
    from linter.ruleset import bound_rule, builtin_rules

    rule = bound_rule(builtin_rules(), "internal")
    return rule is not None and item.rule == rule.id


def renderer(name: str) -> Callable[[Report], str]:
    render: Callable[[Report], str] = import_module(FORMATS[name]).render
    return render


def use_color(choice: str, stream: object) -> bool:
    """Whether a human format is coloured: --color always/never, else NO_COLOR / FORCE_COLOR, else a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def emit(text: str, output: str | None) -> None:
    """`text` to the file `output` (written atomically), or to standard output when there is none."""
    if output:
        from linter.files import write_atomic  # tempfile and its imports: only when a file is written

        write_atomic(output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def relative(path: str, root: str) -> str | None:
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(root or "."))
    except ValueError:  # another drive (Windows)
        return None
    rel = rel.replace(os.sep, "/")  # relpath's result is normalised: no "." or empty parts but a lone "."
    if rel in (".", "..") or rel.startswith("../"):
        return None
    return rel


def summary_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for item in findings:
        counts[f"{item.severity.value}s"] += 1
    return counts


def summary(report: Report) -> dict[str, Any]:
    """The run summary machine formats carry: counts of findings and of files read, looked at and skipped."""
    return {
        "files": report.files,
        "looked_at": report.looked_at,
        "skipped": len(report.skipped),
        **summary_counts(report.findings),
    }
