"""CRD002: secret fields holding a value without ServiceNow's encryption envelope (a plaintext secret in git)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, finding
from linter.model import Finding
from linter.ruleset import Rule

ENVELOPE_START = "\ufdde\ufddf"
ENVELOPE_END = "\ufdee\ufdef"


def is_encrypted(text: str) -> bool:
    """True for a value wrapped in the key-management envelope (servicenow-exports.md section 2)."""
    stripped = text.strip()
    return stripped.startswith(ENVELOPE_START) and stripped.endswith(ENVELOPE_END)


def plaintext_secret(rule: Rule, context: Context) -> Iterator[Finding]:
    fields = tuple(rule.check["fields"]) + tuple(rule.options.get("extra-fields", ()))
    tables = rule.check.get("tables")
    records = context.bundle.table(*tables) if tables else list(context.bundle)
    for record in records:
        for name in fields:
            value = record.get(name)
            if value is None or not value.text.strip() or is_encrypted(value.text):
                continue
            yield finding(
                rule,
                f"{record.table} {record.label} field '{name}' holds a plaintext secret (no encryption envelope): "
                "remove it from the file and its history, rotate it, and re-export the record encrypted",
                value,
                [record],
                key=f"{rule.id}:{record.sys_id}:{name}",
            )
