"""The inventory as GitHub-flavoured Markdown: tables a CI job can post as a pull-request comment or job summary,
followed by the Mermaid flowchart (GitHub renders it). Values from exports are always code spans, so a name can
neither break a table, inject markup, mention people (`@octocat`, `@org/team`) nor make a link."""

from __future__ import annotations

import re

from linter.escape import printable
from linter.inventory import mermaid
from linter.inventory.model import (
    CLIENT_CREDENTIALS,
    DELETED,
    INACTIVE,
    MISSING,
    TOKEN_WITHOUT_ACCOUNT,
    VERDICT_KEYS,
    VERDICT_WORDS,
    Inventory,
    Located,
    Ref,
    VerdictRow,
)
from linter.model import Position
from linter.ruleset import kind_rule, outcome_rules

ICONS = {"error": "\u274c", "warning": "\u26a0\ufe0f", "info": "\u2139\ufe0f", "same": "\u2705", "off": "\u2796"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_BACKTICKS = re.compile(r"`+")
NONE = "\u2014"
ORDER = {"error": 0, "warning": 1, "info": 2, "off": 3, "same": 4}


def code(text: str) -> str:
    """A code span holding `text` literally (a pipe escaped for the table)."""
    text = printable(text)
    if not text:
        return NONE
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def plain(text: str) -> str:
    """Escaped text for a table cell: snlint's own words only. Text from an input always goes in a code span
    (`code`), the one place where GitHub neither mentions people (`@octocat`) nor makes links (`https://...`,
    `user@example.com`)."""
    return _SPECIAL.sub(r"\\\1", printable(text).replace("&", "&amp;")) if text else NONE


def where(position: Position) -> str:
    return code(str(position))


def _reference(ref: Ref | None) -> str:
    if ref is None:
        return NONE
    shown = code(ref.name or ref.sys_id)
    if ref.state == DELETED:
        return f"{shown} (deleted in the inputs)"
    if ref.state == MISSING:
        return f"{shown} (not in the inputs" + (f": {code(ref.sys_id)})" if ref.name else ")")
    return shown


def _located(value: Located | None) -> str:
    if value is None or not value.text.strip():
        return NONE
    return code(value.text)


def _recorded_in(value: Located | None) -> str:
    if value is None:
        return NONE
    if value.claim:
        claim = f", claim {code(value.claim)}"
    elif value.from_token and not value.text:
        claim = f", {TOKEN_WITHOUT_ACCOUNT}"
    else:
        claim = ""
    return f"{code(value.field)}{claim} at {where(value.position)}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _tone(verdict: VerdictRow) -> str:
    if verdict.rule is None:
        return "same"
    if not verdict.reported or verdict.severity is None:
        return "off"
    return verdict.severity


def _verdict_cell(verdict: VerdictRow) -> str:
    tone = _tone(verdict)
    text = f"{ICONS[tone]} **{plain(verdict.words)}**" + (f" ({verdict.rule})" if verdict.rule else "")
    if tone == "off":
        text += " (not reported: disabled or suppressed by the configuration, or outside the files named)"
    return text


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _summary(inventory: Inventory) -> list[str]:
    counts = inventory.counts()
    head = (
        f"snlint found **{counts['aliases']}** Exchange Online alias(es), {counts['connections']} connection(s), "
        f"{counts['oauth_credentials']} OAuth 2.0 credential(s) and {counts['mailbox_credentials']} Mailbox "
        f"credential(s) in {inventory.files} file(s)."
    )
    verdicts = inventory.verdict_counts()
    parts = []
    for key in VERDICT_KEYS:
        if verdicts[key]:
            rule = outcome_rules().get(key, "")
            parts.append(f"{verdicts[key]} {VERDICT_WORDS[key]}" + (f" ({rule})" if rule else ""))
    lines = [head]
    if parts:
        lines += ["", "Verdicts: " + ", ".join(parts) + "."]
    return lines


def render(inventory: Inventory, color: bool = False) -> str:  # a plain format: never coloured
    out = ["## Exchange Online inventory", ""]
    out += _summary(inventory)
    if inventory.problems:
        out += ["", "### Inputs that could not be read", ""]
        out += [f"- {where(item.position)} {item.rule}: {code(item.message)}" for item in inventory.problems]
    if not inventory.aliases:
        return "\n".join(out) + "\n"

    verdicts = [(entry.alias, verdict) for entry in inventory.aliases for verdict in entry.verdicts]
    verdicts.sort(key=lambda item: ORDER.get(_tone(item[1]), 2))
    if verdicts:
        rows = []
        for owner, verdict in verdicts:
            compared = ", ".join(code(ref.name or ref.sys_id) for ref in verdict.oauth) or NONE
            compared += f" and {verdict.more} more" if verdict.more else ""
            if verdict.via:
                compared += f" (through the {plain(verdict.via)})"
            rows.append([
                _verdict_cell(verdict),
                code(owner.id or owner.name),
                code(verdict.mailbox.name or verdict.mailbox.sys_id),
                code(verdict.user),
                compared,
                code(verdict.account),
                where(verdict.position),
            ])
        out += ["", "### Verdicts", ""]
        out += _table(
            ["Verdict", "Alias", "Mailbox credential", "User", "OAuth 2.0 credential", "Authorised as", "Where"], rows
        )

    out += ["", "### Aliases", ""]
    out += _table(
        ["Alias", "Name", "Parent", "Mailbox alias", "sys_id", "Where"],
        [
            [
                code(entry.alias.id),
                code(entry.alias.name),
                _reference(entry.alias.parent),
                "yes" if entry.alias.mailbox_alias else "no",
                code(entry.alias.sys_id),
                where(entry.alias.position),
            ]
            for entry in inventory.aliases
        ],
    )

    connections = [
        [code(entry.alias.id or entry.alias.name), code(row.name), _yes(row.active),
         ", ".join(_reference(ref) for ref in row.credentials) or NONE, where(row.position)]
        for entry in inventory.aliases
        for row in entry.connections
    ]
    if connections:
        out += ["", "### Connections", ""]
        out += _table(["Alias", "Connection", "Active", "Credential", "Where"], connections)

    oauth: list[list[str]] = []
    for entry in inventory.aliases:
        for row in entry.oauth:
            grant = code(row.grant_type) if row.grant_type else "unknown"
            if row.role == CLIENT_CREDENTIALS:
                grant += " (no user: never compared)"
            elif row.role == INACTIVE:
                grant += " (inactive: ignored)"
            oauth.append([code(entry.alias.id or entry.alias.name), code(row.name), _yes(row.active), grant,
                          _located(row.identity), _recorded_in(row.identity), where(row.position)])
    if oauth:
        out += ["", "### OAuth 2.0 credentials", ""]
        out += _table(
            ["Alias", "Credential", "Active", "Grant type", "Authorised as", "Recorded in", "Where"], oauth
        )

    mailbox = [
        [code(entry.alias.id or entry.alias.name), code(row.name), _yes(row.active), _located(row.user),
         where(row.user.position) if row.user is not None else NONE, where(row.position)]
        for entry in inventory.aliases
        for row in entry.mailbox
    ]
    if mailbox:
        out += ["", "### Mailbox credentials", ""]
        out += _table(["Alias", "Credential", "Active", "User", "User at", "Where"], mailbox)

    others: list[list[str]] = []
    for entry in inventory.aliases:
        alias = code(entry.alias.id or entry.alias.name)
        for other in entry.other:
            others.append([alias, f"{code(other.name)} ({code(other.table)})", "other credential, "
                           + ("active" if other.active else "inactive"), where(other.position)])
        for deleted in entry.deleted:
            others.append([alias, f"{code(deleted.name)} ({code(deleted.table)})",
                           f"deleted in the inputs (bound by {plain(deleted.bound_by)})", where(deleted.position)])
        for unresolved in entry.unresolved:
            state = "deleted in the inputs" if unresolved.target_deleted else "not in the inputs"
            others.append([alias, f"{code(unresolved.name)} ({code(unresolved.table)})",
                           f"{code(unresolved.field)} {code(unresolved.target)}: {state} "
                           f"({kind_rule('unresolved_reference')})",
                           where(unresolved.position)])
    if others:
        out += ["", "### Other, deleted and unresolved records", ""]
        out += _table(["Alias", "Record", "State", "Where"], others)

    diagram = mermaid.render(inventory)
    too_large = mermaid.over_limits(diagram)
    out += ["", "### Wiring", ""]
    if too_large:
        out.append(f"The diagram is too large to be drawn ({too_large}): run `snlint inventory -f mermaid` on "
                   "fewer files to see part of it.")
    else:
        out += ["```mermaid", diagram.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"
