"""The inventory as an aligned text table (ITEM, NAME, DETAILS, WHERE), colored like the lint output."""

from __future__ import annotations

from typing import NamedTuple

from linter.escape import printable
from linter.inventory.model import (
    CLIENT_CREDENTIALS,
    DELETED,
    INACTIVE,
    MISSING,
    TOKEN_WITHOUT_ACCOUNT,
    VERDICT_KEYS,
    VERDICT_WORDS,
    AliasInventory,
    Inventory,
    OAuthRow,
    Ref,
    VerdictRow,
)
from linter.model import Position, Severity
from linter.report.text import COLORS, Style
from linter.ruleset import kind_rule, outcome_rules

# Columns wider than this do not widen the table for every row (a long value just pushes WHERE to the right).
MAX_NAME = 52
MAX_DETAILS = 78
BOLD, DIM, GREEN, YELLOW = ("1",), ("2",), ("32",), ("33",)


class _Row(NamedTuple):
    item: str
    name: str
    details: str = ""
    where: str = ""
    style: tuple[str, ...] = ()  # codes for the whole row
    name_style: tuple[str, ...] = ()  # codes for the name (overrides `style` there)


def _where(position: Position | None) -> str:
    return str(position) if position is not None else ""


def _state(active: bool) -> str:
    return "active" if active else "inactive"


def _alias_rows(entry: AliasInventory) -> list[_Row]:
    alias = entry.alias
    details = [f"'{printable(alias.name)}'" if alias.name else "(no name)"]
    if alias.mailbox_alias:
        details.append("Mailbox alias")
    if alias.parent is not None:
        details.append(f"child of {reference_words(alias.parent)}")
    rows = [_Row("alias", printable(alias.id or alias.name or alias.sys_id), ", ".join(details),
                 _where(alias.position), BOLD)]
    for connection in entry.connections:
        targets = ", ".join(reference_words(ref) for ref in connection.credentials) or "(none)"
        rows.append(_Row("  connection", f"'{printable(connection.name)}'",
                         f"{_state(connection.active)}, {connection.table}, credential {targets}",
                         _where(connection.position), () if connection.active else DIM))
    for oauth in entry.oauth:
        rows.extend(_oauth_rows(oauth))
    for mailbox in entry.mailbox:
        style = () if mailbox.active else DIM
        rows.append(_Row("  Mailbox", f"'{printable(mailbox.name)}'", f"{_state(mailbox.active)}, {mailbox.table}",
                         _where(mailbox.position), style))
        if mailbox.user is not None and mailbox.user.text.strip():
            rows.append(_Row("    user", shown_user(mailbox.user.text), mailbox.user.field,
                             _where(mailbox.user.position), style))
        else:
            rows.append(_Row("    user", "(none)", "no user name", "", YELLOW))
    for other in entry.other:
        rows.append(_Row("  credential", f"'{printable(other.name)}'", f"{_state(other.active)}, {other.table}",
                         _where(other.position), () if other.active else DIM))
    for deleted in entry.deleted:
        rows.append(_Row("  deleted", f"'{printable(deleted.name)}'",
                         f"{deleted.table}, bound by {deleted.bound_by}; deleted in the inputs",
                         _where(deleted.position), DIM))
    for unresolved in entry.unresolved:
        where_to = "deleted in the inputs" if unresolved.target_deleted else "not in the inputs"
        target = printable(unresolved.target)
        rows.append(_Row("  unresolved", f"{unresolved.table} '{printable(unresolved.name)}'",
                         f"{unresolved.field} -> {target}: {where_to} ({kind_rule('unresolved_reference')})",
                         _where(unresolved.position), YELLOW))
    for verdict in entry.verdicts:
        rows.append(_verdict_row(verdict))
    return rows


def _oauth_rows(oauth: OAuthRow) -> list[_Row]:
    grant = printable(oauth.grant_type) if oauth.grant_type else "unknown grant type"
    details = f"{_state(oauth.active)}, {grant}"
    if oauth.role == CLIENT_CREDENTIALS:
        details += " (no user: never compared)"
    style = DIM if oauth.role == INACTIVE else ()
    rows = [_Row("  OAuth 2.0", f"'{printable(oauth.name)}'", details, _where(oauth.position), style)]
    identity = oauth.identity
    if identity is not None and identity.text:
        recorded = f"recorded in {identity.field}" + (f", claim {identity.claim}" if identity.claim else "")
        rows.append(_Row("    authorised as", printable(identity.text), recorded, _where(identity.position), style))
    elif identity is not None:
        rows.append(_Row("    authorised as", "(no account)", f"{identity.field}: {TOKEN_WITHOUT_ACCOUNT}",
                         _where(identity.position), YELLOW))
    elif oauth.role != CLIENT_CREDENTIALS:
        rows.append(_Row("    authorised as", "(not recorded)", "no recorded Microsoft account", "", YELLOW))
    return rows


def _verdict_row(verdict: VerdictRow) -> _Row:
    name = f"{verdict.rule} {verdict.words}" if verdict.rule else verdict.words
    user = shown_user(verdict.user) if verdict.user.strip() else "(no user)"
    left = f"'{printable(verdict.mailbox.name)}' {user}"
    if verdict.oauth:
        right = " / ".join(f"'{printable(ref.name)}'" for ref in verdict.oauth)
        if verdict.more:
            right += f" and {verdict.more} more"
        if verdict.account:
            right += f" {printable(verdict.account)}"
        details = f"{left} vs {right}"
    else:
        details = f"{left}: no OAuth 2.0 credential to compare"
    if verdict.via:
        details += f" (through the {printable(verdict.via)})"
    if verdict.rule and not verdict.reported:
        details += " [not reported: disabled or suppressed by the configuration, or outside the files named]"
    codes: tuple[str, ...]
    if verdict.rule is None:
        codes = GREEN + BOLD
    elif not verdict.reported or verdict.severity is None:
        codes = DIM
    else:
        codes = COLORS[Severity(verdict.severity)]
    return _Row("  verdict", name, details, _where(verdict.position), name_style=codes)


def _summary(inventory: Inventory) -> str:
    counts = inventory.counts()
    parts = [
        f"{counts['aliases']} Exchange Online alias(es)",
        f"{counts['connections']} connection(s)",
        f"{counts['oauth_credentials']} OAuth 2.0 credential(s)",
        f"{counts['mailbox_credentials']} Mailbox credential(s)",
    ]
    verdicts = inventory.verdict_counts()
    rules = outcome_rules()
    shown = [
        f"{verdicts[key]} {VERDICT_WORDS[key]}" + (f" ({rules[key]})" if key in rules else "")
        for key in VERDICT_KEYS
        if verdicts[key]
    ]
    text = f"{', '.join(parts)} in {inventory.files} file(s)."
    if shown:
        text += f" Verdicts: {', '.join(shown)}."
    return text


def render(inventory: Inventory, color: bool = False) -> str:
    style = Style(color)
    out: list[str] = []
    if not inventory.aliases:
        out.append(f"No Exchange Online alias found in {inventory.files} file(s).")
    else:
        rows = [_Row("ITEM", "NAME", "DETAILS", "WHERE", BOLD)]
        for entry in inventory.aliases:
            rows.extend(_alias_rows(entry))
        widths = (
            max(len(row.item) for row in rows),
            max(len(row.name) for row in rows if len(row.name) <= MAX_NAME),
            max(len(row.details) for row in rows if len(row.details) <= MAX_DETAILS),
        )
        for index, row in enumerate(rows):
            if index > 1 and row.item == "alias":
                out.append("")
            cells = [row.item.ljust(widths[0]), row.name.ljust(widths[1]), row.details.ljust(widths[2]), row.where]
            styled = [
                style(cells[0], *row.style),
                style(cells[1], *(row.name_style or row.style)),
                style(cells[2], *row.style),
                style(cells[3], *row.style),
            ]
            out.append("  ".join(styled).rstrip())
        out.append("")
        out.append(_summary(inventory))
    for problem in inventory.problems:
        out.append(style(f"{problem.position}: {problem.rule}: {problem.message}", *YELLOW))
    return "\n".join(out) + "\n"


def shown_user(text: str) -> str:
    """A user name for people: quoted when it has surrounding whitespace (CRD004), else as is."""
    return f"'{printable(text)}'" if text != text.strip() else printable(text)


def reference_words(ref: Ref) -> str:
    sys_id = printable(ref.sys_id)  # a missing reference's target is any text the input wrote
    name = printable(ref.name) if ref.name else sys_id
    if ref.state == DELETED:
        return f"{name} (deleted in the inputs)"
    if ref.state == MISSING:
        return f"{name} (not in the inputs: {sys_id})" if ref.name else f"{sys_id} (not in the inputs)"
    return name
