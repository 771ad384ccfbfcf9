"""The check kinds that rule files bind to (`check: {kind: ...}`): each turns resolved records into Findings.

A check sees records and values, never files or containers, and never prints a secret value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from linter.model import Finding, Record, Severity, Value
from linter.resolve import Bundle
from linter.ruleset import Rule
from linter.spoke import Profile, Spoke, resolve_spoke


@dataclass
class Context:
    """What every check may read: the bundle, the spoke's resolved wiring (built once, on demand)."""

    bundle: Bundle
    profile: Profile
    _spoke: Spoke | None = field(default=None, repr=False)

    @property
    def spoke(self) -> Spoke:
        if self._spoke is None:
            self._spoke = resolve_spoke(self.bundle, self.profile)
        return self._spoke


Check = Callable[[Rule, Context], Iterable[Finding]]


def finding(
    rule: Rule,
    message: str,
    value: Value,
    records: Iterable[Record],
    related: Iterable[tuple[Value, str]] = (),
    key: str = "",
) -> Finding:
    """A Finding of `rule` at `value`, about `records` (their sys_ids and names feed fingerprints and suppressions)."""
    from linter.model import Related

    records = list(records)
    ids = tuple(dict.fromkeys(part for record in records for part in (record.sys_id, record.text("name")) if part))
    return Finding(
        rule=rule.id,
        severity=Severity(rule.severity),
        message=message,
        position=value.position,
        related=tuple(Related(other.position, note) for other, note in related),
        key=key or ":".join([rule.id, *(record.sys_id for record in records)]),
        record_ids=ids,
        sensitive=rule.check.get("kind") == "plaintext_secret",
    )


def registry() -> dict[str, Check]:
    from linter.checks import definitions, exchange_online, fields, identities, secrets

    return {
        "same_identity": exchange_online.same_identity,
        "same_account": identities.same_account_by_reference,
        "unresolved_reference": exchange_online.unresolved_reference,
        "inactive_binding": exchange_online.inactive_binding,
        "plaintext_secret": secrets.plaintext_secret,
        "field": fields.field_check,
        "conflicting_definitions": definitions.conflicting_definitions,
        "input": lambda rule, context: (),  # findings of readers (SN00x), not of a check
    }


def tables_read(rules: Iterable[Rule], profile: Profile) -> frozenset[str]:
    """Every table some active rule reads: the readers keep these records and skip the rest."""
    tables = set(profile.tables())
    for rule in rules:
        tables.update(rule.check.get("tables", ()))
        tables.update(rule.check.get("other-tables", ()))
    return frozenset(tables)
