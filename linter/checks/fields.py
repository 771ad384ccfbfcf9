"""The generic field check a rule file can use without Python: field F of tables T must be present, empty,
match a pattern, or not match one. CRD004 (whitespace around a user name) is written this way."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.checks import Context, Kind, finding, named_tables
from linter.model import Finding, Rule, Value


def field_check(rule: Rule, context: Context) -> Iterator[Finding]:
    """Field `field` of `tables` must be `present` (and not empty), must be `empty`, must `match` a regular
    expression, or must not match one (`forbid`); `message` may use the placeholders {table}, {record} and {field}."""
    check = rule.check
    name: str = check["field"]
    match = re.compile(check["match"]) if "match" in check else None
    forbid = re.compile(check["forbid"]) if "forbid" in check else None
    template: str = check.get("message", "")
    for record in context.bundle.table(*check["tables"]):
        value = record.get(name)
        problem = ""
        if value is None:
            if check.get("present"):
                problem = f"field '{name}' is missing"
        elif check.get("present") and not value.text.strip():
            problem = f"field '{name}' is empty"
        elif check.get("empty") and value.text.strip():
            problem = f"field '{name}' must be empty"
        elif match is not None and not match.search(value.text):
            problem = f"field '{name}' does not match /{match.pattern}/"
        elif forbid is not None and forbid.search(value.text):
            problem = f"field '{name}' matches /{forbid.pattern}/"
        if not problem:
            continue
        at = value or Value("", record.position)
        message = (
            template.format(table=record.table, record=record.label, field=name)
            if template
            else f"{record.table} {record.label}: {problem}"
        )
        found = finding(rule, message, at, [record], key=f"{rule.id}:{record.sys_id}:{name}")
        if rule.fix == "trim" and value is not None and value.text.strip() != value.text:
            from linter.model import Fix

            found = found._replace(fix=Fix(value.position, value.text.strip(), f"trim the {name}"))
        yield found


KINDS = (
    Kind(
        "field",
        field_check,
        {
            "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "field": {"type": "string", "minLength": 1},
            "present": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "match": {"type": "string", "format": "regex"},
            "forbid": {"type": "string", "format": "regex"},
            "message": {"type": "string"},
        },
        ("tables", "field"),
        tables=named_tables,
        schema={"minProperties": 4},  # kind, tables, field and at least one condition
    ),
)
