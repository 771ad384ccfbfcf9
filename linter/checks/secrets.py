"""CRD002: secret fields holding a value without ServiceNow's encryption envelope (a plaintext secret in git)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from linter.checks import Context, finding
from linter.model import Finding
from linter.ruleset import Rule

ENVELOPE_START = "\ufdde\ufddf"
ENVELOPE_END = "\ufdee\ufdef"
# The key-management envelope (servicenow-exports.md section 2): U+FDDE U+FDDF, markers and the 32-hex sys_id of
# the key, the ciphertext (base64 or base64url), U+FDEE U+FDEF. Markers and key versions are matched loosely
# (releases may vary them); a value that merely starts and ends with the two noncharacter pairs, without a key id
# and ciphertext, is a forged or damaged envelope and counts as plaintext.
_ENVELOPE = re.compile(r"\ufdde\ufddf[\ufdd0-\ufdef]*[0-9A-Fa-f]{32}[\ufdd0-\ufdef0-9]+[A-Za-z0-9+/=_\-]+\ufdee\ufdef")


def is_encrypted(text: str) -> bool:
    """True for a value wrapped in the key-management envelope."""
    return _ENVELOPE.fullmatch(text.strip()) is not None


def plaintext_secret(rule: Rule, context: Context) -> Iterator[Finding]:
    fields = tuple(rule.check["fields"]) + tuple(rule.options.get("extra-fields", ()))
    for record in context.bundle.table(*rule.check["tables"]):
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
