"""The JSON report: one documented object (a contract other tools parse; see docs/output.md)."""

from __future__ import annotations

import json

from linter import __version__
from linter.model import Finding
from linter.report import fingerprint, summary_counts


def finding_data(item: Finding) -> dict[str, object]:
    position = item.position
    data: dict[str, object] = {
        "rule": item.rule,
        "severity": item.severity.value,
        "path": position.path,
        "line": position.line,
        "column": position.column,
        "end_line": position.end_line or position.line,
        "end_column": position.end_column or position.column,
        "message": item.message,
        "related": [
            {
                "path": other.position.path,
                "line": other.position.line,
                "column": other.position.column,
                "message": other.message,
            }
            for other in item.related
        ],
        "fingerprint": fingerprint(item),
    }
    if item.fix is not None and item.fix.replacement is not None:
        data["fix"] = item.fix.data()
    return data


def render(findings: list[Finding], files: int) -> str:
    document = {
        "version": 1,
        "tool": {"name": "snlint", "version": __version__},
        "findings": [finding_data(item) for item in findings],
        "summary": {"files": files, **summary_counts(findings)},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
