"""The GitLab code quality report (Code Climate JSON, `artifacts:reports:codequality`): one issue per finding.

Paths are relative to the repository root, as GitLab matches them against the merge request's files. Severity:
error -> `major`, warning -> `minor`, info -> `info`; an internal error (SN000) -> `blocker`. Fingerprints are
the line-independent fingerprint of docs/output.md, made unique within the report (GitLab merges equal ones).
"""

from __future__ import annotations

import json
from typing import Any

from linter.escape import utf8_data
from linter.model import Finding, Severity, fingerprint
from linter.report import Report, is_internal

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _issue(item: Finding, report: Report, digest: str) -> dict[str, Any]:
    position = item.position
    notes = [f"{report.relative(other.position.path) or other.position.path}:{other.position.line}:"
             f"{other.position.column}: {other.message}" for other in item.related]
    end = position.end
    return {
        "type": "issue",
        "check_name": item.rule,
        "description": " ".join([item.message, *(f"(note: {note})" for note in notes)]),
        "fingerprint": digest,
        "severity": "blocker" if is_internal(item) else SEVERITIES[item.severity],
        "location": {
            "path": report.relative(position.path) or position.path,
            "lines": {"begin": position.line, "end": end[0] if end else position.line},
        },
    }


def render(report: Report) -> str:
    issues = []
    seen: dict[str, int] = {}
    for item in report.findings:
        digest = fingerprint(item)
        count = seen[digest] = seen.get(digest, 0) + 1
        issues.append(_issue(item, report, digest if count == 1 else f"{digest}-{count}"))
    return json.dumps(utf8_data(issues), indent=2, ensure_ascii=False) + "\n"
