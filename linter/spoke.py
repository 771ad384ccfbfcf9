"""The Exchange Online spoke's wiring, resolved from a bundle: aliases, their connections and credentials, and
every (Mailbox credential, OAuth credential) pair with its verdict (exchange-online-spoke.md sections 2-5).

The rules (EXO001-EXO005, CRD001, CRD003) and `snlint inventory` both read this one resolution: what each bound
credential is (inactive ones too), the grant type and recorded account of each OAuth credential, and the deleted
credentials and connections bound to an alias are decided here, once, and only copied by the inventory.

Resolution has no side effects: each alias's wiring is built in one pass into immutable values, then each
Mailbox credential's verdicts are grouped by cause (one group names its first few OAuth credentials and counts the
rest, so output stays linear in the input). This module decides; linter/checks/exchange_online.py words it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Container, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from linter.identity import (
    ACCOUNT_CLAIMS,
    EMPTY,
    UPN,
    Identity,
    Verdict,
    from_claims,
    from_recorded,
    grade,
    loose,
    parse_user,
)
from linter.model import Record, Value
from linter.resolve import Bundle, first_field, reference_ids


class Profile(NamedTuple):
    """Table and field names of the spoke (rules/exchange-online.profile.yaml), plus configured overrides."""

    alias_table: str
    alias_ids: tuple[str, ...]
    alias_names: tuple[str, ...]
    main_alias: str
    mailbox_markers: tuple[str, ...]
    parent_field: str
    connection_tables: tuple[str, ...]
    connection_alias_fields: tuple[str, ...]
    connection_credential_fields: tuple[str, ...]
    oauth_tables: tuple[str, ...]
    mailbox_tables: tuple[str, ...]
    user_bearing_tables: tuple[str, ...]
    credential_tables: tuple[str, ...]
    credential_alias_fields: tuple[str, ...]
    profile_field: str
    user_field: str
    profile_table: str
    grant_field: str
    client_grants: tuple[str, ...]
    oauth_fields: tuple[str, ...]
    equivalent_domains: Mapping[str, str] = MappingProxyType({})

    @classmethod
    def from_data(cls, data: Mapping[str, Any], **overrides: Any) -> Profile:
        aliases, connections = data["aliases"], data["connections"]
        credentials, profiles = data["credentials"], data["profiles"]
        values: dict[str, Any] = {
            "alias_table": aliases["table"],
            "alias_ids": tuple(aliases["ids"]),
            "alias_names": tuple(aliases["names"]),
            "main_alias": aliases["main"],
            "mailbox_markers": tuple(aliases["mailbox"]),
            "parent_field": aliases["parent"],
            "connection_tables": tuple(connections["tables"]),
            "connection_alias_fields": tuple(connections["alias"]),
            "connection_credential_fields": tuple(connections["credential"]),
            "oauth_tables": tuple(credentials["oauth"]),
            "mailbox_tables": tuple(credentials["mailbox"]),
            "user_bearing_tables": tuple(credentials["user_bearing"]),
            "credential_tables": tuple(credentials["all"]),
            "credential_alias_fields": tuple(credentials["alias"]),
            "profile_field": credentials["profile"],
            "user_field": credentials["user"],
            "oauth_fields": tuple(credentials["authorized"]),
            "profile_table": profiles["table"],
            "grant_field": profiles["grant"],
            "client_grants": tuple(profiles["client_grants"]),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def tables(self) -> frozenset[str]:
        return frozenset(
            (self.alias_table, self.profile_table, *self.connection_tables, *self.credential_tables)
        )


class Recorded(NamedTuple):
    """The OAuth-authorised account as recorded on an OAuth 2.0 credential, and where."""

    identity: Identity
    value: Value
    field: str


class Dangling(NamedTuple):
    """A reference whose target is not in the inputs, or is deleted by an update in the inputs."""

    record: Record
    field: str
    value: Value
    target: str
    deleted: bool = False


# Outcomes of a pair: the verdict names rule files bind to (check: {kind: same_identity, outcome: ...}).
SAME, DIFFERS, MAY_DIFFER, NOT_COMPARABLE, CANNOT_VERIFY, CLIENT_ONLY = (
    "same", "differs", "may_differ", "not_comparable", "cannot_verify", "client_credentials_only"
)
OUTCOMES = (DIFFERS, MAY_DIFFER, NOT_COMPARABLE, CANNOT_VERIFY, CLIENT_ONLY)  # rule files bind them to rule ids

# Causes: why a pair has its outcome (the checks word each one).
NO_OAUTH = "no OAuth credential"  # the alias (and its parent and the main alias) has none to compare with
NO_USER = "no user"  # the Mailbox credential has no user name
NOT_UPN = "not a UPN"  # the Mailbox user is DOMAIN\user, .\user or a bare name
NOT_RECORDED = "not recorded"  # no account is recorded on the OAuth credential
TOKEN_WITHOUT_ACCOUNT = "token without account"  # a recorded ID token names no account
RECORDED_NOT_UPN = "recorded not a UPN"  # the recorded account is not a UPN (or an unrecognised token)
DOMAINS_DIFFER = "domains differ"  # same local part, related domains
CLAIM_ONLY = "claim only"  # the OAuth side is known only from a claim that need not be the UPN
LOOKALIKE = "look-alike"  # equal only under full case folding or NFKC
_CAUSES = {
    NO_OAUTH: CANNOT_VERIFY, NO_USER: CANNOT_VERIFY, NOT_UPN: NOT_COMPARABLE, NOT_RECORDED: CANNOT_VERIFY,
    TOKEN_WITHOUT_ACCOUNT: CANNOT_VERIFY, RECORDED_NOT_UPN: CANNOT_VERIFY, DOMAINS_DIFFER: MAY_DIFFER,
    CLAIM_ONLY: MAY_DIFFER, LOOKALIKE: MAY_DIFFER, SAME: SAME, DIFFERS: DIFFERS,
}
SHOWN = 3  # a group of pairs names this many OAuth credentials (and counts the rest)
# Whose OAuth credentials a Mailbox credential was compared with, when not its own alias's (Pairs.via).
PARENT, MAIN = "parent", "main"


class Pair(NamedTuple):
    """One Mailbox credential of an alias against one OAuth credential (or none)."""

    alias: Record
    mailbox: Record
    user: Value | None  # the Mailbox credential's user_name
    oauth: Record | None
    recorded: Recorded | None

    @property
    def where(self) -> Value:
        """Where the pair's finding is reported: the Mailbox credential's user name (or the credential)."""
        return self.user or self.mailbox.where


class Pairs(NamedTuple):
    """The pairs of one Mailbox credential that share a cause: the first SHOWN of them, and how many there are."""

    cause: str
    pairs: tuple[Pair, ...]
    total: int
    via: tuple[str, Record] | None = None  # (PARENT or MAIN, that alias) when the OAuth credentials are not the
    # alias's own
    dangling: tuple[Dangling, ...] = ()  # NO_OAUTH: the alias's references that lead nowhere

    @property
    def outcome(self) -> str:
        return _CAUSES[self.cause]

    @property
    def first(self) -> Pair:
        return self.pairs[0]

    @property
    def more(self) -> int:
        """Pairs with this cause that are counted, not listed."""
        return self.total - len(self.pairs)


# What a credential bound to an alias is, active or not (Wiring.kinds).
OAUTH, MAILBOX, OTHER = "oauth", "mailbox", "other"
# How a deleted credential or connection was bound to an alias (Wiring.deleted).
BY_CREDENTIAL_ALIAS, BY_CONNECTION, BY_CONNECTION_ALIAS = "credential alias", "connection", "connection alias"


class Wiring(NamedTuple):
    """Everything resolved for one Exchange Online alias: its parent and what is bound to it (its connections and
    credentials, decided from the alias's records alone: `_Resolver.bind`), then the verdicts on its Mailbox
    credentials (`resolve_spoke`)."""

    alias: Record
    parent: Record | None
    is_mailbox_alias: bool  # its id or name marks it as the Mailbox (MID) alias
    connections: tuple[Record, ...]
    credentials: tuple[Record, ...]  # every credential bound to it, inactive ones included
    kinds: Mapping[str, str]  # credential sys_id -> OAUTH, MAILBOX or OTHER
    grants: Mapping[str, str]  # OAuth credential sys_id -> grant type ('' unknown)
    recorded: Mapping[str, Recorded | None]  # OAuth credential sys_id -> its account
    oauth: tuple[Record, ...]  # active user-grant (or unknown-grant) OAuth credentials
    client_only: tuple[Record, ...]  # active client-credentials OAuth credentials
    mailbox: tuple[Record, ...]  # active Mailbox credentials
    inactive: tuple[Record, ...]  # inactive connections and credentials (CRD003)
    dangling: tuple[Dangling, ...]
    deleted: tuple[tuple[Record, str], ...]  # credentials and connections bound to it that the inputs delete,
    # and how they were bound (BY_CREDENTIAL_ALIAS, BY_CONNECTION or BY_CONNECTION_ALIAS)
    verdicts: tuple[Pairs, ...] = ()  # per Mailbox credential, its pairs grouped by cause
    client_credentials: tuple[Record, ...] = ()  # the client-credentials OAuth credentials that left it without a
    # user (its own, or those of the parent or main alias it falls back to): EXO005

    @property
    def id(self) -> str:
        return self.alias.text("id") or self.alias.text("name")

    @property
    def where(self) -> Value:
        """Where EXO005 is reported: the alias's name."""
        return self.alias.where

    @property
    def client_credentials_only(self) -> bool:
        """EXO005: its Mailbox credentials can only get an application token (no user to compare)."""
        return bool(self.client_credentials)


def _is_inactive(record: Record) -> bool:
    return record.text("active").strip().lower() == "false"


class Spoke(NamedTuple):
    """The spoke's wiring, resolved from a bundle once per run (resolve_spoke)."""

    bundle: Bundle
    profile: Profile
    wirings: tuple[Wiring, ...]


class _Resolver:
    """Indexes the bundle once; `bind` reads one alias's records (every lookup by sys_id, no rescans)."""

    def __init__(self, bundle: Bundle, profile: Profile) -> None:
        self.bundle = bundle
        self.profile = profile
        self._credentials_by_alias = self._index_credentials(bundle.table(*profile.credential_tables))
        self._connections_by_alias = self._index_connections(bundle.table(*profile.connection_tables))
        # the same bindings among the records the inputs delete (Wiring.deleted)
        deleted = bundle.deleted.values()
        self._deleted_credentials_by_alias = self._index_credentials(
            record for record in deleted if record.table in profile.credential_tables
        )
        self._deleted_connections_by_alias = self._index_connections(
            record for record in deleted if record.table in profile.connection_tables
        )

    def aliases(self) -> list[Record]:
        """The spoke's aliases and every descendant through `parent`, each alias visited once."""
        profile = self.profile
        candidates = self.bundle.table(profile.alias_table)
        children: dict[str, list[Record]] = {}
        for alias in candidates:
            children.setdefault(alias.text(profile.parent_field), []).append(alias)
        queue = deque(
            alias
            for alias in candidates
            if alias.text("id").startswith(profile.alias_ids) or alias.text("name") in profile.alias_names
            or alias.text("id") in profile.alias_names
        )
        chosen = {alias.sys_id for alias in queue}
        while queue:  # children (through parent) of a spoke alias belong to the spoke
            for child in children.get(queue.popleft().sys_id, ()):
                if child.sys_id not in chosen:
                    chosen.add(child.sys_id)
                    queue.append(child)
        return sorted((alias for alias in candidates if alias.sys_id in chosen), key=lambda a: (a.path, a.position))

    def _index_credentials(self, records: Iterable[Record]) -> dict[str, list[Record]]:
        """Credentials by the sys_id of each alias their credential alias (`tag`) lists."""
        index: dict[str, list[Record]] = {}
        for credential in records:
            for alias_id in reference_ids(first_field(credential, self.profile.credential_alias_fields)):
                index.setdefault(alias_id, []).append(credential)
        return index

    def _index_connections(self, records: Iterable[Record]) -> dict[str, list[Record]]:
        """Connections by the sys_id of their `connection_alias`."""
        index: dict[str, list[Record]] = {}
        for connection in records:
            alias_ref = first_field(connection, self.profile.connection_alias_fields)
            if alias_ref is not None and alias_ref.text.strip():
                index.setdefault(alias_ref.text.strip(), []).append(connection)
        return index

    def is_mailbox_alias(self, alias: Record) -> bool:
        """An alias whose id or name has a Mailbox marker as a whole word (`..._MID`, `... MID`; not `Midwest`)."""
        words = set(re.split(r"[^A-Z0-9]+", f"{alias.text('id')} {alias.text('name')}".upper()))
        return any(marker.upper() in words for marker in self.profile.mailbox_markers)

    def _missing(self, record: Record, name: str, value: Value, target: str) -> Dangling:
        return Dangling(record, name, value, target, target in self.bundle.deleted)

    def bind(self, alias: Record) -> Wiring:
        """The alias's parent and what is bound to it, in one pass (no verdicts yet)."""
        profile, bundle = self.profile, self.bundle
        mailbox_alias = self.is_mailbox_alias(alias)
        dangling: list[Dangling] = []
        parent_value = alias.get(profile.parent_field)
        parent = bundle.get(parent_value.text) if parent_value is not None and parent_value.text else None
        if parent_value is not None and parent_value.text and parent is None:
            dangling.append(self._missing(alias, profile.parent_field, parent_value, parent_value.text))
        bound_deleted: dict[str, tuple[Record, str]] = {}  # by sys_id; the first binding found names it
        for record in self._deleted_credentials_by_alias.get(alias.sys_id, ()):
            bound_deleted.setdefault(record.sys_id, (record, BY_CREDENTIAL_ALIAS))
        connections: list[Record] = []
        inactive: list[Record] = []
        credentials: dict[str, Record] = {}
        for connection in self._connections_by_alias.get(alias.sys_id, ()):
            connections.append(connection)
            credential_ref = first_field(connection, profile.connection_credential_fields)
            targets = reference_ids(credential_ref)
            for target in targets:  # deleted credentials it names (an inactive connection's too)
                removed = bundle.deleted.get(target)
                if removed is not None and removed.table in profile.credential_tables:
                    bound_deleted.setdefault(target, (removed, BY_CONNECTION))
            if _is_inactive(connection):
                inactive.append(connection)
                continue
            for target in targets:
                credential = bundle.get(target)
                if credential is None:
                    assert credential_ref is not None
                    dangling.append(self._missing(connection, "credential", credential_ref, target))
                elif credential.table in profile.credential_tables:
                    credentials.setdefault(credential.sys_id, credential)
        for record in self._deleted_connections_by_alias.get(alias.sys_id, ()):
            bound_deleted.setdefault(record.sys_id, (record, BY_CONNECTION_ALIAS))
        for credential in self._credentials_by_alias.get(alias.sys_id, ()):
            credentials.setdefault(credential.sys_id, credential)
        kinds: dict[str, str] = {}
        grants: dict[str, str] = {}
        recorded: dict[str, Recorded | None] = {}
        oauth: list[Record] = []
        client_only: list[Record] = []
        mailbox: list[Record] = []
        for credential in credentials.values():
            kind = kinds[credential.sys_id] = self._kind(credential, mailbox_alias)
            active = not _is_inactive(credential)
            if kind == OAUTH:
                grant, missing = self._grant(credential)
                grants[credential.sys_id] = grant
                recorded[credential.sys_id] = self._recorded_identity(credential)
                if missing is not None and active:  # an inactive credential's missing profile: the spoke ignores it
                    dangling.append(missing)
            if not active:
                inactive.append(credential)
            elif kind == OAUTH:
                (client_only if grants[credential.sys_id] in profile.client_grants else oauth).append(credential)
            elif kind == MAILBOX:
                mailbox.append(credential)
        return Wiring(
            alias, parent, mailbox_alias,
            tuple(connections), tuple(credentials.values()), kinds, grants, recorded, tuple(oauth),
            tuple(client_only), tuple(mailbox), tuple(inactive), tuple(dangling), tuple(bound_deleted.values()),
        )

    def _kind(self, credential: Record, mailbox_alias: bool) -> str:
        """OAUTH, MAILBOX (a Mailbox credential table, or a user-bearing one of a Mailbox alias) or OTHER."""
        profile = self.profile
        if credential.table in profile.oauth_tables:
            return OAUTH
        if credential.table in profile.mailbox_tables or (
            mailbox_alias and credential.table in profile.user_bearing_tables
        ):
            return MAILBOX
        return OTHER

    def _grant(self, credential: Record) -> tuple[str, Dangling | None]:
        """The grant type of an OAuth credential's profile ('' when unknown), and its profile reference when that
        leads nowhere."""
        reference = credential.get(self.profile.profile_field)
        if reference is None or not reference.text:
            return "", None
        profile_record = self.bundle.get(reference.text)
        if profile_record is None:
            return "", self._missing(credential, self.profile.profile_field, reference, reference.text)
        return profile_record.text(self.profile.grant_field).strip(), None

    def _recorded_identity(self, credential: Record) -> Recorded | None:
        """The Microsoft account recorded on an OAuth 2.0 credential (section 3 of exchange-online-spoke.md)."""
        fields = credential.fields
        claims = {
            claim: fields[f"authorized_as.{claim}"].text
            for claim in ACCOUNT_CLAIMS
            if f"authorized_as.{claim}" in fields
        }
        if claims:
            identity = from_claims(claims)
            if identity is not None:
                return Recorded(identity, fields[f"authorized_as.{identity.claim}"], "authorized_as")
        for name in ("authorized_as", *self.profile.oauth_fields):
            value = fields.get(name)
            if value is not None and value.text.strip():
                return Recorded(from_recorded(value.text), value, name)
        return None


def resolve_spoke(bundle: Bundle, profile: Profile) -> Spoke:
    """Every Exchange Online alias's wiring: bindings first (one pass per alias), then its grouped verdicts."""
    resolver = _Resolver(bundle, profile)
    aliases = resolver.aliases()
    bound = {alias.sys_id: resolver.bind(alias) for alias in aliases}
    main = next((alias for alias in aliases if alias.text("id") == profile.main_alias), None)
    wirings = []
    seen: set[tuple[str, str]] = set()  # (Mailbox credential, alias whose OAuth credentials it was compared with)
    comparers: dict[str, _Comparer] = {}  # by that alias: many children may fall back to one parent or main alias
    for wiring in bound.values():
        alias = wiring.alias
        link, link_id, via = _oauth_for(alias, wiring.parent, bound, main)  # via: None for the alias itself
        verdicts: list[Pairs] = []
        client_credentials: tuple[Record, ...] = ()
        if wiring.mailbox:
            if link is not None and not link.oauth:
                client_credentials = link.client_only
            if not client_credentials:
                comparer = comparers.get(link_id) or comparers.setdefault(
                    link_id, _Comparer(link.oauth if link else (), link.recorded if link else {}, profile)
                )
                for mailbox in wiring.mailbox:
                    if (mailbox.sys_id, link_id) in seen:
                        continue
                    seen.add((mailbox.sys_id, link_id))
                    verdicts.extend(comparer.verdicts(alias, mailbox, via, wiring.dangling))
        wirings.append(wiring._replace(verdicts=tuple(verdicts), client_credentials=client_credentials))
    return Spoke(bundle, profile, tuple(wirings))


def _oauth_for(
    alias: Record, parent: Record | None, bound: Mapping[str, Wiring], main: Record | None,
) -> tuple[Wiring | None, str, tuple[str, Record] | None]:
    """Whose OAuth credentials an alias uses: its own, else its parent's, else the main alias's (section 4.3).

    The first alias of that chain with any OAuth 2.0 credential decides (with its sys_id, and its role: None for the
    alias itself). When all of them use the client-credentials grant (its `oauth` is empty, its `client_only` is
    not: EXO005), there is nothing to pair with, as the Mailbox actions would run with that alias's application-only
    token.
    """
    chain: list[tuple[Record, tuple[str, Record] | None]] = [(alias, None)]
    if parent is not None and parent.sys_id in bound:
        chain.append((parent, (PARENT, parent)))
    if main is not None and main.sys_id not in (alias.sys_id, parent.sys_id if parent is not None else ""):
        chain.append((main, (MAIN, main)))
    for record, via in chain:
        link = bound[record.sys_id]
        if link.oauth or link.client_only:
            return link, record.sys_id, via
    return None, "", None


class _Comparer:
    """Grades Mailbox users against one alias's OAuth credentials without comparing every pair: an OAuth account
    whose local part and loose form differ from the Mailbox user's differs (or, known only from a weak claim, may
    differ) whatever its domain, so only the OAuth credentials indexed under the user's local part or loose form
    are graded one by one; the rest are counted and the first few named."""

    def __init__(self, oauth: tuple[Record, ...], recorded: Mapping[str, Recorded | None], profile: Profile) -> None:
        self.oauth = oauth
        self.recorded = recorded
        self.equivalent = profile.equivalent_domains
        self.user_field = profile.user_field
        self.unverifiable: dict[str, list[int]] = {}  # cause -> indexes into oauth
        self.proven: list[int] = []  # indexes of accounts recorded as a UPN (or the upn claim)
        self.weak: list[int] = []  # known only from a claim that need not be the UPN
        self.by_key: dict[str, list[int]] = {}  # local part / loose form -> indexes of UPN-shaped accounts
        for index, credential in enumerate(oauth):
            found = recorded.get(credential.sys_id)
            cause = self._unverifiable(found)
            if cause:
                self.unverifiable.setdefault(cause, []).append(index)
                continue
            assert found is not None
            (self.proven if found.identity.proven else self.weak).append(index)
            identity = found.identity
            for key in dict.fromkeys((f"l:{identity.local}", f"k:{loose(identity.text)}")):
                self.by_key.setdefault(key, []).append(index)
        self.proven_set = frozenset(self.proven)

    @staticmethod
    def _unverifiable(found: Recorded | None) -> str:
        if found is None or (found.identity.shape == EMPTY and not found.identity.from_token):
            return NOT_RECORDED
        if found.identity.shape == EMPTY:
            return TOKEN_WITHOUT_ACCOUNT
        if found.identity.shape != UPN:
            return RECORDED_NOT_UPN
        return ""

    def verdicts(
        self, alias: Record, mailbox: Record, via: tuple[str, Record] | None, dangling: tuple[Dangling, ...]
    ) -> Iterator[Pairs]:
        user = mailbox.get(self.user_field)
        identity = parse_user(user.text if user is not None else "")

        def pairs(cause: str, indexes: Iterable[int], total: int) -> Pairs:
            compared = cause not in (NO_USER, NOT_UPN)  # else the OAuth side's account plays no part
            listed = tuple(
                Pair(alias, mailbox, user, self.oauth[i], self.recorded.get(self.oauth[i].sys_id) if compared else None)
                for i in indexes
            )
            return Pairs(cause, listed, total, via)

        if not self.oauth:
            cause = NOT_UPN if identity.shape not in (UPN, EMPTY) else NO_OAUTH
            yield Pairs(cause, (Pair(alias, mailbox, user, None, None),), 1, dangling=dangling)
            return
        if identity.shape != UPN:
            everything = range(len(self.oauth))
            yield pairs(NO_USER if identity.shape == EMPTY else NOT_UPN, everything[:SHOWN], len(self.oauth))
            return
        graded: dict[int, str] = {}  # the OAuth credentials under the user's local part or loose form -> cause
        for key in dict.fromkeys((f"l:{identity.local}", f"k:{loose(identity.text)}")):
            for index in self.by_key.get(key, ()):
                if index not in graded:
                    graded[index] = self._cause(identity, index)
        groups = {cause: indexes[:SHOWN] for cause, indexes in self.unverifiable.items()}
        totals = {cause: len(indexes) for cause, indexes in self.unverifiable.items()}
        for index, cause in sorted(graded.items()):
            groups.setdefault(cause, []).append(index)
            totals[cause] = totals.get(cause, 0) + 1
        graded_proven = sum(1 for index in graded if index in self.proven_set)
        for cause, rest, ungraded in (
            (DIFFERS, self.proven, len(self.proven) - graded_proven),
            (CLAIM_ONLY, self.weak, len(self.weak) - (len(graded) - graded_proven)),
        ):
            if ungraded:  # the rest of that list differs (or may differ) whatever the domain
                groups[cause] = sorted([*groups.get(cause, [])[:SHOWN], *_first_not_in(rest, graded, SHOWN)])
                totals[cause] = totals.get(cause, 0) + ungraded
        for cause in sorted(groups, key=lambda name: groups[name][0]):
            yield pairs(cause, groups[cause][:SHOWN], totals[cause])

    def _cause(self, mailbox: Identity, index: int) -> str:
        found = self.recorded[self.oauth[index].sys_id]
        assert found is not None
        verdict = grade(mailbox, found.identity, self.equivalent)
        if verdict is Verdict.SAME:
            return SAME
        if verdict is Verdict.DIFFERS:
            return DIFFERS
        if verdict is Verdict.LOOKALIKE:
            return LOOKALIKE
        return DOMAINS_DIFFER if found.identity.proven else CLAIM_ONLY


def _first_not_in(indexes: list[int], skip: Container[int], count: int) -> list[int]:
    """The first `count` of `indexes` not in `skip` (reads at most count + len(skip) of them)."""
    chosen: list[int] = []
    for index in indexes:
        if len(chosen) == count:
            break
        if index not in skip:
            chosen.append(index)
    return chosen
