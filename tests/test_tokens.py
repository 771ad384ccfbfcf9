"""Tokens recorded as the OAuth-authorised account (issue 10 sections 2 and 5): decoding never fails the run, and
anything token-shaped is named only as "an unrecognised token (N characters)", in findings and in every inventory
format. An internal error in one check leaves every other rule's findings in the report."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, snlint

from linter import checks
from linter.engine import run
from linter.identity import EMPTY, TOKEN, UPN, from_recorded, jwt_claims, token_shaped
from linter.report import FORMATS
from linter.settings import Settings

TOKENS = FIXTURES / "tokens" / "tokens.yaml"
EXO001_AT = "update-sets/exchange_online_setup.xml:222:119: EXO001 error"
SHARED_MAILBOX_AT = "credentials.yaml:31:16: EXO004 warning"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HEADER = _b64(b'{"alg":"RS256"}')


def _recorded_tokens() -> list[str]:
    lines = TOKENS.read_text(encoding="utf-8").splitlines()
    return [line.split("authorized_as: ", 1)[1] for line in lines if "authorized_as: " in line]


def _secret_parts() -> list[str]:
    """Every distinctive part of every recorded token (the last one is a readable ID token: its claims are shown)."""
    return [part.rstrip("=") for token in _recorded_tokens()[:-1] for part in token.split(".") if len(part) >= 12]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The bundled examples plus five OAuth credentials of the Shared Mailboxes alias that record tokens."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    shutil.copy(TOKENS, tmp_path / "examples" / "tokens.yaml")
    return tmp_path


def test_a_token_too_deep_to_decode_hides_no_finding(tree: Path) -> None:
    result = snlint("--isolated", "examples", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert "SN000" not in result.stdout and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"examples/{EXO001_AT}: Mailbox credential 'Exchange Online Mailbox'") for line in lines)
    (unverifiable,) = [line for line in lines if line.startswith(f"examples/{SHARED_MAILBOX_AT}")]
    assert "'Shared Mailboxes OAuth (Deep)' (0d1f6c3a9b2e4f5a8c7d6e5f4a3b2c1d) ('an unrecognised token " in unverifiable
    assert "and 2 more are not UPNs" in unverifiable
    notes = [line.strip() for line in lines if line.startswith("    note: examples/tokens.yaml")]
    assert notes == [
        "note: examples/tokens.yaml:8:20: OAuth 2.0 credential 'Shared Mailboxes OAuth (Deep)' "
        "(0d1f6c3a9b2e4f5a8c7d6e5f4a3b2c1d) records an unrecognised token (1395 characters) in authorized_as",
        "note: examples/tokens.yaml:13:20: OAuth 2.0 credential 'Shared Mailboxes OAuth (JWE)' "
        "(1d1f6c3a9b2e4f5a8c7d6e5f4a3b2c1d) records an unrecognised token (514 characters) in authorized_as",
        "note: examples/tokens.yaml:18:20: OAuth 2.0 credential 'Shared Mailboxes OAuth (Opaque)' "
        "(2d1f6c3a9b2e4f5a8c7d6e5f4a3b2c1d) records an unrecognised token (104 characters) in authorized_as",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_token_is_printed_by_any_lint_format(tree: Path, fmt: str) -> None:
    result = snlint("--isolated", "--format", fmt, "examples", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert "an unrecognised token (1395 characters)" in result.stdout
    assert [part for part in _secret_parts() if part in result.stdout + result.stderr] == []


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "mermaid"])
def test_no_token_is_printed_by_any_inventory_format(tree: Path, fmt: str) -> None:
    result = snlint("inventory", "--isolated", "--format", fmt, "examples", cwd=tree)
    assert result.returncode == 0, result.stderr
    shown = "an unrecognised token (514 characters)"
    assert (shown.replace("(", "#40;").replace(")", "#41;") if fmt == "mermaid" else shown) in result.stdout
    assert [part for part in _secret_parts() if part in result.stdout + result.stderr] == []


def test_a_padded_id_token_is_read_not_printed() -> None:
    padded = _recorded_tokens()[-1]
    assert padded.count("=") and from_recorded(padded).text == "svc.sharedmbx@contoso.com"


@pytest.mark.parametrize(
    "payload",
    [b"[" * 1000, b"{" * 100_000, b'{"upn": ' + b"1" * 5000 + b"}", b"\xff\xfe not utf-8", b"[1, 2]", b"null", b""],
)
def test_undecodable_claims_are_not_a_token_and_never_raise(payload: bytes) -> None:
    text = f"{HEADER}.{_b64(payload)}.c2lnbmF0dXJl"
    assert jwt_claims(text) is None
    identity = from_recorded(text)
    assert (identity.shape, identity.text) == (TOKEN, f"an unrecognised token ({len(text)} characters)")


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("eyJhbGciOiJub25lIn0.eyJ1cG4iOiJhQGIuYyJ9.", True),  # unsecured JWT
        ("eyJhbGciOiJub25lIn0=.eyJ1cG4iOiJhQGIuYyJ9.c2ln==", True),  # padded
        ("eyJhbGciOiJkaXIifQ..MTIzNDU2Nzg5MDEy.Y2lwaGVydGV4dA.dGFn", True),  # JWE, direct encryption
        ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5MA==", True),  # long base64
        ("svc.exo@contoso.com", False),
        ("first.middle.last", False),
        ("CONTOSO\\svc-exo", False),
        ("svc-exchange", False),
    ],
)
def test_token_shapes(text: str, shaped: bool) -> None:
    assert token_shaped(text) is shaped
    identity = from_recorded(text)  # a readable ID token gives its claim; any other token only its length
    assert identity.from_token is shaped and (identity.text == text) is not shaped


def test_a_token_claim_value_is_never_kept_either() -> None:
    claims = b'{"upn": "eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.c2lnbmF0dXJl"}'
    nested = HEADER + "." + _b64(claims) + "."
    identity = from_recorded(nested)
    assert (identity.shape, identity.claim, identity.text) == (TOKEN, "upn", "an unrecognised token (43 characters)")
    assert from_recorded("svc@contoso.com").shape == UPN and from_recorded("").shape == EMPTY


def test_an_internal_error_in_one_check_keeps_every_other_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    clean = run(["examples"], Settings())
    kinds = checks.registry()

    def broken(*_: object) -> None:
        raise RuntimeError("a bug in one check kind")

    broken_kind = kinds["inactive_binding"]._replace(check=broken)
    monkeypatch.setattr(checks, "registry", lambda: {**kinds, "inactive_binding": broken_kind})
    result = run(["examples"], Settings())
    assert result.internal_error
    internal = [item for item in result.findings if item.rule == "SN000"]
    assert [str(item.position) for item in internal] == ["rule CRD003:1:1"]
    assert [item for item in result.findings if item.rule != "SN000"] == clean.findings
    assert {item.rule for item in clean.findings} >= {"EXO001", "EXO003"}
