"""CRD005: one sys_id defined with different content in two input files (the live one depends on load order)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, finding
from linter.model import Finding, Record
from linter.ruleset import Rule


def _content(record: Record, ignored: frozenset[str]) -> dict[str, str]:
    return {name: value.text for name, value in record.fields.items() if name not in ignored}


def conflicting_definitions(rule: Rule, context: Context) -> Iterator[Finding]:
    ignored = frozenset(rule.check.get("ignore-fields", ()))
    for sys_id, versions in context.bundle.definitions.items():
        if len(versions) < 2:
            continue
        first = versions[0]
        for other in versions[1:]:
            if other.path == first.path or other.deleted or first.deleted:
                continue
            mine, theirs = _content(first, ignored), _content(other, ignored)
            differing = sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))
            if not differing:
                continue
            shown = ", ".join(differing[:5]) + (", ..." if len(differing) > 5 else "")
            yield finding(
                rule,
                f"{other.table} {other.label} is also defined in {first.path} with different values ({shown}); "
                "which one is live depends on load order: keep one definition",
                other.get("sys_id") or other.get("name") or next(iter(other.fields.values())),
                [other],
                [(first.get("sys_id") or next(iter(first.fields.values())), f"first definition in {first.path}")],
                key=f"{rule.id}:{sys_id}",
            )
            break
