"""The inventory's rows: what snlint extracted for the Exchange Online spoke, each with its position.

Only names, user names and recorded accounts are copied into rows: passwords, client secrets and tokens never are
(a recorded ID token contributes its account claim and its position, not its text). The reporters beside
it (text.py, json.py, markdown.py, mermaid.py) import this module, never the build.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from linter.identity import ACCOUNT_CLAIMS
from linter.model import Finding, Position
from linter.spoke import CANNOT_VERIFY, CLIENT_ONLY, DIFFERS, MAY_DIFFER, NOT_COMPARABLE, SAME

# Verdict keys (the spoke's outcomes, stable, used in JSON) and their words, in the order reports list them.
VERDICT_KEYS = (SAME, DIFFERS, MAY_DIFFER, NOT_COMPARABLE, CANNOT_VERIFY, CLIENT_ONLY)
VERDICT_WORDS = {
    SAME: "same account",
    DIFFERS: "differs",
    MAY_DIFFER: "may differ",
    NOT_COMPARABLE: "not comparable",
    CANNOT_VERIFY: "cannot verify",
    CLIENT_ONLY: "client-credentials only",
}
# Roles of an OAuth 2.0 credential for the pairing (JSON `role`).
USER_GRANT, CLIENT_CREDENTIALS, INACTIVE = "user", "client_credentials", "inactive"
# States of a reference (JSON `state`).
RESOLVED, DELETED, MISSING = "resolved", "deleted", "missing"



class Ref(NamedTuple):
    """A reference to another record: its sys_id, a name for people, and whether the inputs hold it."""

    sys_id: str
    name: str  # the target's id or name when resolved, else the export's display value, else ""
    state: str  # RESOLVED, DELETED (the inputs delete it) or MISSING (not in the inputs)


class AliasRow(NamedTuple):
    sys_id: str
    id: str
    name: str
    mailbox_alias: bool
    parent: Ref | None
    position: Position


class ConnectionRow(NamedTuple):
    sys_id: str
    table: str
    name: str
    active: bool
    credentials: tuple[Ref, ...]
    position: Position


class Located(NamedTuple):
    """A user name or recorded account and where its text is (`field` says where it was recorded)."""

    text: str
    position: Position
    field: str = ""
    claim: str = ""  # the token / mapping claim it came from ("upn", "preferred_username", ...), if any
    from_token: bool = False  # read from an ID token (with no text: a token none of whose claims names an account)


class OAuthRow(NamedTuple):
    sys_id: str
    table: str
    name: str
    active: bool
    grant_type: str  # of its OAuth entity profile; "" when unknown
    profile: Ref | None
    role: str  # USER_GRANT (compared with Mailbox users), CLIENT_CREDENTIALS (never compared) or INACTIVE
    identity: Located | None  # the recorded OAuth-authorised account
    position: Position


class MailboxRow(NamedTuple):
    sys_id: str
    table: str
    name: str
    active: bool
    user: Located | None
    position: Position


class CredentialRow(NamedTuple):
    """A credential bound to the alias that is neither OAuth 2.0 nor a Mailbox credential."""

    sys_id: str
    table: str
    name: str
    active: bool
    position: Position


class DeletedRow(NamedTuple):
    """A credential or connection bound to the alias that the inputs delete (an update with action DELETE)."""

    sys_id: str
    table: str
    name: str
    bound_by: str  # "credential alias", "connection" or "connection alias"
    position: Position


class UnresolvedRow(NamedTuple):
    """A reference the resolution needed whose target is not among the live records (CRD001)."""

    sys_id: str
    table: str
    name: str
    field: str
    target: str
    target_deleted: bool
    position: Position


class VerdictRow(NamedTuple):
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


class AliasInventory:
    """One alias and its rows (the inventory's builder fills them in)."""

    __slots__ = ("alias", "connections", "deleted", "mailbox", "oauth", "other", "unresolved", "verdicts")

    def __init__(self, alias: AliasRow) -> None:
        self.alias = alias
        self.connections: list[ConnectionRow] = []
        self.oauth: list[OAuthRow] = []
        self.mailbox: list[MailboxRow] = []
        self.other: list[CredentialRow] = []
        self.deleted: list[DeletedRow] = []
        self.unresolved: list[UnresolvedRow] = []
        self.verdicts: list[VerdictRow] = []


class Inventory(NamedTuple):
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



TOKEN_WITHOUT_ACCOUNT = f"token without {' / '.join(ACCOUNT_CLAIMS)}"  # a recorded ID token that names no account
