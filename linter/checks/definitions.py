"""CRD005: one sys_id defined with different values in two input files, with nothing (no differing
sys_updated_on) to decide which is live but the order the files are loaded in."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, Kind, finding
from linter.model import Finding, Record, Rule


def _content(record: Record, ignored: frozenset[str]) -> dict[str, str]:
    return {name: value.text + value.secret.value for name, value in record.fields.items() if name not in ignored}


def _per_file(versions: list[Record]) -> list[Record]:
    """Each file's own definition of a record: its later update (by sys_updated_on, then file order), in input
    order. Several updates of one record inside one update set are its history, not a conflict."""
    latest: dict[str, Record] = {}
    for record in versions:
        current = latest.get(record.path)
        if current is None or (record.updated_on, record.order) >= (current.updated_on, current.order):
            latest[record.path] = record
    return list(latest.values())


def conflicting_definitions(rule: Rule, context: Context) -> Iterator[Finding]:
    """One sys_id is defined in two input files with different values in fields both carry (except
    `ignore-fields`), and no differing sys_updated_on decides which is live: the load order would."""
    ignored = frozenset(rule.check.get("ignore-fields", ()))
    for sys_id, versions in context.bundle.definitions.items():
        if len(versions) < 2:
            continue
        definitions = [record for record in _per_file(versions) if not record.deleted]
        if len(definitions) < 2:
            continue
        first = definitions[0]
        mine = _content(first, ignored)
        for other in definitions[1:]:
            if first.updated_on and other.updated_on and first.updated_on != other.updated_on:
                continue  # the timestamps decide which one is live, not the load order
            theirs = _content(other, ignored)
            # Only fields both sides carry: exports leave fields out (a YAML export has no sys_class_name).
            differing = sorted(name for name in mine.keys() & theirs.keys() if mine[name] != theirs[name])
            if not differing:
                continue
            shown = ", ".join(differing[:5]) + (", ..." if len(differing) > 5 else "")
            yield finding(
                rule,
                f"{other.table} {other.label} is also defined in {first.path} with different values ({shown}); "
                "which one is live depends on load order: keep one definition",
                other.fields["sys_id"],  # every record a reader returns has one
                [other],
                [(first.fields["sys_id"], f"first definition in {first.path}")],
                key=f"{rule.id}:{sys_id}",
            )
            break


KINDS = (
    Kind(
        "conflicting_definitions",
        conflicting_definitions,
        {"ignore-fields": {"type": "array", "items": {"type": "string"}}},
    ),
)
