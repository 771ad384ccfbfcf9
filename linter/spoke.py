"""The Exchange Online spoke's wiring, resolved from a bundle: aliases, their connections and credentials, and
every (Mailbox credential, OAuth credential) pair with its verdict (exchange-online-spoke.md sections 2-5).

The rules (EXO001-EXO005, CRD001, CRD003) and `snlint inventory` both read this one resolution: what each bound
credential is (inactive ones too), the grant type and recorded account of each OAuth credential, and the deleted
credentials and connections bound to an alias are decided here, once, and only copied by the inventory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from linter.identity import (
    ACCOUNT_CLAIMS,
    EMPTY,
    UPN,
    Identity,
    Verdict,
    from_claims,
    from_recorded,
    grade,
    parse_user,
)
from linter.model import Record, Value
from linter.resolve import Bundle, first_field, reference_ids


@dataclass(frozen=True)
class Profile:
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
    oauth_fields: tuple[str, ...] = ("u_authorized_as",)
    equivalent_domains: Mapping[str, str] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Recorded:
    """The OAuth-authorised account as recorded on an OAuth 2.0 credential, and where."""

    identity: Identity
    value: Value
    field: str


@dataclass(frozen=True)
class Dangling:
    """A reference whose target is not in the inputs, or is deleted by an update in the inputs."""

    record: Record
    field: str
    value: Value
    target: str
    deleted: bool = False

    @property
    def problem(self) -> str:
        return "which an update in the inputs deletes" if self.deleted else "which is not in the inputs"


# Pair outcomes: SAME (same account), or the verdict that rule files bind to a rule (check: {kind: same_identity,
# outcome: ...}).
SAME = "same"
DIFFERS, MAY_DIFFER, NOT_COMPARABLE = "differs", "may_differ", "not_comparable"
CANNOT_VERIFY, CLIENT_CREDENTIALS_ONLY = "cannot_verify", "client_credentials_only"
OUTCOMES = (DIFFERS, MAY_DIFFER, NOT_COMPARABLE, CANNOT_VERIFY, CLIENT_CREDENTIALS_ONLY)


@dataclass(frozen=True)
class Pair:
    """One Mailbox credential of an alias against one OAuth credential (or the reason there is none)."""

    alias: Record
    mailbox: Record
    user: Value | None  # the Mailbox credential's user_name
    oauth: Record | None
    recorded: Recorded | None
    outcome: str  # SAME or one of OUTCOMES
    reason: str  # why, in words, for messages
    via: str = ""  # where the OAuth credential came from when not the alias itself ("parent 'X'", ...)

    @property
    def where(self) -> Value:
        """Where the pair's finding is reported: the Mailbox credential's user name (or the credential)."""
        return self.user or self.mailbox.where


# What a credential bound to an alias is, active or not (Wiring.kinds).
OAUTH, MAILBOX, OTHER = "oauth", "mailbox", "other"
# How a deleted credential or connection was bound to an alias (Wiring.deleted).
BY_CREDENTIAL_ALIAS, BY_CONNECTION, BY_CONNECTION_ALIAS = "credential alias", "connection", "connection alias"


@dataclass
class Wiring:
    """Everything resolved for one Exchange Online alias."""

    alias: Record
    parent: Record | None
    is_mailbox_alias: bool
    connections: list[Record] = field(default_factory=list)
    credentials: list[Record] = field(default_factory=list)  # every credential bound to it, inactive ones included
    kinds: dict[str, str] = field(default_factory=dict)  # credential sys_id -> OAUTH, MAILBOX or OTHER
    grants: dict[str, str] = field(default_factory=dict)  # OAuth credential sys_id -> grant type ('' when unknown)
    recorded: dict[str, Recorded | None] = field(default_factory=dict)  # OAuth credential sys_id -> its account
    oauth: list[Record] = field(default_factory=list)  # active user-grant (or unknown-grant) OAuth credentials
    client_only: list[Record] = field(default_factory=list)  # active client-credentials OAuth credentials
    mailbox: list[Record] = field(default_factory=list)  # active Mailbox credentials
    inactive: list[Record] = field(default_factory=list)  # inactive connections and credentials (CRD003)
    pairs: list[Pair] = field(default_factory=list)
    client_credentials: list[Record] = field(default_factory=list)  # the client-credentials OAuth credentials that
    # left it without a user (its own, or those of the parent or main alias it falls back to): EXO005
    dangling: list[Dangling] = field(default_factory=list)
    deleted: list[tuple[Record, str]] = field(default_factory=list)  # credentials and connections bound to it that
    # the inputs delete, and how they were bound (BY_CREDENTIAL_ALIAS, BY_CONNECTION or BY_CONNECTION_ALIAS)

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


class Spoke:
    """Resolves the spoke's wiring from a bundle, once per run."""

    def __init__(self, bundle: Bundle, profile: Profile) -> None:
        self.bundle = bundle
        self.profile = profile
        self.aliases = self._aliases()
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
        self.wirings = [self._wire(alias) for alias in self.aliases]

    # -- aliases ------------------------------------------------------------------------------------------------
    def _aliases(self) -> list[Record]:
        profile = self.profile
        candidates = self.bundle.table(profile.alias_table)
        chosen = {
            alias.sys_id
            for alias in candidates
            if alias.text("id").startswith(profile.alias_ids) or alias.text("name") in profile.alias_names
            or alias.text("id") in profile.alias_names
        }
        grew = True
        while grew:  # children (through parent) of a spoke alias belong to the spoke
            grew = False
            for alias in candidates:
                if alias.sys_id not in chosen and alias.text(profile.parent_field) in chosen:
                    chosen.add(alias.sys_id)
                    grew = True
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

    def by_alias_id(self, alias_id: str) -> Record | None:
        for alias in self.aliases:
            if alias.text("id") == alias_id:
                return alias
        return None

    # -- one alias ----------------------------------------------------------------------------------------------
    def _wire(self, alias: Record) -> Wiring:
        profile, bundle = self.profile, self.bundle
        parent_value = alias.get(profile.parent_field)
        parent = bundle.get(parent_value.text) if parent_value is not None and parent_value.text else None
        wiring = Wiring(alias, parent, self.is_mailbox_alias(alias))
        if parent_value is not None and parent_value.text and parent is None:
            deleted = parent_value.text in bundle.deleted
            wiring.dangling.append(Dangling(alias, profile.parent_field, parent_value, parent_value.text, deleted))
        bound_deleted: dict[str, tuple[Record, str]] = {}  # by sys_id; the first binding found names it
        for record in self._deleted_credentials_by_alias.get(alias.sys_id, ()):
            bound_deleted.setdefault(record.sys_id, (record, BY_CREDENTIAL_ALIAS))
        credentials: dict[str, Record] = {}
        for connection in self._connections_by_alias.get(alias.sys_id, ()):
            wiring.connections.append(connection)
            credential_ref = first_field(connection, profile.connection_credential_fields)
            targets = reference_ids(credential_ref)
            for target in targets:  # deleted credentials it names (an inactive connection's too)
                removed = bundle.deleted.get(target)
                if removed is not None and removed.table in profile.credential_tables:
                    bound_deleted.setdefault(target, (removed, BY_CONNECTION))
            if _is_inactive(connection):
                wiring.inactive.append(connection)
                continue
            for target in targets:
                credential = bundle.get(target)
                if credential is None:
                    assert credential_ref is not None
                    deleted = target in bundle.deleted
                    wiring.dangling.append(Dangling(connection, "credential", credential_ref, target, deleted))
                elif credential.table in profile.credential_tables:
                    credentials.setdefault(credential.sys_id, credential)
        for record in self._deleted_connections_by_alias.get(alias.sys_id, ()):
            bound_deleted.setdefault(record.sys_id, (record, BY_CONNECTION_ALIAS))
        wiring.deleted = list(bound_deleted.values())
        for credential in self._credentials_by_alias.get(alias.sys_id, ()):
            credentials.setdefault(credential.sys_id, credential)
        for credential in credentials.values():
            wiring.credentials.append(credential)
            kind = wiring.kinds[credential.sys_id] = self._kind(credential, wiring.is_mailbox_alias)
            active = not _is_inactive(credential)
            if kind == OAUTH:  # an inactive credential's missing profile is no CRD001: the spoke ignores it
                grant = wiring.grants[credential.sys_id] = self.grant(credential, wiring if active else None)
                wiring.recorded[credential.sys_id] = self.recorded_identity(credential)
            if not active:
                wiring.inactive.append(credential)
            elif kind == OAUTH:
                (wiring.client_only if grant in profile.client_grants else wiring.oauth).append(credential)
            elif kind == MAILBOX:
                wiring.mailbox.append(credential)
        return wiring

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

    def grant(self, credential: Record, wiring: Wiring | None = None) -> str:
        """The grant type of an OAuth credential's profile ('' when unknown)."""
        reference = credential.get(self.profile.profile_field)
        if reference is None or not reference.text:
            return ""
        profile_record = self.bundle.get(reference.text)
        if profile_record is None:
            if wiring is not None:
                deleted = reference.text in self.bundle.deleted
                wiring.dangling.append(
                    Dangling(credential, self.profile.profile_field, reference, reference.text, deleted)
                )
            return ""
        return profile_record.text(self.profile.grant_field).strip()

    def recorded_identity(self, credential: Record) -> Recorded | None:
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


def pair(spoke: Spoke) -> None:
    """Fill every wiring's pairs: each Mailbox credential against each OAuth credential it should match."""
    seen: set[tuple[str, str]] = set()
    main = spoke.by_alias_id(spoke.profile.main_alias)
    by_id = {wiring.alias.sys_id: wiring for wiring in spoke.wirings}
    for wiring in spoke.wirings:
        if not wiring.mailbox:
            continue
        link, via = _oauth_for(wiring, by_id, main)
        oauth = link.oauth if link is not None else []
        recorded = link.recorded if link is not None else {}  # the accounts on them, as the wiring read them
        if link is not None and not oauth:
            wiring.client_credentials = link.client_only
        for mailbox in wiring.mailbox:
            user = mailbox.get(spoke.profile.user_field)
            if not oauth:
                key = (mailbox.sys_id, "")
                if key not in seen and not wiring.client_credentials_only:
                    seen.add(key)
                    wiring.pairs.append(_unpaired(spoke, wiring, mailbox, user))
                continue
            for credential in oauth:
                key = (mailbox.sys_id, credential.sys_id)
                if key in seen:
                    continue
                seen.add(key)
                wiring.pairs.append(
                    _compare(spoke, wiring.alias, mailbox, user, credential, recorded[credential.sys_id], via)
                )


def _oauth_for(wiring: Wiring, by_id: Mapping[str, Wiring], main: Record | None) -> tuple[Wiring | None, str]:
    """Whose OAuth credentials an alias uses: its own, else its parent's, else the main alias's (section 4.3).

    The first alias of that chain with any OAuth 2.0 credential decides (with where it is, "" for the alias itself):
    when all of them use the client-credentials grant (its `oauth` is empty, its `client_only` is not: EXO005),
    there is nothing to pair with, as the Mailbox actions would run with that alias's application-only token.
    """
    chain: list[tuple[Wiring, str]] = [(wiring, "")]
    if wiring.parent is not None and wiring.parent.sys_id in by_id:
        chain.append((by_id[wiring.parent.sys_id], f"parent alias {wiring.parent.label}"))
    if main is not None and main.sys_id in by_id and all(main.sys_id != w.alias.sys_id for w, _ in chain):
        chain.append((by_id[main.sys_id], f"main alias {main.label}"))
    for link, via in chain:
        if link.oauth or link.client_only:  # the first alias of the chain that has OAuth credentials decides
            return link, via
    return None, ""


def _unpaired(spoke: Spoke, wiring: Wiring, mailbox: Record, user: Value | None) -> Pair:
    dangling = "; ".join(
        f"{d.record.table} {d.record.label} field '{d.field}' points to {d.target}, {d.problem}"
        for d in wiring.dangling
    )
    reason = (
        f"alias '{wiring.id}' has no OAuth 2.0 credential (authorization code) to compare with"
        + (f" ({dangling})" if dangling else "")
        + ": add the OAuth 2.0 credential (or its export) to the inputs"
    )
    mailbox_identity = parse_user(user.text if user is not None else "")
    if mailbox_identity.shape not in (UPN, EMPTY):
        return Pair(wiring.alias, mailbox, user, None, None, NOT_COMPARABLE, _not_upn(mailbox_identity))
    return Pair(wiring.alias, mailbox, user, None, None, CANNOT_VERIFY, reason)


_SHAPES = {"downlevel": "a down-level DOMAIN\\user name", "local": "a local .\\user name", "bare": "a bare user name"}


def _not_upn(identity: Identity) -> str:
    return (
        f"user '{identity.text}' is {_SHAPES.get(identity.shape, identity.shape)}, not an Entra ID UPN "
        "(user@domain), so it cannot be compared with the Microsoft account that authorised the OAuth 2.0 credential"
    )


def _compare(
    spoke: Spoke, alias: Record, mailbox: Record, user: Value | None, oauth: Record, recorded: Recorded | None, via: str
) -> Pair:
    mailbox_identity = parse_user(user.text if user is not None else "")
    if mailbox_identity.shape == EMPTY:
        return Pair(alias, mailbox, user, oauth, None, CANNOT_VERIFY, "the Mailbox credential has no user name", via)
    if mailbox_identity.shape != UPN:
        return Pair(alias, mailbox, user, oauth, None, NOT_COMPARABLE, _not_upn(mailbox_identity), via)
    if recorded is None or recorded.identity.shape == EMPTY:
        fields = " or ".join(spoke.profile.oauth_fields)
        what = (
            f"its token carries no {' / '.join(ACCOUNT_CLAIMS)} claim"
            if recorded is not None and recorded.identity.from_token
            else "no Microsoft account is recorded on it"
        )
        reason = (
            f"cannot verify: OAuth 2.0 credential {oauth.label} is paired with it but {what}; record the account "
            f"that signed in at 'Get OAuth Token' in the credential's {fields} field (or `authorized_as` in a "
            "YAML/JSON credential export)"
        )
        return Pair(alias, mailbox, user, oauth, recorded, CANNOT_VERIFY, reason, via)
    if recorded.identity.shape != UPN:
        reason = (
            f"cannot verify: the account recorded on OAuth 2.0 credential {oauth.label} "
            f"('{recorded.identity.text}') is not a UPN; record the UPN that signed in at 'Get OAuth Token'"
        )
        return Pair(alias, mailbox, user, oauth, recorded, CANNOT_VERIFY, reason, via)
    verdict = grade(mailbox_identity, recorded.identity, spoke.profile.equivalent_domains)
    outcome = {
        Verdict.SAME: SAME,
        Verdict.DIFFERS: DIFFERS,
        Verdict.MAYBE: MAY_DIFFER,
        Verdict.NOT_COMPARABLE: CANNOT_VERIFY,
    }[verdict]
    return Pair(alias, mailbox, user, oauth, recorded, outcome, verdict.value, via)


def resolve_spoke(bundle: Bundle, profile: Profile) -> Spoke:
    spoke = Spoke(bundle, profile)
    pair(spoke)
    return spoke

