"""Secret fields by what they hold (linter/redact.py classified each value before any check runs): a value outside
ServiceNow's encryption envelope (CRD002), and base64 that looks like legacy (pre-KMF) encryption (CRD006)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from linter.checks import Context, Kind, Parameters, finding
from linter.model import Finding, Rule, SecretForm

_NOT_ENCRYPTED = {
    SecretForm.PLAINTEXT: "holds a plaintext secret (readable text, no encryption envelope)",
    SecretForm.OPAQUE: "holds a value that is not in an encryption envelope (and is not readable text)",
}
_LEGACY = {
    SecretForm.LEGACY: "looks like legacy (pre-KMF) encryption, or an opaque random key (base64 of whole 64-bit "
    "blocks)",
}


def _secret_values(
    rule: Rule, context: Context, forms: Mapping[SecretForm, str], advice: str
) -> Iterator[Finding]:
    """Every definition of a record is looked at, not only the live one: a secret committed in an older update
    (or in a deleted record) stays in the file and its history although a later update replaced it."""
    fields = tuple(dict.fromkeys((*rule.check["fields"], *context.secret_fields)))
    tables = frozenset(rule.check["tables"])
    bundle = context.bundle
    for sys_id, versions in bundle.definitions.items():
        live = bundle.records.get(sys_id)
        for record in versions:
            if record.table not in tables:
                continue
            for name in fields:
                value = record.get(name)
                if value is None or value.secret not in forms:
                    continue
                where = "" if record is live else f":{record.path}"  # the live one keeps its path-free key
                yield finding(
                    rule,
                    f"{record.table} {record.label} field '{name}' {forms[value.secret]}: {advice}",
                    value,
                    [record],
                    key=f"{rule.id}:{record.sys_id}:{name}{where}",
                    sensitive=True,  # whatever the rule file says: the value is a secret
                )


def plaintext_secret(rule: Rule, context: Context) -> Iterator[Finding]:
    """Field `fields` of `tables` (and the configured `secret-fields`) holds a value outside ServiceNow's
    encryption envelope: readable text (a plaintext secret), or something unreadable that is not encrypted either.

    Empty, encrypted and legacy-encrypted values are not reported (see `legacy_secret`)."""
    return _secret_values(
        rule,
        context,
        _NOT_ENCRYPTED,
        "remove it from the file and its history, rotate it, and re-export the record encrypted",
    )


def legacy_secret(rule: Rule, context: Context) -> Iterator[Finding]:
    """Field `fields` of `tables` (and the configured `secret-fields`) holds base64 whose bytes are whole 64-bit
    blocks and not text: how instances without the key-management framework exported Password (2 Way Encrypted)
    values, but also the shape of a random API key, which would be a plaintext secret."""
    return _secret_values(
        rule,
        context,
        _LEGACY,
        "check it: re-export the record from an instance with the key-management framework and compare (an "
        "encrypted value comes back in the encryption envelope), or check the source instance's encryption "
        "setting; if it is a key in the clear, rotate it",
    )


def _fields(check: Parameters) -> tuple[str, ...]:
    return tuple(check["fields"])


def _tables(check: Parameters) -> tuple[str, ...]:
    return tuple(check["tables"])


_PARAMETERS = {
    "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    "tables": {"type": "array", "items": {"type": "string"}, "minItems": 1},
}
KINDS = tuple(
    Kind(name, check, _PARAMETERS, ("fields", "tables"), tables=_tables, secret_fields=_fields)
    for name, check in (("plaintext_secret", plaintext_secret), ("legacy_secret", legacy_secret))
)
