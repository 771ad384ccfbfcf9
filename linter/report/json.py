"""The JSON report: one documented object (a contract other tools parse; see docs/output.md)."""

from __future__ import annotations

import json

from linter import __version__
from linter.escape import utf8_data
from linter.model import Finding, fingerprint
from linter.report import Report, summary


def finding_data(item: Finding) -> dict[str, object]:
    position = item.position
    end_line, end_column = position.end or (position.line, position.column)
    data: dict[str, object] = {
        "rule": item.rule,
        "severity": item.severity.value,
        "path": position.path,
        "line": position.line,
        "column": position.column,
        "end_line": end_line,
        "end_column": end_column,
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
    fix = item.fix
    if fix is not None and fix.replacement is not None:  # the span (end exclusive) and the text written over it
        span = fix.position
        data["fix"] = {
            "description": fix.description,
            "line": span.line,
            "column": span.column,
            "end_line": span.end_line,
            "end_column": span.end_column,
            "text": fix.replacement,
        }
    return data


def render(report: Report) -> str:
    document = {
        "version": 1,
        "tool": {"name": "snlint", "version": __version__},
        "findings": [finding_data(item) for item in report.findings],
        "summary": summary(report),
    }
    return json.dumps(utf8_data(document), indent=2, ensure_ascii=False) + "\n"
