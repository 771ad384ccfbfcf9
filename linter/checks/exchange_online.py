"""Exchange Online spoke checks: the identity pairs (EXO001-EXO005), unresolved references (CRD001) and inactive
bindings (CRD003), all read from the one resolution in linter/spoke.py. linter/spoke.py decides; every word of
these findings (and the inventory's reasons) is written here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from linter.checks import Context, Kind, finding
from linter.identity import ACCOUNT_CLAIMS, EMPTY, TOKEN, lookalike_characters, parse_user
from linter.model import Finding, Record, Rule, Value
from linter.spoke import (
    CLAIM_ONLY,
    CLIENT_ONLY,
    DIFFERS,
    DOMAINS_DIFFER,
    LOOKALIKE,
    NO_OAUTH,
    NO_USER,
    NOT_RECORDED,
    NOT_UPN,
    OUTCOMES,
    RECORDED_NOT_UPN,
    SAME,
    SHOWN,
    TOKEN_WITHOUT_ACCOUNT,
    Dangling,
    Pair,
    Pairs,
)


def listing(names: Sequence[str], total: int, separator: str = ", ") -> str:
    """`a, b, c and 7 more`: a message names at most a few of many things and counts the rest."""
    shown = separator.join(names[:SHOWN])
    more = total - min(len(names), SHOWN)
    return f"{shown} and {more} more" if more > 0 else shown


def _problem(dangling: Dangling) -> str:
    return "which an update in the inputs deletes" if dangling.deleted else "which is not in the inputs"


_SHAPES = {"downlevel": "a down-level DOMAIN\\user name", "local": "a local .\\user name", "bare": "a bare user name"}


def reason(group: Pairs, oauth_fields: Iterable[str]) -> str:
    """Why a Mailbox credential's pairs have their outcome, in words (messages and the inventory's `reason`)."""
    pair = group.first
    cause = group.cause
    if cause == NO_OAUTH:
        dangling = listing(
            [f"{d.record.table} {d.record.label} field '{d.field}' points to {d.target}, {_problem(d)}"
             for d in group.dangling[:SHOWN]],
            len(group.dangling),
            "; ",
        )
        return (
            f"alias '{_alias(pair)}' has no OAuth 2.0 credential (authorization code) to compare with"
            + (f" ({dangling})" if dangling else "")
            + ": add the OAuth 2.0 credential (or its export) to the inputs"
        )
    if cause == NOT_UPN:
        identity = parse_user(pair.user.text if pair.user is not None else "")
        return (
            f"user '{identity.text}' is {_SHAPES.get(identity.shape, identity.shape)}, not an Entra ID UPN "
            "(user@domain), so it cannot be compared with the Microsoft account that authorised the OAuth 2.0 "
            "credential"
        )
    if cause == NO_USER:
        return "the Mailbox credential has no user name"
    credentials = _credentials(group)
    if cause in (NOT_RECORDED, TOKEN_WITHOUT_ACCOUNT):
        what = (
            f"its token carries no {' / '.join(ACCOUNT_CLAIMS)} claim"
            if cause == TOKEN_WITHOUT_ACCOUNT
            else "no Microsoft account is recorded on it"
        )
        if group.total > 1:
            what = what.replace("its token carries", "their tokens carry").replace("on it", "on them")
        return (
            f"cannot verify: {credentials} {'are' if group.total > 1 else 'is'} paired with it but {what}; record "
            f"the account that signed in at 'Get OAuth Token' in the credential's {' or '.join(oauth_fields)} field "
            "(or `authorized_as` in a YAML/JSON credential export)"
        )
    if cause == RECORDED_NOT_UPN:
        assert pair.recorded is not None
        if group.total == 1 and pair.recorded.identity.shape != TOKEN:
            return (
                f"cannot verify: the account recorded on {credentials} ('{pair.recorded.identity.text}') is not a "
                "UPN; record the UPN that signed in at 'Get OAuth Token'"
            )
        several = group.total > 1
        return (
            f"cannot verify: what is recorded on {_credentials(group, accounts=True)} "
            f"{'are not UPNs' if several else 'is not a UPN'} (nor an ID token whose claims name one); record the "
            "UPN that signed in at 'Get OAuth Token'"
        )
    return {SAME: "same account", DIFFERS: "differs", LOOKALIKE: "look-alike"}.get(cause, "may differ")


def via_words(group: Pairs) -> str:
    """Whose OAuth credentials the Mailbox credential was compared with, when not its own alias's ("" then)."""
    if group.via is None:
        return ""
    role, alias = group.via
    return f"{role} alias {alias.label}"


def _alias(pair: Pair) -> str:
    return pair.alias.text("id") or pair.alias.text("name")


def _credentials(group: Pairs, accounts: bool = False) -> str:
    """`OAuth 2.0 credential 'X' (id)`, or several of them (with their recorded accounts) and how many more."""
    names = [
        pair.oauth.label + (f" ('{pair.recorded.identity.text}')" if accounts and pair.recorded else "")
        for pair in group.pairs
        if pair.oauth is not None
    ]
    return f"OAuth 2.0 credential{'s' if group.total > 1 else ''} {listing(names, group.total)}"


def message(group: Pairs, oauth_fields: Iterable[str]) -> str:
    pair = group.first
    subject = f"Mailbox credential {pair.mailbox.label} of alias '{_alias(pair)}'"
    user = pair.user.text.strip() if pair.user is not None else ""
    via = f" (through the {via_words(group)})" if group.via else ""
    cause = group.cause
    if cause == DIFFERS:
        assert pair.recorded is not None
        if group.total == 1:
            oauth_user = pair.recorded.identity.text
            return (
                f"{subject}: user '{user}' is not the Microsoft account '{oauth_user}' that authorised "
                f"{_credentials(group)}{via}; set the Mailbox credential's user name to '{oauth_user}' or run "
                f"Get OAuth Token again signed in as '{user}' (KB2663456)"
            )
        return (
            f"{subject}: user '{user}' is not the Microsoft account that authorised any of "
            f"{_credentials(group, accounts=True)}{via}; set the Mailbox credential's user name to the account "
            f"that authorised them or run Get OAuth Token again signed in as '{user}' (KB2663456)"
        )
    if cause in (DOMAINS_DIFFER, CLAIM_ONLY, LOOKALIKE):
        assert pair.recorded is not None
        if cause == DOMAINS_DIFFER:
            why = "the local parts match but the domains differ"
            fix = "use the exact UPN on both, or declare the domains equivalent in identity.equivalent-domains"
        elif cause == CLAIM_ONLY:
            why = f"the OAuth side is known only from the '{pair.recorded.identity.claim}' claim, not the UPN"
            fix = "record the UPN (the token's upn claim) of the account that signed in at Get OAuth Token"
        else:
            characters = ", ".join(lookalike_characters(user, pair.recorded.identity.text))
            why = (
                "look-alike: the names are equal only under full case folding or compatibility normalisation, "
                f"not as text; they differ in {characters}"
            )
            fix = "write both with the same characters, as the account's UPN is spelled in Entra ID"
        if group.total == 1:
            return (
                f"{subject}: user '{user}' may not be the Microsoft account '{pair.recorded.identity.text}' that "
                f"authorised {_credentials(group)}{via} ({why}); {fix}"
            )
        return (
            f"{subject}: user '{user}' may not be the Microsoft account that authorised "
            f"{_credentials(group, accounts=True)}{via} ({why}); {fix}"
        )
    if cause == NOT_UPN:
        return (
            f"{subject}: {reason(group, oauth_fields)}; set it to the UPN of the account that signed in at Get OAuth "
            "Token"
        )
    return f"{subject} (user '{user}'): {reason(group, oauth_fields)}" + (via if pair.oauth is not None else "")


def _note(pair: Pair) -> tuple[Value, str] | None:
    """The other side of a pair: where the OAuth credential's account was recorded (or the credential)."""
    label = pair.oauth.label if pair.oauth else ""
    recorded = pair.recorded
    if recorded is not None and recorded.identity.from_token and recorded.identity.shape == EMPTY:
        return (
            recorded.value,
            f"OAuth 2.0 credential {label} records an ID token in {recorded.field} that names no account (no "
            f"{' / '.join(ACCOUNT_CLAIMS)} claim)",
        )
    if recorded is not None and recorded.identity.shape == TOKEN:
        return (recorded.value, f"OAuth 2.0 credential {label} records {recorded.identity.text} in {recorded.field}")
    if recorded is not None:
        return (
            recorded.value,
            f"OAuth 2.0 credential {label} was authorised as '{recorded.identity.text}' ({recorded.field}"
            + (f", claim {recorded.identity.claim}" if recorded.identity.claim else "")
            + ")",
        )
    if pair.oauth is not None:
        return (pair.oauth.where, f"OAuth 2.0 credential {pair.oauth.label}")
    return None


def same_identity(rule: Rule, context: Context) -> Iterator[Finding]:
    """The Exchange Online pairs of Mailbox and OAuth 2.0 credentials (linter/spoke.py) with the verdict
    `outcome`: differs, may_differ, not_comparable, cannot_verify or client_credentials_only; pairs that share a
    Mailbox credential and a cause are one finding."""
    wanted = rule.check["outcome"]
    oauth_fields = context.profile.oauth_fields
    for wiring in context.spoke.wirings:
        if wanted == CLIENT_ONLY and wiring.client_credentials_only:
            clients = listing([c.label for c in wiring.client_credentials], len(wiring.client_credentials))
            mailbox = listing([c.label for c in wiring.mailbox], len(wiring.mailbox))
            yield finding(
                rule,
                f"Exchange Online alias '{wiring.id}' has Mailbox credential {mailbox} but its only OAuth 2.0 "
                f"credentials use the client-credentials grant ({clients}), which has no user to match: bind an "
                "authorization-code OAuth 2.0 credential authorised by the Mailbox credential's user",
                wiring.where,
                [wiring.alias, *wiring.mailbox],
                [(c.where, f"client-credentials OAuth 2.0 credential {c.label}")
                 for c in wiring.client_credentials[:SHOWN]],
            )
        for group in wiring.verdicts:
            if group.outcome == wanted:
                yield _pairs_finding(rule, group, wiring.connections, oauth_fields)


def _pairs_finding(
    rule: Rule, group: Pairs, connections: Sequence[Record], oauth_fields: Iterable[str]
) -> Finding:
    related = [note for note in map(_note, group.pairs) if note is not None]
    pair = group.first
    # The records the verdict rests on, the alias's connections included: a change to any of them (in a
    # pre-commit run, a named file defining one) takes part in the finding.
    oauth = [other.oauth for other in group.pairs if other.oauth is not None]
    records = [pair.alias, pair.mailbox, *oauth, *connections]
    return finding(rule, message(group, oauth_fields), pair.where, records, related)


def unresolved_reference(rule: Rule, context: Context) -> Iterator[Finding]:
    """A reference the Exchange Online wiring needs (parent alias, connection credential or alias, OAuth entity
    profile) points to a record that is not in the inputs, or that an update in them deletes."""
    seen: set[tuple[str, str, str]] = set()
    for wiring in context.spoke.wirings:
        for dangling in wiring.dangling:
            key = (dangling.record.sys_id, dangling.field, dangling.target)
            if key in seen:
                continue
            seen.add(key)
            yield finding(
                rule,
                f"{dangling.record.table} {dangling.record.label} field '{dangling.field}' points to "
                f"{dangling.target}, {_problem(dangling)}; alias '{wiring.id}' cannot be fully checked: "
                + ("point it at a live record" if dangling.deleted else "add the export that holds it"),
                dangling.value,
                [dangling.record],
                key=f"{rule.id}:{dangling.record.sys_id}:{dangling.field}:{dangling.target}",
            )


def inactive_binding(rule: Rule, context: Context) -> Iterator[Finding]:
    """An inactive credential or connection is bound to an Exchange Online alias."""
    seen: set[str] = set()
    for wiring in context.spoke.wirings:
        for record in wiring.inactive:
            if record.sys_id in seen:
                continue
            seen.add(record.sys_id)
            active = record.get("active")
            assert active is not None
            yield finding(
                rule,
                f"inactive {record.table} {record.label} is bound to Exchange Online alias '{wiring.id}': the "
                "spoke ignores it; activate it or remove the binding",
                active,
                [record, wiring.alias],
            )


KINDS = (
    Kind(
        "same_identity",
        same_identity,
        {"outcome": {"enum": list(OUTCOMES)}},
        ("outcome",),
    ),
    Kind("unresolved_reference", unresolved_reference),
    Kind("inactive_binding", inactive_binding),
)
