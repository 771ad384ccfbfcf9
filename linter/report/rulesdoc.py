"""docs/rules.md, generated from the rule files (a test fails when the committed page is stale)."""

from __future__ import annotations

from collections.abc import Mapping

from linter.model import Rule


def render_rules_doc(rules: Mapping[str, Rule]) -> str:
    ordered = sorted(rules.values(), key=lambda rule: rule.id)
    lines = [
        "# snlint rules",
        "",
        "<!-- Generated from rules/*.yaml by `python -m linter.ruleset`; do not edit by hand. -->",
        "",
        "| Rule | Name | Severity | Summary |",
        "| --- | --- | --- | --- |",
    ]
    for rule in ordered:
        anchor = f"{rule.id.lower()}-{rule.name}"
        lines.append(f"| [{rule.id}](#{anchor}) | {rule.name} | {rule.severity.value} | {rule.summary} |")
    for rule in ordered:
        lines += ["", f"## {rule.id} {rule.name}", "", f"Severity: **{rule.severity.value}**", "",
                  rule.summary, "", rule.description]
        if rule.references:
            lines += ["", "References:", "", *(f"- {reference}" for reference in rule.references)]
    return "\n".join(lines) + "\n"
