"""`snlint inventory`: what snlint extracted for the Exchange Online spoke, as rows the reporters print.

Every alias, its connections, OAuth 2.0 and Mailbox credentials, recorded identities and the verdict of every
(Mailbox credential, OAuth credential) pair, each with its position. The rows are read from the one resolution in
linter/spoke.py (the same `Spoke` the EXO/CRD rules read), never recomputed. Only names, user names and recorded
accounts are copied into rows: passwords, client secrets and tokens never are (a recorded ID token contributes its
account claim and its position, not its text).

Run `python -m linter.inventory` to regenerate examples/inventory.md and the example in docs/inventory.md.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from linter.identity import ACCOUNT_CLAIMS
from linter.model import Finding, Position, Record, Value
from linter.report.escape import printable
from linter.resolve import first_field, reference_ids
from linter.ruleset import bound_rule, builtin_rules, outcome_rules
from linter.spoke import CLIENT_ONLY, MAILBOX, OAUTH, Pairs, Recorded, Spoke, Wiring

EXIT_OK, EXIT_ERROR = 0, 2

# Verdict keys (stable, used in JSON) and their words, in the order reports list them.
VERDICT_KEYS = ("same", "differs", "may_differ", "not_comparable", "cannot_verify", "client_credentials_only")
VERDICT_WORDS = {
    "same": "same account",
    "differs": "differs",
    "may_differ": "may differ",
    "not_comparable": "not comparable",
    "cannot_verify": "cannot verify",
    "client_credentials_only": "client-credentials only",
}

# Roles of an OAuth 2.0 credential for the pairing (JSON `role`).
USER_GRANT, CLIENT_CREDENTIALS, INACTIVE = "user", "client_credentials", "inactive"
# States of a reference (JSON `state`).
RESOLVED, DELETED, MISSING = "resolved", "deleted", "missing"
# Input problems worth showing next to an inventory: a file that could not be read hides its aliases.
PROBLEM_KINDS = ("internal", "unparseable", "refused")


@dataclass(frozen=True)
class Ref:
    """A reference to another record: its sys_id, a name for people, and whether the inputs hold it."""

    sys_id: str
    name: str  # the target's id or name when resolved, else the export's display value, else ""
    state: str  # RESOLVED, DELETED (the inputs delete it) or MISSING (not in the inputs)


@dataclass(frozen=True)
class AliasRow:
    sys_id: str
    id: str
    name: str
    mailbox_alias: bool
    parent: Ref | None
    position: Position


@dataclass(frozen=True)
class ConnectionRow:
    sys_id: str
    table: str
    name: str
    active: bool
    credentials: tuple[Ref, ...]
    position: Position


@dataclass(frozen=True)
class Located:
    """A user name or recorded account and where its text is (`field` says where it was recorded)."""

    text: str
    position: Position
    field: str = ""
    claim: str = ""  # the token / mapping claim it came from ("upn", "preferred_username", ...), if any
    from_token: bool = False  # read from an ID token (with no text: a token none of whose claims names an account)


@dataclass(frozen=True)
class OAuthRow:
    sys_id: str
    table: str
    name: str
    active: bool
    grant_type: str  # of its OAuth entity profile; "" when unknown
    profile: Ref | None
    role: str  # USER_GRANT (compared with Mailbox users), CLIENT_CREDENTIALS (never compared) or INACTIVE
    identity: Located | None  # the recorded OAuth-authorised account
    position: Position


@dataclass(frozen=True)
class MailboxRow:
    sys_id: str
    table: str
    name: str
    active: bool
    user: Located | None
    position: Position


@dataclass(frozen=True)
class CredentialRow:
    """A credential bound to the alias that is neither OAuth 2.0 nor a Mailbox credential."""

    sys_id: str
    table: str
    name: str
    active: bool
    position: Position


@dataclass(frozen=True)
class DeletedRow:
    """A credential or connection bound to the alias that the inputs delete (an update with action DELETE)."""

    sys_id: str
    table: str
    name: str
    bound_by: str  # "credential alias", "connection" or "connection alias"
    position: Position


@dataclass(frozen=True)
class UnresolvedRow:
    """A reference the resolution needed whose target is not among the live records (CRD001)."""

    sys_id: str
    table: str
    name: str
    field: str
    target: str
    target_deleted: bool
    position: Position


@dataclass(frozen=True)
class VerdictRow:
    """The verdict on one Mailbox credential: against one OAuth credential, or why there is none to compare."""

    key: str  # one of VERDICT_KEYS
    rule: str | None  # the rule that reports it; None for "same"
    mailbox: Ref
    user: str  # the Mailbox credential's user name as recorded ("" when it has none)
    oauth: tuple[Ref, ...]  # the OAuth credentials compared (EXO005: the client-credentials ones); may be empty
    account: str  # the recorded OAuth-authorised accounts, comma-separated ("" when none)
    via: str  # where the OAuth credential came from when not the alias itself
    reason: str
    reported: bool  # `snlint` reports this finding with the same inputs and configuration
    severity: str | None  # the severity it is reported with (None when not reported)
    position: Position  # where the finding points (the Mailbox user name, or the alias for EXO005)
    more: int = 0  # further OAuth credentials with this verdict, counted but not listed in `oauth`

    @property
    def words(self) -> str:
        return VERDICT_WORDS[self.key]


@dataclass
class AliasInventory:
    alias: AliasRow
    connections: list[ConnectionRow] = field(default_factory=list)
    oauth: list[OAuthRow] = field(default_factory=list)
    mailbox: list[MailboxRow] = field(default_factory=list)
    other: list[CredentialRow] = field(default_factory=list)
    deleted: list[DeletedRow] = field(default_factory=list)
    unresolved: list[UnresolvedRow] = field(default_factory=list)
    verdicts: list[VerdictRow] = field(default_factory=list)


@dataclass
class Inventory:
    aliases: list[AliasInventory]
    files: int
    problems: list[Finding]  # inputs that could not be read (their aliases are missing)

    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICT_KEYS, 0)
        for entry in self.aliases:
            for verdict in entry.verdicts:  # a row stands for each OAuth credential it compares, listed or counted
                counts[verdict.key] += 1 if verdict.key == CLIENT_ONLY else max(1, len(verdict.oauth)) + verdict.more
        return counts

    def counts(self) -> dict[str, int]:
        """Distinct records (a credential bound to two aliases counts once)."""
        return {
            "aliases": len(self.aliases),
            "connections": len({row.sys_id for entry in self.aliases for row in entry.connections}),
            "oauth_credentials": len({row.sys_id for entry in self.aliases for row in entry.oauth}),
            "mailbox_credentials": len({row.sys_id for entry in self.aliases for row in entry.mailbox}),
        }


# -- building ---------------------------------------------------------------------------------------------------
Reported = Mapping[tuple[str, tuple[str, int, int]], Finding]  # the run's findings by (rule, place)


def build(spoke: Spoke, findings: Iterable[Finding], files: int) -> Inventory:
    """The inventory of a resolved spoke; `findings` (the run's, after configuration) mark verdicts reported."""
    reported = {(item.rule, _where(item.position)): item for item in findings}
    rules = builtin_rules()
    problem_rules = {rule.id for rule in (bound_rule(rules, kind) for kind in PROBLEM_KINDS) if rule is not None}
    problems = [item for item in reported.values() if item.rule in problem_rules]
    problems.sort(key=lambda item: item.sort_key())
    return Inventory([_alias(spoke, wiring, reported) for wiring in spoke.wirings], files, problems)


def positions(entry: AliasInventory) -> Iterator[Position]:
    """Every position an alias's rows carry."""
    yield entry.alias.position
    for connection in entry.connections:
        yield connection.position
    for oauth in entry.oauth:
        yield oauth.position
        if oauth.identity is not None:
            yield oauth.identity.position
    for mailbox in entry.mailbox:
        yield mailbox.position
        if mailbox.user is not None:
            yield mailbox.user.position
    yield from (row.position for row in entry.other)
    yield from (row.position for row in entry.deleted)
    yield from (row.position for row in entry.unresolved)
    yield from (row.position for row in entry.verdicts)


def touching(inventory: Inventory, paths: set[str]) -> Inventory:
    """Only the aliases whose wiring involves one of `paths`: when files are named on the command line, the rest
    of the repository is read to resolve references (as for linting) but its other aliases are not listed."""
    aliases = [entry for entry in inventory.aliases if any(p.path in paths for p in positions(entry))]
    return Inventory(aliases, inventory.files, inventory.problems)


def _where(position: Position) -> tuple[str, int, int]:
    return (position.path, position.line, position.column)


def _title(record: Record) -> str:
    return record.text("name") or record.text("id")


def _ref(spoke: Spoke, sys_id: str, value: Value | None = None) -> Ref:
    """A reference by sys_id, looked up among live, then deleted, records of the bundle."""
    live = spoke.bundle.get(sys_id)
    if live is not None:
        return Ref(sys_id, live.text("id") or live.text("name"), RESOLVED)
    gone = spoke.bundle.deleted.get(sys_id)
    if gone is not None:
        return Ref(sys_id, gone.text("id") or gone.text("name"), DELETED)
    return Ref(sys_id, (value.display or "") if value is not None else "", MISSING)


def _record_ref(record: Record) -> Ref:
    return Ref(record.sys_id, _title(record), RESOLVED)


def _alias(spoke: Spoke, wiring: Wiring, reported: Reported) -> AliasInventory:
    profile = spoke.profile
    alias = wiring.alias
    parent_value = alias.get(profile.parent_field)
    parent = _ref(spoke, parent_value.text, parent_value) if parent_value is not None and parent_value.text else None
    entry = AliasInventory(
        AliasRow(alias.sys_id, alias.text("id"), alias.text("name"), wiring.is_mailbox_alias, parent, alias.position)
    )
    inactive = {record.sys_id for record in wiring.inactive}  # as the resolution decided
    for connection in sorted(wiring.connections, key=lambda record: record.position):
        value = first_field(connection, profile.connection_credential_fields)
        targets = reference_ids(value)
        entry.connections.append(
            ConnectionRow(
                connection.sys_id,
                connection.table,
                _title(connection),
                connection.sys_id not in inactive,
                tuple(_ref(spoke, target, value if len(targets) == 1 else None) for target in targets),
                connection.position,
            )
        )
    client_only = {record.sys_id for record in wiring.client_only}
    for credential in sorted(wiring.credentials, key=lambda record: record.position):
        active = credential.sys_id not in inactive
        kind = wiring.kinds[credential.sys_id]  # as the resolution decided, for inactive credentials too
        if kind == OAUTH:
            role = INACTIVE if not active else CLIENT_CREDENTIALS if credential.sys_id in client_only else USER_GRANT
            grant, recorded = wiring.grants[credential.sys_id], wiring.recorded[credential.sys_id]
            entry.oauth.append(_oauth_row(spoke, credential, active, role, grant, recorded))
        elif kind == MAILBOX:
            user = credential.get(profile.user_field)
            located = Located(user.text, user.position, profile.user_field) if user is not None else None
            entry.mailbox.append(MailboxRow(
                credential.sys_id, credential.table, _title(credential), active, located, credential.position
            ))
        else:
            entry.other.append(
                CredentialRow(credential.sys_id, credential.table, _title(credential), active, credential.position)
            )
    entry.deleted = sorted(
        (
            DeletedRow(record.sys_id, record.table, _title(record), bound_by, record.position)
            for record, bound_by in wiring.deleted
        ),
        key=lambda row: row.position,
    )
    entry.unresolved = [
        UnresolvedRow(
            dangling.record.sys_id,
            dangling.record.table,
            _title(dangling.record),
            dangling.field,
            dangling.target,
            dangling.deleted,
            dangling.value.position,
        )
        for dangling in wiring.dangling
    ]
    entry.verdicts = [_pair_verdict(group, spoke, reported) for group in wiring.verdicts]
    if wiring.client_credentials_only:
        entry.verdicts.extend(_client_only_verdicts(spoke, wiring, reported))
    return entry


def _oauth_row(
    spoke: Spoke, credential: Record, active: bool, role: str, grant: str, recorded: Recorded | None
) -> OAuthRow:
    profile_value = credential.get(spoke.profile.profile_field)
    profile = (
        _ref(spoke, profile_value.text, profile_value) if profile_value is not None and profile_value.text else None
    )
    identity = (
        Located(
            recorded.identity.text,
            recorded.value.position,
            recorded.field,
            recorded.identity.claim,
            recorded.identity.from_token,
        )
        if recorded is not None
        else None
    )
    return OAuthRow(
        credential.sys_id, credential.table, _title(credential), active, grant, profile, role, identity,
        credential.position,
    )


def _reporting(
    rule: str | None, position: Position, reported: Reported
) -> tuple[bool, str | None]:
    if rule is None:
        return False, None
    finding = reported.get((rule, _where(position)))
    return (finding is not None, finding.severity.value if finding is not None else None)


def _pair_verdict(group: Pairs, spoke: Spoke, reported: Reported) -> VerdictRow:
    from linter.checks.exchange_online import reason, via_words

    rule = outcome_rules().get(group.outcome)
    position = group.first.where.position  # where the EXO rules report the pair
    is_reported, severity = _reporting(rule, position, reported)
    user = group.first.user
    accounts = dict.fromkeys(pair.recorded.identity.text for pair in group.pairs if pair.recorded is not None)
    return VerdictRow(
        group.outcome,
        rule,
        _record_ref(group.first.mailbox),
        user.text if user is not None else "",
        tuple(_record_ref(pair.oauth) for pair in group.pairs if pair.oauth is not None),
        ", ".join(accounts),
        via_words(group),
        reason(group, spoke.profile.oauth_fields),
        is_reported,
        severity,
        position,
        group.more,
    )


def _client_only_verdicts(
    spoke: Spoke, wiring: Wiring, reported: Reported
) -> list[VerdictRow]:
    """EXO005: the alias's Mailbox credentials have only client-credentials OAuth credentials (no user)."""
    position = wiring.where.position  # where EXO005 is reported
    rule = outcome_rules().get(CLIENT_ONLY)
    is_reported, severity = _reporting(rule, position, reported)
    clients = tuple(_record_ref(record) for record in wiring.client_credentials)  # bounded by the input
    rows = []
    for mailbox in wiring.mailbox:
        user = mailbox.get(spoke.profile.user_field)
        rows.append(
            VerdictRow(
                CLIENT_ONLY,
                rule,
                _record_ref(mailbox),
                user.text if user is not None else "",
                clients,
                "",
                "",
                "the only OAuth 2.0 credentials use the client-credentials grant, which has no user to match",
                is_reported,
                severity,
                position,
            )
        )
    return rows


# -- text helpers shared by the reporters ------------------------------------------------------------------------
TOKEN_WITHOUT_ACCOUNT = f"token without {' / '.join(ACCOUNT_CLAIMS)}"  # a recorded ID token that names no account


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


# -- the command ---------------------------------------------------------------------------------------------------
def render(inventory: Inventory, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        from linter.report import inventory_json

        return inventory_json.render(inventory)
    if fmt == "markdown":
        from linter.report import inventory_markdown

        return inventory_markdown.render(inventory)
    if fmt == "mermaid":
        from linter.report import inventory_mermaid

        return inventory_mermaid.render(inventory)
    from linter.report import inventory_text

    return inventory_text.render(inventory, color=color)


def command(options: argparse.Namespace, settings: object) -> int:
    """`snlint inventory`: the same inputs, configuration and exclusions as linting; findings never fail it."""
    from linter.cli import emit, use_color
    from linter.engine import run
    from linter.settings import Settings

    assert isinstance(settings, Settings)
    result = run(options.paths, settings, use_context=not options.no_context, debug=options.debug)
    try:
        assert result.context is not None
        inventory = build(result.context.spoke, result.findings, result.files)
        if result.scope is not None:  # files named: only what they touch is listed
            inventory = touching(inventory, set(result.scope))
        fmt = options.format or "text"
        color = fmt == "text" and use_color(options.color, None if options.output else sys.stdout)
        report = render(inventory, fmt, color=color)
    except Exception as error:  # a bug in snlint: say so, exit 2
        if options.debug:
            traceback.print_exc()
        print(
            f"snlint: error: internal error while building the inventory ({type(error).__name__}); please report "
            "it as a bug with the snlint version (run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    emit(report, options.output)
    if fmt == "mermaid":  # the other formats list the inputs that could not be read; a diagram cannot
        for problem in inventory.problems:
            print(printable(f"snlint: {problem.position}: {problem.rule}: {problem.message}"), file=sys.stderr)
        from linter.report.inventory_mermaid import over_limits

        if too_large := over_limits(report):
            print(f"snlint: warning: the diagram has {too_large}: renderers with default settings (GitHub) will "
                  "not draw it; run the inventory on fewer files", file=sys.stderr)
    return EXIT_ERROR if result.internal_error else EXIT_OK


# -- the bundled examples' inventory (examples/inventory.md, docs/inventory.md) -----------------------------------
EXAMPLES_MARKDOWN = "examples/inventory.md"
DOCS = "docs/inventory.md"
DOC_BLOCKS = {  # marker in docs/inventory.md -> (format, fence)
    "text": ("text", "text"),
    "mermaid": ("mermaid", "mermaid"),
}


def examples_inventory() -> Inventory:
    """The inventory of `examples/` as `snlint inventory examples` builds it with no configuration."""
    from linter.engine import run
    from linter.settings import Settings

    result = run(["examples"], Settings(), use_context=False)
    assert result.context is not None
    return build(result.context.spoke, result.findings, result.files)


def documented_blocks(inventory: Inventory) -> dict[str, str]:
    """The fenced blocks docs/inventory.md shows between `<!-- inventory:NAME -->` markers."""
    return {
        name: f"```{fence}\n{render(inventory, fmt)}```\n" for name, (fmt, fence) in DOC_BLOCKS.items()
    }


def replace_blocks(document: str, blocks: Mapping[str, str]) -> str:
    """`document` with the text between `<!-- inventory:NAME -->` and `<!-- /inventory:NAME -->` replaced."""
    for name, block in blocks.items():
        start, end = f"<!-- inventory:{name} -->\n", f"<!-- /inventory:{name} -->"
        head, found, rest = document.partition(start)
        if not found:
            raise ValueError(f"{DOCS}: marker {start.strip()} not found")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"{DOCS}: marker {end} not found")
        document = head + start + block + end + tail
    return document


def regenerate() -> None:
    """Rewrite examples/inventory.md and the example blocks of docs/inventory.md (run from the repository root)."""
    from linter.report.files import write_atomic

    inventory = examples_inventory()
    write_atomic(EXAMPLES_MARKDOWN, render(inventory, "markdown"))
    with open(DOCS, encoding="utf-8") as handle:
        document = handle.read()
    write_atomic(DOCS, replace_blocks(document, documented_blocks(inventory)))


if __name__ == "__main__":  # run the module's imported copy, the one the reporters import too
    from linter import inventory

    inventory.regenerate()
