"""Building the inventory from the one resolution in linter/spoke.py (the same `Spoke` the EXO/CRD rules read):
the rows are read from it, never recomputed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from linter.checks.exchange_online import reason, via_words
from linter.inventory.model import (
    CLIENT_CREDENTIALS,
    DELETED,
    INACTIVE,
    MISSING,
    RESOLVED,
    USER_GRANT,
    AliasInventory,
    AliasRow,
    ConnectionRow,
    CredentialRow,
    DeletedRow,
    Inventory,
    Located,
    MailboxRow,
    OAuthRow,
    Ref,
    UnresolvedRow,
    VerdictRow,
    positions,
)
from linter.model import Finding, Position, Record, Value
from linter.resolve import first_field, reference_ids
from linter.ruleset import bound_rule, builtin_rules, outcome_rules
from linter.spoke import CLIENT_ONLY, MAILBOX, OAUTH, Pairs, Recorded, Spoke, Wiring

# Input problems worth showing next to an inventory: a file that could not be read hides its aliases.
PROBLEM_KINDS = ("internal", "unparseable", "refused")
Reported = Mapping[tuple[str, tuple[str, int, int]], Finding]  # the run's findings by (rule, place)


def build(spoke: Spoke, findings: Iterable[Finding], files: int) -> Inventory:
    """The inventory of a resolved spoke; `findings` (the run's, after configuration) mark verdicts reported."""
    reported = {(item.rule, _where(item.position)): item for item in findings}
    rules = builtin_rules()
    problem_rules = {rule.id for rule in (bound_rule(rules, kind) for kind in PROBLEM_KINDS) if rule is not None}
    problems = [item for item in reported.values() if item.rule in problem_rules]
    problems.sort(key=lambda item: item.sort_key())
    return Inventory([_alias(spoke, wiring, reported) for wiring in spoke.wirings], files, problems)


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
