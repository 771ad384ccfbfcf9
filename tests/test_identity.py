"""Identity parsing and grading (exchange-online-spoke.md section 5)."""

from __future__ import annotations

import base64
import json

import pytest

from linter.identity import BARE, DOWNLEVEL, EMPTY, LOCAL, UPN, Verdict, from_recorded, grade, jwt_claims, parse_user


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("text", "shape", "local", "domain"),
    [
        ("Adele.Vance@Contoso.com", UPN, "adele.vance", "contoso.com"),
        ("  adele@contoso.com ", UPN, "adele", "contoso.com"),
        ("CONTOSO\\adele", DOWNLEVEL, "adele", "contoso"),
        (".\\svc-exo", LOCAL, "svc-exo", ""),
        ("svc-exo", BARE, "svc-exo", ""),
        ("   ", EMPTY, "", ""),
    ],
)
def test_parse_user_shapes(text: str, shape: str, local: str, domain: str) -> None:
    identity = parse_user(text)
    assert (identity.shape, identity.local, identity.domain) == (shape, local, domain)


def test_case_and_unicode_normalisation_make_the_same_account() -> None:
    decomposed = "Jose\u0301@contoso.com"  # e + combining acute
    composed = "JOS\u00c9@CONTOSO.COM"
    assert grade(parse_user(decomposed), parse_user(composed)) is Verdict.SAME


@pytest.mark.parametrize(
    ("mailbox", "oauth", "verdict"),
    [
        ("exo.service@contoso.com", "EXO.Service@contoso.com", Verdict.SAME),
        ("mailbox.admin@contoso.com", "exo.service@contoso.com", Verdict.DIFFERS),
        ("exo.service@contoso.com", "exo.service@contoso.onmicrosoft.com", Verdict.MAYBE),
        ("exo.service@contoso.com", "exo.service@fabrikam.com", Verdict.DIFFERS),
        ("CONTOSO\\exo.service", "exo.service@contoso.com", Verdict.NOT_COMPARABLE),
    ],
)
def test_grade(mailbox: str, oauth: str, verdict: Verdict) -> None:
    assert grade(parse_user(mailbox), parse_user(oauth)) is verdict


def test_equivalent_domains_settle_the_maybe_both_ways() -> None:
    equivalent = {"contoso.onmicrosoft.com": "contoso.com", "contoso.com": "contoso.com"}
    same_local = grade(parse_user("exo@contoso.com"), parse_user("exo@contoso.onmicrosoft.com"), equivalent)
    other_local = grade(parse_user("mbx@contoso.com"), parse_user("exo@contoso.onmicrosoft.com"), equivalent)
    assert (same_local, other_local) == (Verdict.SAME, Verdict.DIFFERS)


def test_jwt_upn_claim_is_proven_and_preferred_username_is_not() -> None:
    strong = from_recorded(_jwt({"upn": "exo@contoso.com", "preferred_username": "x@y.com", "oid": "1"}))
    weak = from_recorded(_jwt({"preferred_username": "exo@contoso.com"}))
    assert (strong.text, strong.proven, strong.claim) == ("exo@contoso.com", True, "upn")
    assert (weak.text, weak.proven, weak.claim) == ("exo@contoso.com", False, "preferred_username")
    assert grade(parse_user("exo@contoso.com"), weak) is Verdict.MAYBE


def test_a_token_naming_no_account_is_empty_and_says_it_came_from_a_token() -> None:
    nameless = from_recorded(_jwt({"oid": "1", "tid": "2"}))
    named = from_recorded(_jwt({"unique_name": "exo@contoso.com"}))
    assert (nameless.text, nameless.shape, nameless.claim, nameless.from_token) == ("", EMPTY, "", True)
    assert (named.claim, named.from_token) == ("unique_name", True)
    assert from_recorded("exo@contoso.com").from_token is False


def test_not_a_jwt() -> None:
    assert jwt_claims("exo@contoso.com") is None
    assert jwt_claims("a.b.c") is None
    assert from_recorded("exo@contoso.com").shape == UPN


@pytest.mark.parametrize(
    ("mailbox", "oauth", "verdict"),
    [
        ("exo@mail.contoso.com", "exo@mail.fabrikam.com", Verdict.DIFFERS),  # two organisations
        ("exo@contoso.com", "exo@contoso.co.uk", Verdict.MAYBE),  # one organisation, two custom domains
        ("exo@contoso.com", "exo@mail.contoso.com", Verdict.MAYBE),
        ("exo@fabrikam.com", "exo@contoso.onmicrosoft.com", Verdict.MAYBE),  # any custom domain of a tenant
    ],
)
def test_same_local_part_under_other_domains(mailbox: str, oauth: str, verdict: Verdict) -> None:
    assert grade(parse_user(mailbox), parse_user(oauth)) is verdict
