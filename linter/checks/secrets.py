"""CRD002: secret fields holding a value without ServiceNow's encryption envelope (a plaintext secret in git)."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, finding
from linter.model import Finding, SecretForm
from linter.ruleset import Rule

_REPORTED = {
    SecretForm.PLAINTEXT: "holds a plaintext secret (no encryption envelope)",
    SecretForm.OPAQUE: "holds a value that is not in an encryption envelope",
    SecretForm.LEGACY: "holds a plaintext secret (no encryption envelope)",  # until legacy encryption has its rule
}


def plaintext_secret(rule: Rule, context: Context) -> Iterator[Finding]:
    fields = tuple(rule.check["fields"]) + tuple(rule.options.get("extra-fields", ()))
    for record in context.bundle.table(*rule.check["tables"]):
        for name in fields:
            value = record.get(name)
            if value is None or value.secret not in _REPORTED:
                continue
            yield finding(
                rule,
                f"{record.table} {record.label} field '{name}' {_REPORTED[value.secret]}: "
                "remove it from the file and its history, rotate it, and re-export the record encrypted",
                value,
                [record],
                key=f"{rule.id}:{record.sys_id}:{name}",
            )
