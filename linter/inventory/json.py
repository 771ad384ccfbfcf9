"""The inventory as JSON: one documented object, `"version": 1` (a contract other tools parse; docs/inventory.md)."""

from __future__ import annotations

import json

from linter import __version__
from linter.escape import utf8_data
from linter.inventory.model import (
    AliasInventory,
    Inventory,
    Located,
    Ref,
    VerdictRow,
)
from linter.model import Position

VERSION = 1

Data = dict[str, object]


def location(position: Position) -> Data:
    return {"path": position.path, "line": position.line, "column": position.column}


def _ref(ref: Ref | None) -> Data | None:
    if ref is None:
        return None
    return {"sys_id": ref.sys_id, "name": ref.name, "state": ref.state}


def _located(value: Located | None, name: str) -> Data | None:
    if value is None:
        return None
    data: Data = {name: value.text, "field": value.field}
    if name == "account":
        data["claim"] = value.claim
    data["location"] = location(value.position)
    return data


def _verdict(verdict: VerdictRow) -> Data:
    return {
        "verdict": verdict.key,
        "rule": verdict.rule,
        "label": verdict.words,
        "mailbox_credential": _ref(verdict.mailbox),
        "user": verdict.user,
        "oauth_credentials": [_ref(ref) for ref in verdict.oauth],
        "more": verdict.more,
        "account": verdict.account,
        "via": verdict.via,
        "reason": verdict.reason,
        "reported": verdict.reported,
        "severity": verdict.severity,
        "location": location(verdict.position),
    }


def alias_data(entry: AliasInventory) -> Data:
    alias = entry.alias
    return {
        "sys_id": alias.sys_id,
        "id": alias.id,
        "name": alias.name,
        "mailbox_alias": alias.mailbox_alias,
        "parent": _ref(alias.parent),
        "location": location(alias.position),
        "connections": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "active": row.active,
                "credentials": [_ref(ref) for ref in row.credentials],
                "location": location(row.position),
            }
            for row in entry.connections
        ],
        "oauth_credentials": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "active": row.active,
                "grant_type": row.grant_type,
                "profile": _ref(row.profile),
                "role": row.role,
                "identity": _located(row.identity, "account"),
                "location": location(row.position),
            }
            for row in entry.oauth
        ],
        "mailbox_credentials": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "active": row.active,
                "user": _located(row.user, "name"),
                "location": location(row.position),
            }
            for row in entry.mailbox
        ],
        "other_credentials": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "active": row.active,
                "location": location(row.position),
            }
            for row in entry.other
        ],
        "deleted": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "bound_by": row.bound_by,
                "location": location(row.position),
            }
            for row in entry.deleted
        ],
        "unresolved": [
            {
                "sys_id": row.sys_id,
                "table": row.table,
                "name": row.name,
                "field": row.field,
                "target": row.target,
                "target_deleted": row.target_deleted,
                "location": location(row.position),
            }
            for row in entry.unresolved
        ],
        "verdicts": [_verdict(verdict) for verdict in entry.verdicts],
    }


def render(inventory: Inventory, color: bool = False) -> str:  # a plain format: never coloured
    document = {
        "version": VERSION,
        "tool": {"name": "snlint", "version": __version__},
        "aliases": [alias_data(entry) for entry in inventory.aliases],
        "problems": [
            {
                "rule": problem.rule,
                "severity": problem.severity.value,
                "message": problem.message,
                "location": location(problem.position),
            }
            for problem in inventory.problems
        ],
        "summary": {"files": inventory.files, **inventory.counts(), "verdicts": inventory.verdict_counts()},
    }
    return json.dumps(utf8_data(document), indent=2, ensure_ascii=False) + "\n"
