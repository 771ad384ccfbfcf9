"""The check kinds that rule files bind to (`check: {kind: ...}`): each turns resolved records into Findings.

A kind is declared once, in its module, as a `Kind` (name, parameter schema, tables it reads, check function whose
docstring documents it); the registry and rules/rule.schema.json's `oneOf` are built from those declarations (see
docs/check-kinds.md). A check sees records and values, never files or containers, and never prints a secret value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from linter.model import Finding, Record, Rule, Severity, Value
from linter.resolve import Bundle
from linter.spoke import Profile, Spoke, resolve_spoke


class Context:
    """What every check may read: the bundle, the spoke's resolved wiring (built once, on demand), and the
    configured `secret-fields` (secret checks add them to the fields their rules name)."""

    __slots__ = ("_spoke", "bundle", "profile", "secret_fields")

    def __init__(self, bundle: Bundle, profile: Profile, secret_fields: tuple[str, ...] = ()) -> None:
        self.bundle = bundle
        self.profile = profile
        self.secret_fields = secret_fields
        self._spoke: Spoke | None = None

    @property
    def spoke(self) -> Spoke:
        if self._spoke is None:
            self._spoke = resolve_spoke(self.bundle, self.profile)
        return self._spoke


Check = Callable[[Rule, Context], Iterable[Finding]]
Parameters = Mapping[str, Any]  # a rule's `check:` mapping


def no_tables(check: Parameters) -> Iterable[str]:
    return ()


def named_tables(check: Parameters) -> Iterable[str]:
    """The tables a rule names in `tables` and `other-tables`."""
    return (*check.get("tables", ()), *check.get("other-tables", ()))


class Kind(NamedTuple):
    """One check kind: what a rule file writes as `check: {kind: <name>, ...}`.

    `parameters` are the JSON Schema properties of the rule's `check` mapping besides `kind` (`required` and any
    other schema keywords in `schema`); `tables` names the tables a rule of this kind reads (the profile's tables
    are always read); `secret_fields` names the fields it treats as secrets (never kept in memory: redacted)."""

    name: str
    check: Check
    parameters: Mapping[str, Any] = MappingProxyType({})
    required: tuple[str, ...] = ()
    tables: Callable[[Parameters], Iterable[str]] = no_tables
    secret_fields: Callable[[Parameters], Iterable[str]] = no_tables
    schema: Mapping[str, Any] = MappingProxyType({})

    def schema_branch(self) -> dict[str, Any]:
        """This kind's branch of rule.schema.json's `check` oneOf."""
        doc = " ".join((self.check.__doc__ or "").strip().split("\n\n")[0].split())
        branch: dict[str, Any] = {"description": doc} if doc else {}
        branch["properties"] = {"kind": {"const": self.name}, **self.parameters}
        if self.required:
            branch["required"] = list(self.required)
        branch.update(self.schema)
        branch["additionalProperties"] = False
        return branch


# The modules that declare kinds (each a `KINDS` tuple): adding a kind touches its module, and this list only for
# a new module.
MODULES = ("definitions", "exchange_online", "fields", "identities", "inputs", "secrets")


def finding(
    rule: Rule,
    message: str,
    value: Value,
    records: Iterable[Record],
    related: Iterable[tuple[Value, str]] = (),
    key: str = "",
    sensitive: bool = False,
) -> Finding:
    """A Finding of `rule` at `value`, about `records` (their sys_ids and names feed fingerprints and suppressions);
    `sensitive` (or the rule's `sensitive`): `value` is a secret's place, its source line is never shown."""
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
        sensitive=sensitive or rule.sensitive,
    )


def registry() -> dict[str, Kind]:
    """Every check kind by name, from the declaring modules."""
    from importlib import import_module

    kinds: dict[str, Kind] = {}
    for module in MODULES:
        for kind in import_module(f"linter.checks.{module}").KINDS:
            kinds[kind.name] = kind
    return kinds


def tables_read(rules: Iterable[Rule], profile: Profile) -> frozenset[str]:
    """Every table some active rule reads: the readers keep these records and skip the rest."""
    kinds = registry()
    tables = set(profile.tables())
    for rule in rules:
        tables.update(kinds[rule.check["kind"]].tables(rule.check))
    return frozenset(tables)


def secret_fields(rules: Iterable[Rule], extra: Iterable[str] = ()) -> frozenset[str]:
    """Every field a rule treats as a secret (run or not), with the configured `secret-fields`: never kept."""
    kinds = registry()
    return frozenset(name for rule in rules for name in kinds[rule.check["kind"]].secret_fields(rule.check)).union(
        extra
    )


def schema_branches() -> list[dict[str, Any]]:
    """rule.schema.json's `check` oneOf, one branch per kind (`python -m linter.ruleset` writes it)."""
    return [kind.schema_branch() for _, kind in sorted(registry().items())]
