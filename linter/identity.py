"""Microsoft identities: parse a recorded user (UPN, DOMAIN\\user, .\\user, bare name, JWT claims) and grade a pair.

Grading follows exchange-online-spoke.md section 5: UPNs compare after Unicode NFC, trimming and lower-casing;
names equal only under full case folding or compatibility normalisation (long s, sharp s, the fi ligature,
fullwidth letters) are look-alikes, never silently the same account; the same local part under related domains
may be one account (a warning), configured domain equivalences settle it; a Mailbox user that is not UPN-shaped
cannot be compared.

A recorded value that looks like a token (a JWS / JWE in compact form, long base64) is never kept as text: its
Identity's text is "an unrecognised token (N characters)", so no message or report can print it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from enum import Enum
from typing import NamedTuple

UPN = "upn"
DOWNLEVEL = "downlevel"  # DOMAIN\user
LOCAL = "local"  # .\user
BARE = "bare"
EMPTY = "empty"
TOKEN = "token"  # a token-shaped value that names no account we can read (its text is never kept)

ACCOUNT_CLAIMS = ("upn", "preferred_username", "unique_name")  # token claims that name the account, strongest first

# Linear expressions only: each quantifier is followed by a character its class cannot match.
_JWT = re.compile(r"[A-Za-z0-9_-]+={0,2}\.([A-Za-z0-9_-]+)={0,2}\.[A-Za-z0-9_-]*={0,2}")
_UPN_PART = re.compile(r"[^@\s\\]+")
_DOTTED = re.compile(r"[A-Za-z0-9+/_-]+={0,2}(?:\.[A-Za-z0-9+/_-]*={0,2})+")  # compact JWS / JWE, dotted opaque
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{40,}={0,2}")
_JSON_HEADER = ("eyJ", "eyA", "ewo", "ew0")  # base64url of `{"`, `{ `, `{\n`, `{\r`: a JOSE header
LONG_TOKEN = 40  # a dotted or base64 value this long is a token, not a user name


def normalize(text: str) -> str:
    """The account a name denotes: canonical equivalence (NFC), trimmed, simple lower-casing (`str.lower`)."""
    return unicodedata.normalize("NFC", text.strip()).lower()


def loose(text: str) -> str:
    """A name under full case folding and compatibility normalisation (NFKC_Casefold): equal here but not under
    `normalize` means two names that look alike but are not the same text (U+017F long s / `s`, U+00DF / `ss`)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text.strip()).casefold())


def lookalike_characters(first: str, second: str) -> list[str]:
    """The characters of either name that full case folding or NFKC changes, as `U+017F LATIN SMALL LETTER LONG S`
    (each once, in order): what makes two look-alike names differ."""
    named: dict[str, None] = {}
    for char in normalize(first) + normalize(second):
        if loose(char) != char:
            named.setdefault(f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}")
    return list(named)


def token_shaped(text: str) -> bool:
    """A compact JWS / JWE (dot-separated base64url parts, `=` padding or not) or long base64: never printed."""
    text = text.strip()
    if _DOTTED.fullmatch(text):
        return len(text) >= LONG_TOKEN or text.startswith(_JSON_HEADER) or "=" in text
    return _BASE64.fullmatch(text) is not None


def token_words(length: int) -> str:
    """How a token-shaped value is named in every output."""
    return f"an unrecognised token ({length} characters)"


class Identity(NamedTuple):
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


def _upn_parts(folded: str) -> tuple[str, str] | None:
    """(local, domain) of `local@domain.tld` (one `@`, no space or backslash), else None."""
    local, at, domain = folded.partition("@")
    if at and _UPN_PART.fullmatch(local) and _UPN_PART.fullmatch(domain) and "." in domain[1:-1]:
        return local, domain
    return None


def parse_user(text: str, proven: bool = True, claim: str = "") -> Identity:
    """Classify a user name as written in a credential or recorded for an OAuth grant."""
    trimmed = text.strip()
    folded = normalize(trimmed)
    if not folded:
        return Identity(trimmed, EMPTY, proven=proven, claim=claim)
    parts = _upn_parts(folded)
    if parts is not None:
        return Identity(trimmed, UPN, parts[0], parts[1], proven, claim)
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
    import base64  # only here: with struct and binascii ~0.5 ms of start-up, for tokens only

    body = match.group(1)
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, RecursionError):  # not base64 (binascii.Error), not JSON, too deep, too long a number: no token
        return None
    return claims if isinstance(claims, dict) else None


def from_claims(claims: Mapping[str, object]) -> Identity | None:
    """The account named by token claims or an `authorized_as` mapping: `upn`, else the weaker sign-in names."""
    for claim in ACCOUNT_CLAIMS:
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return _recorded_user(value, claim == "upn", claim)
    return None


def _recorded_user(text: str, proven: bool = True, claim: str = "") -> Identity:
    if token_shaped(text):
        return Identity(token_words(len(text.strip())), TOKEN, proven=proven, claim=claim, from_token=True)
    return parse_user(text, proven, claim)


def from_recorded(text: str) -> Identity:
    """An OAuth identity recorded in a field: a UPN string, or an unsigned ID token whose claims name it; any other
    token-shaped value (a JWE, an undecodable JWS, opaque base64) is TOKEN, named only by its length."""
    claims = jwt_claims(text)
    if claims is not None:
        identity = from_claims(claims)
        return identity._replace(from_token=True) if identity is not None else Identity("", EMPTY, from_token=True)
    return _recorded_user(text)


class Verdict(str, Enum):
    SAME = "same account"
    DIFFERS = "differs"
    MAYBE = "may differ"
    LOOKALIKE = "look-alike"  # equal only under full case folding or NFKC: reported as "may differ"
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
    if mailbox.normalized != oauth.normalized and loose(mailbox.text) == loose(oauth.text):
        return Verdict.LOOKALIKE
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
