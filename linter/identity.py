"""Microsoft identities: parse a recorded user (UPN, DOMAIN\\user, .\\user, bare name, JWT claims) and grade a pair.

Grading follows exchange-online-spoke.md section 5: UPNs compare after Unicode NFC, trimming and case-folding;
the same local part under related domains may be one account (a warning), configured domain equivalences settle
it; a Mailbox user that is not UPN-shaped cannot be compared.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum

UPN = "upn"
DOWNLEVEL = "downlevel"  # DOMAIN\user
LOCAL = "local"  # .\user
BARE = "bare"
EMPTY = "empty"

ACCOUNT_CLAIMS = ("upn", "preferred_username", "unique_name")  # token claims that name the account, strongest first

_JWT = re.compile(r"[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*")
_UPN = re.compile(r"[^@\s\\]+@[^@\s\\]+\.[^@\s\\]+")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


@dataclass(frozen=True)
class Identity:
    """One side of a comparison: the recorded text, its shape and normalised parts."""

    text: str  # as recorded, trimmed (never a secret: user names and UPNs only)
    shape: str
    local: str = ""
    domain: str = ""
    proven: bool = True  # False when known only from a claim that need not be the UPN (preferred_username)
    claim: str = ""  # which claim of a token or mapping it came from ("upn", "preferred_username", ...)
    from_token: bool = False  # read from an ID token; EMPTY (and no claim) when none of its ACCOUNT_CLAIMS names one

    @property
    def normalized(self) -> str:
        return normalize(self.text)


def parse_user(text: str, proven: bool = True, claim: str = "") -> Identity:
    """Classify a user name as written in a credential or recorded for an OAuth grant."""
    trimmed = text.strip()
    folded = normalize(trimmed)
    if not folded:
        return Identity(trimmed, EMPTY, proven=proven, claim=claim)
    if _UPN.fullmatch(folded):
        local, _, domain = folded.rpartition("@")
        return Identity(trimmed, UPN, local, domain, proven, claim)
    if folded.startswith(".\\"):
        return Identity(trimmed, LOCAL, folded[2:], "", proven, claim)
    if "\\" in folded:
        domain, _, local = folded.partition("\\")
        return Identity(trimmed, DOWNLEVEL, local, domain, proven, claim)
    return Identity(trimmed, BARE, folded, "", proven, claim)


def jwt_claims(text: str) -> dict[str, object] | None:
    """The claims of an (unverified) JSON Web Token, or None when `text` is not one."""
    match = _JWT.fullmatch(text.strip())
    if match is None:
        return None
    body = match.group(1)
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def from_claims(claims: Mapping[str, object]) -> Identity | None:
    """The account named by token claims or an `authorized_as` mapping: `upn`, else the weaker sign-in names."""
    for claim in ACCOUNT_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return parse_user(value, claim == "upn", claim)
    return None


def from_recorded(text: str) -> Identity:
    """An OAuth identity recorded in a field: a UPN string, or an unsigned ID token whose claims name it."""
    claims = jwt_claims(text)
    if claims is not None:
        identity = from_claims(claims)
        return replace(identity, from_token=True) if identity is not None else Identity("", EMPTY, from_token=True)
    return parse_user(text)


class Verdict(str, Enum):
    SAME = "same account"
    DIFFERS = "differs"
    MAYBE = "may differ"
    NOT_COMPARABLE = "not comparable"


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "ltd", "plc", "ne", "or", "go"})


def _organisation(domain: str) -> str:
    """The label that names the organisation: `contoso` in mail.contoso.com, contoso.co.uk, contoso.onmicrosoft.com."""
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    if domain.endswith(".onmicrosoft.com"):
        return labels[-3] if len(labels) >= 3 else domain
    return labels[-2] if len(labels) >= 2 else domain


def _related(first: str, second: str) -> bool:
    """Domains that can belong to one tenant: one is a tenant's initial *.onmicrosoft.com domain, or both name the
    same organisation (contoso.com, mail.contoso.com, contoso.co.uk)."""
    if first.endswith(".onmicrosoft.com") or second.endswith(".onmicrosoft.com"):
        return True
    return _organisation(first) == _organisation(second)


def grade(mailbox: Identity, oauth: Identity, equivalent: Mapping[str, str] | None = None) -> Verdict:
    """Compare the Mailbox credential user with the OAuth-authorised account.

    `equivalent` maps a domain to its canonical domain (configured equivalences, both keys normalised).
    """
    if mailbox.shape != UPN or oauth.shape != UPN:
        return Verdict.NOT_COMPARABLE
    equivalent = equivalent or {}
    mailbox_domain = equivalent.get(mailbox.domain, mailbox.domain)
    oauth_domain = equivalent.get(oauth.domain, oauth.domain)
    if mailbox.local == oauth.local and mailbox_domain == oauth_domain:
        return Verdict.SAME if oauth.proven else Verdict.MAYBE
    if not oauth.proven:
        return Verdict.MAYBE
    if mailbox.local != oauth.local or (mailbox_domain in equivalent.values() and oauth_domain in equivalent.values()):
        return Verdict.DIFFERS
    return Verdict.MAYBE if _related(mailbox.domain, oauth.domain) else Verdict.DIFFERS
