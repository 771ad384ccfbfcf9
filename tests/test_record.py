"""`snlint record`: the authorising account written where the OAuth 2.0 credential is live-defined.

Each container shape, with the real command on copies of examples/ and fixtures: afterwards a lint run shows no
EXO004 for the credential, EXO001 when the accounts differ; only the recorded place changed; the token is never
written or printed.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from linter.cli import main
from linter.engine import read_bytes

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
OAUTH = "352d45d3178d52103a946777183c887b"  # Exchange_Online_Credentials in examples/update-sets
MAILBOX_USER = "mailbox.admin@contoso.com"  # the Mailbox credential's user in examples/update-sets
TENANT = "3f9a0c52-7d41-4b8e-a6d2-91e5c07b4f18"
OID = "4d9c6e23-7cf6-4df2-8693-579c1bb8719a"
RECORDED = "<u_authorized_as>exo.service@contoso.com</u_authorized_as>"


@pytest.fixture(autouse=True)
def outside_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run where no git repository is: the project's own fixtures must not become context."""
    monkeypatch.chdir(tmp_path)


def lint(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["--no-cache", "--isolated", "--format", "json", *map(str, paths)])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, sorted(
        f"{item['rule']} {Path(item['path']).name}:{item['line']}:{item['column']}" for item in findings
    )


def record(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["record", "--no-cache", "--isolated", *arguments])
    captured = capsys.readouterr()
    return code, captured.err


def examples(tmp_path: Path, recorded: bool = False) -> Path:
    target = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", target)
    if not recorded:  # the export as ServiceNow writes it: no authorising account anywhere
        update_set = target / "update-sets" / "exchange_online_setup.xml"
        update_set.write_text(update_set.read_text(encoding="utf-8").replace(RECORDED, ""), encoding="utf-8")
    return target


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    import difflib

    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return [
        ("\n".join(before.splitlines()[a0:a1]), "\n".join(after.splitlines()[b0:b1]))
        for tag, a0, a1, b0, b1 in matcher.get_opcodes()
        if tag != "equal"
    ]


def token(claims: dict[str, str]) -> str:
    def part(data: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.c2lnbmF0dXJl"


# -- update set, CDATA payload (the examples) ---------------------------------------------------------------------
def test_record_into_a_cdata_payload_clears_exo004(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = examples(tmp_path)
    update_set = folder / "update-sets" / "exchange_online_setup.xml"
    before = update_set.read_text(encoding="utf-8")
    code, found = lint(capsys, folder)
    assert "EXO004 exchange_online_setup.xml:222:119" in found
    code, err = record(capsys, "Exchange_Online_Credentials", "--as", MAILBOX_USER, str(folder))
    assert code == 0, err
    assert f"recorded {MAILBOX_USER} as u_authorized_as of OAuth 2.0 credential 'Exchange_Online_Credentials'" in err
    after = update_set.read_text(encoding="utf-8")
    # inserted inside the record, after its last field (<tag/>), as the payload's other elements are written
    assert after == before.replace("<tag/></oauth_2_0_credentials>",
                                   f"<tag/><u_authorized_as>{MAILBOX_USER}</u_authorized_as></oauth_2_0_credentials>")
    code, found = lint(capsys, folder)
    assert not [item for item in found if item.startswith(("EXO001", "EXO004"))], found
    assert code == 0


def test_a_different_account_is_exo001(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = examples(tmp_path)
    code, err = record(capsys, OAUTH, "--as", "someone.else@contoso.com", str(folder))
    assert code == 0, err
    code, found = lint(capsys, folder)
    assert "EXO001 exchange_online_setup.xml:222:119" in found
    assert not [item for item in found if item.startswith("EXO004")]
    assert code == 1
    # recording again replaces the value in place
    code, err = record(capsys, OAUTH, "--as", MAILBOX_USER, str(folder))
    text = (folder / "update-sets" / "exchange_online_setup.xml").read_text(encoding="utf-8")
    assert text.count("u_authorized_as>") == 2 and f"<u_authorized_as>{MAILBOX_USER}</u_authorized_as>" in text
    assert lint(capsys, folder)[0] == 0


# -- update set, entity-escaped payload ----------------------------------------------------------------------------
def escaped_update_set(folder: Path) -> Path:
    """The examples' update set with the OAuth credential's payload entity-escaped instead of CDATA."""
    path = folder / "update-sets" / "exchange_online_setup.xml"
    text = path.read_text(encoding="utf-8")

    def escape(match: re.Match[str]) -> str:
        inner = match.group(1)
        if "oauth_2_0_credentials" not in inner:
            return match.group(0)
        return "<payload>" + inner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</payload>"

    path.write_text(re.sub(r"<payload><!\[CDATA\[(.*?)\]\]></payload>", escape, text), encoding="utf-8")
    return path


@pytest.mark.parametrize("account", [MAILBOX_USER, "o'brien&co <x>@contoso.com"])
def test_record_into_an_entity_escaped_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], account: str
) -> None:
    folder = examples(tmp_path)
    path = escaped_update_set(folder)
    before = path.read_text(encoding="utf-8")
    assert "&lt;tag/&gt;&lt;/oauth_2_0_credentials&gt;" in before
    code, err = record(capsys, "Exchange_Online_Credentials", "--as", account, str(folder))
    assert code == 0, err
    after = path.read_text(encoding="utf-8")
    twice = account.replace("&", "&amp;amp;").replace("<", "&amp;lt;").replace(">", "&amp;gt;")
    assert after == before.replace(
        "&lt;tag/&gt;&lt;/oauth_2_0_credentials&gt;",
        f"&lt;tag/&gt;&lt;u_authorized_as&gt;{twice}&lt;/u_authorized_as&gt;&lt;/oauth_2_0_credentials&gt;",
    )
    records = read_bytes(str(path), after.encode()).records
    (credential,) = [r for r in records if r.sys_id == OAUTH]
    assert credential.text("u_authorized_as") == account
    if account == MAILBOX_USER:
        assert lint(capsys, folder)[0] == 0


# -- list export and record_update file -----------------------------------------------------------------------------
def test_record_into_a_list_export_replaces_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "clean"
    shutil.copytree(FIXTURES / "exo_case_only_clean", folder)
    path = folder / "oauth_2_0_credentials.xml"
    before = path.read_text(encoding="utf-8")
    code, err = record(capsys, "Exchange_Online_Credentials", "--as", "other@contoso.com", str(folder))
    assert code == 0, err
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        (
            "<u_authorized_as>EXO.Service@Contoso.com</u_authorized_as>",
            "<u_authorized_as>other@contoso.com</u_authorized_as>",
        )
    ]
    assert "EXO001" in " ".join(lint(capsys, folder)[1])


def test_record_into_a_list_export_inserts_indented_like_siblings(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "clean"
    shutil.copytree(FIXTURES / "exo_case_only_clean", folder)
    path = folder / "oauth_2_0_credentials.xml"
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    field = next(n for n, line in enumerate(lines) if "<u_authorized_as>" in line)
    previous = lines[field - 1]
    indented = [("    " + line if line.startswith("<") and not line.startswith(("<?", "<unload", "</unload")) else line)
                for n, line in enumerate(lines) if n != field]
    path.write_text("".join(indented).replace("\n", "\r\n"), encoding="utf-8", newline="")
    before = path.read_bytes()
    code, err = record(capsys, "Exchange_Online_Credentials", "--as", "EXO.Service@Contoso.com", str(folder))
    assert code == 0, err
    after = path.read_bytes()
    anchor = ("    " + previous.rstrip("\n")).encode() + b"\r\n"
    element = b"    <u_authorized_as>EXO.Service@Contoso.com</u_authorized_as>\r\n"
    assert after == before.replace(anchor, anchor + element)
    assert lint(capsys, folder) == (0, [])


def test_record_into_a_self_closing_element_of_a_record_file(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "multi"
    shutil.copytree(FIXTURES / "inventory_multi_alias", folder)
    path = next(folder.rglob("oauth_2_0_credentials_7b0c8165728e658fe5eceaadb047bfb4.xml"))
    before = path.read_text(encoding="utf-8")
    code, err = record(capsys, "7b0c8165728e658fe5eceaadb047bfb4", "--as", "a@contoso.com", str(folder))
    assert code == 0, err
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        ("        <u_authorized_as/>", "        <u_authorized_as>a@contoso.com</u_authorized_as>")
    ]


# -- YAML and JSON ------------------------------------------------------------------------------------------------
def test_token_claims_replace_and_extend_a_yaml_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = examples(tmp_path, recorded=True)
    path = folder / "credentials.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      preferred_username: svc.sharedmbx@contoso.com\n", "")
                    .replace("      tid: 3f9a0c52-7d41-4b8e-a6d2-91e5c07b4f18\n", ""), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    jwt = token({"upn": "new.one@contoso.com", "oid": "11111111-2222-3333-4444-555555555555", "tid": TENANT})
    (tmp_path / "token.txt").write_text(jwt + "\n", encoding="utf-8")
    code, err = record(capsys, "Exchange Online Shared Mailboxes OAuth", "--from-token", str(tmp_path / "token.txt"),
                       str(folder))
    assert code == 0, err
    assert jwt not in err and jwt not in path.read_text(encoding="utf-8")
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        (
            "      upn: svc.sharedmbx@contoso.com\n      oid: 4d9c6e23-7cf6-4df2-8693-579c1bb8719a",
            "      upn: 'new.one@contoso.com'\n      oid: '11111111-2222-3333-4444-555555555555'\n"
            f"      tid: '{TENANT}'",
        )
    ]


def test_record_into_yaml_without_authorized_as(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "y"
    folder.mkdir()
    path = folder / "credentials.yaml"
    path.write_bytes(
        b"\xef\xbb\xbf# exported\r\noauth_2_0_credentials:\r\n  - sys_id: 3e4a381f8cc752103a946777183c88b1\r\n"
        b"    name: OAuth\r\n    oauth_entity_profile:\r\n      value: 6d3f5e6bbf1252103a946777183c88e7\r\n"
        b"      display_value: Microsoft Exchange Online default_profile\r\n  # a comment\r\n"
        b"  - sys_id: 3e4a381f8cc752103a946777183c88b2\r\n    name: Other\r\n"
    )
    code, err = record(capsys, "OAuth", "--as", "me@contoso.com", str(path))
    assert code == 0, err
    assert path.read_bytes() == (
        b"\xef\xbb\xbf# exported\r\noauth_2_0_credentials:\r\n  - sys_id: 3e4a381f8cc752103a946777183c88b1\r\n"
        b"    name: OAuth\r\n    oauth_entity_profile:\r\n      value: 6d3f5e6bbf1252103a946777183c88e7\r\n"
        b"      display_value: Microsoft Exchange Online default_profile\r\n    authorized_as: 'me@contoso.com'\r\n"
        b"  # a comment\r\n  - sys_id: 3e4a381f8cc752103a946777183c88b2\r\n    name: Other\r\n"
    )


def test_record_into_json_clears_exo004(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    folder = tmp_path / "j"
    shutil.copytree(FIXTURES / "exo004_no_identity", folder)
    (folder / "expected.txt").unlink()
    assert "EXO004 exo_spoke_setup.xml:168:860" in lint(capsys, folder)[1]
    path = folder / "oauth_2_0_credentials.json"
    before = path.read_text(encoding="utf-8")
    jwt = token({"preferred_username": "x@contoso.com", "oid": OID, "tid": TENANT})
    monkeypatch.setattr("sys.stdin", io.StringIO(jwt))
    code, err = record(capsys, "be09a333485a52103a946777183c888b", "--from-token", "-", str(folder))
    assert code == 0, err
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(
        '"tag": ""\n',
        '"tag": "",\n      "authorized_as": '
        f'{{"preferred_username": "x@contoso.com", "oid": "{OID}", "tid": "{TENANT}"}}\n',
    )
    json.loads(after)
    assert not [item for item in lint(capsys, folder)[1] if item.startswith("EXO004")]


# -- choosing the credential ------------------------------------------------------------------------------------------
def test_the_live_definition_is_written_and_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = examples(tmp_path)
    update_set = folder / "update-sets" / "exchange_online_setup.xml"
    older = folder / "older.xml"
    # an older export of the same credential (updated before the update set's version)
    text = update_set.read_text(encoding="utf-8")
    payload = re.search(r"<payload><!\[CDATA\[(<\?xml[^>]*>)?(.*?oauth_2_0_credentials.*?)\]\]></payload>", text)
    assert payload is not None
    inner = payload.group(2).replace("2024-03-04 15:02:31", "2023-01-01 00:00:00")
    older.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{inner}\n', encoding="utf-8")
    older_before = older.read_bytes()
    code, err = record(capsys, OAUTH, "--as", MAILBOX_USER, str(folder))
    assert code == 0, err
    assert f"in {update_set}\n" in err
    assert "also defined in" in err and "older.xml" in err
    assert older.read_bytes() == older_before


def test_unknown_or_ambiguous_credentials_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = examples(tmp_path)
    code, err = record(capsys, "No Such Credential", "--as", "a@b.c", str(folder))
    assert code == 2 and "no OAuth 2.0 credential" in err
    (tmp_path / "bad.txt").write_text("not a token", encoding="utf-8")
    code, err = record(capsys, OAUTH, "--from-token", str(tmp_path / "bad.txt"), str(folder))
    assert code == 2 and "not a JSON Web Token" in err


def test_record_time_is_linear_in_the_file(tmp_path: Path) -> None:
    import time

    from linter.record import Account, edit_record

    def measure(count: int) -> float:
        rows = "".join(
            f"<oauth_2_0_credentials>\n  <name>c{n}</name>\n  <sys_id>{n:032x}</sys_id>\n</oauth_2_0_credentials>\n"
            for n in range(count)
        )
        data = f'<?xml version="1.0" encoding="UTF-8"?>\n<unload>\n{rows}</unload>\n'.encode()
        path = str(tmp_path / f"many{count}.xml")
        target = read_bytes(path, data).records[-1]
        began = time.perf_counter()
        after = edit_record(path, data, target, Account((("upn", "a@contoso.com"),), False), "u_authorized_as")
        elapsed = time.perf_counter() - began
        assert after.count(b"<u_authorized_as>a@contoso.com</u_authorized_as>") == 1
        return elapsed

    small, large = measure(300), measure(3000)
    assert large / small < 25, (small, large)


def test_a_upn_alone_does_not_overwrite_a_tokens_claims(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--as` on a credential whose authorized_as holds a token's claims (upn, oid, tid): replacing only the upn
    would leave the previous account's oid and tid beside it, so it is refused with the way out, nothing written."""
    folder = examples(tmp_path, recorded=True)
    path = folder / "credentials.yaml"
    before = path.read_bytes()
    code, err = record(capsys, "Exchange Online Shared Mailboxes OAuth", "--as", "mailbox.admin@contoso.com",
                       str(folder))
    assert code == 2
    assert "records the claims of an ID token in authorized_as (oid, preferred_username, tid, upn)" in err
    assert "--from-token" in err and "nothing written" in err
    assert path.read_bytes() == before
