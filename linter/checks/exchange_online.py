"""Exchange Online spoke checks: the identity pairs, unresolved references and inactive bindings, all read from
the one resolution in linter/spoke.py."""

from __future__ import annotations

from collections.abc import Iterator

from linter.checks import Context, Kind, finding
from linter.identity import ACCOUNT_CLAIMS, EMPTY
from linter.model import Finding, Record, Value
from linter.ruleset import Rule
from linter.spoke import CLIENT_CREDENTIALS_ONLY, DIFFERS, MAY_DIFFER, NOT_COMPARABLE, OUTCOMES, Pair


def same_identity(rule: Rule, context: Context) -> Iterator[Finding]:
    """The Exchange Online pairs of Mailbox and OAuth 2.0 credentials (linter/spoke.py) with the verdict
    `outcome`: differs, may_differ, not_comparable, cannot_verify or client_credentials_only."""
    wanted = rule.check["outcome"]
    for wiring in context.spoke.wirings:
        if wanted == CLIENT_CREDENTIALS_ONLY and wiring.client_credentials_only:
            clients = ", ".join(credential.label for credential in wiring.client_credentials)
            mailbox = ", ".join(credential.label for credential in wiring.mailbox)
            yield finding(
                rule,
                f"Exchange Online alias '{wiring.id}' has Mailbox credential {mailbox} but its only OAuth 2.0 "
                f"credentials use the client-credentials grant ({clients}), which has no user to match: bind an "
                "authorization-code OAuth 2.0 credential authorised by the Mailbox credential's user",
                wiring.where,
                [wiring.alias, *wiring.mailbox],
                [(c.where, f"client-credentials OAuth 2.0 credential {c.label}") for c in wiring.client_credentials],
            )
        for pair in wiring.pairs:
            if pair.outcome == wanted:
                yield _pair_finding(rule, pair, wiring.connections)


def _pair_finding(rule: Rule, pair: Pair, connections: list[Record]) -> Finding:
    alias = pair.alias.text("id") or pair.alias.text("name")
    mailbox = pair.mailbox
    user_value = pair.where
    user = pair.user.text.strip() if pair.user is not None else ""
    related: list[tuple[Value, str]] = []
    via = f" (through the {pair.via})" if pair.via else ""
    if pair.recorded is not None and pair.recorded.identity.from_token and pair.recorded.identity.shape == EMPTY:
        related.append(
            (
                pair.recorded.value,
                f"OAuth 2.0 credential {pair.oauth.label if pair.oauth else ''} records an ID token in "
                f"{pair.recorded.field} that names no account (no {' / '.join(ACCOUNT_CLAIMS)} claim)",
            )
        )
    elif pair.recorded is not None:
        related.append(
            (
                pair.recorded.value,
                f"OAuth 2.0 credential {pair.oauth.label if pair.oauth else ''} was authorised as "
                f"'{pair.recorded.identity.text}' ({pair.recorded.field}"
                + (f", claim {pair.recorded.identity.claim}" if pair.recorded.identity.claim else "")
                + ")",
            )
        )
    elif pair.oauth is not None:
        related.append((pair.oauth.where, f"OAuth 2.0 credential {pair.oauth.label}"))
    subject = f"Mailbox credential {mailbox.label} of alias '{alias}'"
    if pair.outcome == DIFFERS:
        assert pair.recorded is not None and pair.oauth is not None
        oauth_user = pair.recorded.identity.text
        message = (
            f"{subject}: user '{user}' is not the Microsoft account '{oauth_user}' that authorised OAuth 2.0 "
            f"credential {pair.oauth.label}{via}; set the Mailbox credential's user name to '{oauth_user}' or run "
            f"Get OAuth Token again signed in as '{user}' (KB2663456)"
        )
    elif pair.outcome == MAY_DIFFER:
        assert pair.recorded is not None and pair.oauth is not None
        oauth_user = pair.recorded.identity.text
        if pair.recorded.identity.proven:
            why = "the local parts match but the domains differ"
            fix = "use the exact UPN on both, or declare the domains equivalent in identity.equivalent-domains"
        else:
            why = f"the OAuth side is known only from the '{pair.recorded.identity.claim}' claim, not the UPN"
            fix = "record the UPN (the token's upn claim) of the account that signed in at Get OAuth Token"
        message = (
            f"{subject}: user '{user}' may not be the Microsoft account '{oauth_user}' that authorised OAuth 2.0 "
            f"credential {pair.oauth.label}{via} ({why}); {fix}"
        )
    elif pair.outcome == NOT_COMPARABLE:
        message = f"{subject}: {pair.reason}; set it to the UPN of the account that signed in at Get OAuth Token"
    else:
        message = f"{subject} (user '{user}'): {pair.reason}" + (via if pair.oauth is not None else "")
    # The records the verdict rests on, the alias's connections included: a change to any of them (in a
    # pre-commit run, a named file defining one) takes part in the finding.
    records = [pair.alias, mailbox, *([pair.oauth] if pair.oauth is not None else []), *connections]
    return finding(rule, message, user_value, records, related)


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
                f"{dangling.target}, {dangling.problem}; alias '{wiring.id}' cannot be fully checked: "
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
