"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers (valid against the OASIS schema).

Paths are written relative to the repository root (`Report.root`) under the `%SRCROOT%` base id, with `/`
separators and percent-encoding; a file outside the root gets an absolute `file://` URI instead. Columns count
Unicode code points, and end columns are exclusive, as SARIF and snlint's positions both define them.

`level` is the finding's effective severity (configuration applied), and each rule's `defaultConfiguration` the
rule's; `invocations[0].executionSuccessful` is false when snlint itself failed, and each internal error (SN000)
is also a `toolExecutionNotification`. `runs[0].properties` carries the files read, looked at and skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from linter import __version__
from linter.escape import utf8_data
from linter.model import Finding, Position, Rule, Severity, fingerprint
from linter.report import Report, is_internal, relative, summary

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/snlint/snlint"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "snlint/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


class Locator:
    """Turns finding paths into SARIF artifact locations relative to one root folder."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root or ".")

    def base(self) -> dict[str, Any]:
        """The `originalUriBaseIds` entry for %SRCROOT%: an absolute file URI ending with '/'."""
        uri = Path(self.root).as_uri()
        return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}

    def artifact(self, path: str) -> dict[str, Any]:
        inside = relative(path, self.root)
        if inside is None:
            return {"uri": Path(os.path.abspath(path)).as_uri()}
        return {"uri": quote(os.fsencode(inside), safe="/"), "uriBaseId": SRCROOT}  # a file name's raw bytes


def _region(position: Position) -> dict[str, int]:
    region = {"startLine": max(1, position.line), "startColumn": max(1, position.column)}
    if end := position.end:
        region["endLine"], region["endColumn"] = end
    return region


def _physical(position: Position, locator: Locator) -> dict[str, Any]:
    return {"artifactLocation": locator.artifact(position.path), "region": _region(position)}


def _descriptor(rule: Rule) -> dict[str, Any]:
    markdown = rule.description
    if rule.references:
        links = (f"<{item}>" if item.startswith("http") else item for item in rule.references)
        markdown += "\n\nReferences:\n" + "\n".join(f"- {link}" for link in links)
    markdown += f"\n\n[{rule.id} {rule.name}]({rule.help_uri})"
    tags = list(rule.tags or ("snlint",))
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description},
        "help": {"text": f"{rule.description}\n\nDocumentation: {rule.help_uri}", "markdown": markdown},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": tags},
    }


def _result(item: Finding, index: int | None, locator: Locator) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": item.rule}
    if index is not None:
        result["ruleIndex"] = index
    result["level"] = LEVELS[item.severity]
    result["message"] = {"text": item.message}
    result["locations"] = [{"physicalLocation": _physical(item.position, locator)}]
    if item.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": _physical(other.position, locator),
                "message": {"text": other.message},
            }
            for number, other in enumerate(item.related, start=1)
        ]
    result["partialFingerprints"] = {FINGERPRINT: fingerprint(item)}
    if item.fix is not None and item.fix.replacement is not None:
        change = {"deletedRegion": _region(item.fix.position), "insertedContent": {"text": item.fix.replacement}}
        result["fixes"] = [
            {
                "description": {"text": item.fix.description},
                "artifactChanges": [
                    {"artifactLocation": locator.artifact(item.fix.position.path), "replacements": [change]}
                ],
            }
        ]
    return result


def _notification(item: Finding, locator: Locator) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": item.message},
        "locations": [{"physicalLocation": _physical(item.position, locator)}],
        "descriptor": {"id": item.rule},
    }


def _invocation(report: Report, findings: Iterable[Finding], locator: Locator) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_error}
    internal = [_notification(item, locator) for item in findings if is_internal(item)]
    if internal:
        invocation["toolExecutionNotifications"] = internal
    return invocation


def document(report: Report) -> dict[str, Any]:
    """The SARIF log as a dictionary: one run, one rule entry per active rule, one result per finding."""
    locator = Locator(report.root)
    findings = report.findings
    ordered = sorted(report.rules.values(), key=lambda rule: rule.id)
    indexes = {rule.id: number for number, rule in enumerate(ordered)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "snlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in ordered],
                    }
                },
                "invocations": [_invocation(report, findings, locator)],
                "originalUriBaseIds": locator.base(),
                "columnKind": "unicodeCodePoints",
                "results": [_result(item, indexes.get(item.rule), locator) for item in findings],
                "properties": {"summary": summary(report)},
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(utf8_data(document(report)), indent=2, ensure_ascii=False) + "\n"
