"""Look-alike accounts are never silently equal (issue 10 section 6): names equal after NFC and `str.lower` are one
account; names equal only under full case folding or NFKC (long s, sharp s, ligatures, fullwidth letters) are EXO002
naming the differing characters as code points; anything else is EXO001."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, snlint_json

from linter.identity import Verdict, grade, lookalike_characters, parse_user

DESKS = FIXTURES / "lookalike"


@pytest.mark.parametrize(
    ("mailbox", "oauth", "verdict", "characters"),
    [
        ("\u017fvc.exo@contoso.com", "svc.exo@contoso.com", Verdict.LOOKALIKE, ["U+017F LATIN SMALL LETTER LONG S"]),
        ("strasse@contoso.com", "stra\u00dfe@contoso.com", Verdict.LOOKALIKE, ["U+00DF LATIN SMALL LETTER SHARP S"]),
        ("\ufb01nance@contoso.com", "finance@contoso.com", Verdict.LOOKALIKE, ["U+FB01 LATIN SMALL LIGATURE FI"]),
        ("\uff4bate@contoso.com", "kate@contoso.com", Verdict.LOOKALIKE, ["U+FF4B FULLWIDTH LATIN SMALL LETTER K"]),
        ("kate@\uff43ontoso.com", "kate@contoso.com", Verdict.LOOKALIKE, ["U+FF43 FULLWIDTH LATIN SMALL LETTER C"]),
        ("SVC.Mail@Contoso.COM", "svc.mail@contoso.com", Verdict.SAME, []),
        ("jose\u0301@contoso.com", "JOS\u00c9@contoso.com", Verdict.SAME, []),  # canonical equivalence: one text
        ("olga@contoso.com", "helga@contoso.com", Verdict.DIFFERS, []),
    ],
)
def test_grading(mailbox: str, oauth: str, verdict: Verdict, characters: list[str]) -> None:
    assert grade(parse_user(mailbox), parse_user(oauth)) is verdict
    assert lookalike_characters(mailbox, oauth) == characters


def test_a_look_alike_is_never_the_same_account_even_when_the_claim_is_weak() -> None:
    weak = parse_user("svc.exo@contoso.com", proven=False, claim="preferred_username")
    assert grade(parse_user("\u017fvc.exo@contoso.com"), weak) is Verdict.LOOKALIKE


def test_fixture_positions_and_messages() -> None:
    report = snlint_json("--isolated", "--no-context", ".", cwd=DESKS)
    found = {(f["rule"], f["line"], f["column"]): f["message"] for f in report["findings"]}
    assert set(found) == {("EXO002", 72, 16), ("EXO002", 77, 16), ("EXO002", 82, 16), ("EXO002", 87, 16),
                          ("EXO001", 102, 16)}
    assert report["summary"]["files"] == 1
    for line, code_point in [
        (72, "U+017F LATIN SMALL LETTER LONG S"),
        (77, "U+00DF LATIN SMALL LETTER SHARP S"),
        (82, "U+FB01 LATIN SMALL LIGATURE FI"),
        (87, "U+FF4B FULLWIDTH LATIN SMALL LETTER K"),
    ]:
        assert "(look-alike:" in found[("EXO002", line, 16)] and code_point in found[("EXO002", line, 16)]
    assert "is not the Microsoft account 'helga@contoso.com'" in found[("EXO001", 102, 16)]


def test_the_declarative_same_account_kind_reports_look_alikes_as_may_differ() -> None:
    from linter.checks.identities import REPORTED

    assert Verdict.LOOKALIKE in REPORTED["may_differ"] and Verdict.LOOKALIKE not in REPORTED["differs"]
