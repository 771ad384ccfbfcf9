"""Reporters: findings in, text out. They never compute (the run did) and never print a secret value."""

from __future__ import annotations

from linter.model import Finding

FORMATS = ("text", "json", "sarif", "github", "junit")


def fingerprint(finding: Finding) -> str:
    """A line-independent identity of a finding: the rule and the records and fields involved, hashed."""
    import hashlib

    return hashlib.sha256(f"{finding.rule}\x00{finding.key}".encode()).hexdigest()[:32]


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for item in findings:
        counts[f"{item.severity.value}s"] += 1
    return counts
