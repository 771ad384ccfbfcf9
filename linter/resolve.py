"""The bundle: every record of a run, joined across files by sys_id; the later update of a record wins.

Readers return records per file; a source-control repository keeps one record per file and credentials often
live in a separate export, so nothing can be checked until all inputs are read and joined here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from linter.model import Record, Value


class Bundle:
    """Live records by sys_id (deleted ones removed) and every definition seen, for load-order checks (`resolve`
    fills it in)."""

    __slots__ = ("_by_table", "definitions", "deleted", "records")

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.definitions: dict[str, list[Record]] = {}
        self.deleted: dict[str, Record] = {}
        self._by_table: dict[str, list[Record]] = {}

    def get(self, sys_id: str) -> Record | None:
        return self.records.get(sys_id)

    def table(self, *tables: str) -> list[Record]:
        found: list[Record] = []
        for name in tables:
            found.extend(self._by_table.get(name, ()))
        return found

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records.values())


def resolve(records: Iterable[Record]) -> Bundle:
    """Join records in input order: for each sys_id the latest `sys_updated_on` wins, then the later one read.

    Identical definitions of a record (the same update set committed twice: a release copy and a working copy) are
    one definition, located at the first copy read (the files a run names come before its context), so findings
    neither double nor move to a copy that merely repeats it."""
    bundle = Bundle()
    definitions: dict[str, list[Record]] = defaultdict(list)
    for sequence, record in enumerate(records):
        record.order = sequence
        definitions[record.sys_id].append(record)
    for sys_id, versions in definitions.items():
        winner = max(versions, key=lambda record: (record.updated_on, record.order))
        if len(versions) > 1:
            distinct = definitions[sys_id] = _distinct(versions)
            live = _identity(winner)
            winner = next(record for record in distinct if _identity(record) == live)
        if winner.deleted:
            bundle.deleted[sys_id] = winner
        else:
            bundle.records[sys_id] = winner
    by_table: dict[str, list[Record]] = defaultdict(list)
    for record in bundle.records.values():
        by_table[record.table].append(record)
    bundle.definitions = dict(definitions)
    bundle._by_table = dict(by_table)
    return bundle


def _identity(record: Record) -> tuple[object, ...]:
    """What makes two definitions of a record the same: table, action, sys_updated_on and every field value."""
    fields = frozenset((name, value.text, value.display, value.secret) for name, value in record.fields.items())
    return (record.table, record.deleted, record.updated_on, fields)


def _distinct(versions: list[Record]) -> list[Record]:
    """The first of each group of identical definitions, in input order."""
    seen: set[tuple[object, ...]] = set()
    distinct = []
    for record in versions:
        identity = _identity(record)
        if identity not in seen:
            seen.add(identity)
            distinct.append(record)
    return distinct


def first_field(record: Record, names: Iterable[str]) -> Value | None:
    """The first of several spellings of a field that the record carries (e.g. `tag` / `credential_alias`)."""
    for name in names:
        value = record.fields.get(name)
        if value is not None:
            return value
    return None


def reference_ids(value: Value | None) -> list[str]:
    """The sys_ids a reference or glide_list value names (comma-separated; empty parts dropped)."""
    if value is None:
        return []
    return [part.strip() for part in value.text.split(",") if part.strip()]
