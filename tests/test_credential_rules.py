"""The credential-hygiene rules CRD001-CRD005 on good and bad realistic exports, with exact positions, and the
promise that a plaintext secret never appears in any output format (canary secrets)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, located, snlint, snlint_json

from linter.engine import run
from linter.model import SecretForm
from linter.redact import classify
from linter.report import FORMATS
from linter.settings import Settings

KEY = "f895bb1cdd5d52103a946777183c8818"
CIPHERTEXT = "C0q/xYKJUTkWCtNLkXmddQ==PbYHc/srAEU+FC+DyEWmvjVJgutE8NP7"
ENCRYPTED = f"\ufdde\ufddf\ufdd2{KEY}\ufdec\ufdd41\ufdec\ufded{CIPHERTEXT}\ufdee\ufdef"


def report(folder: Path) -> dict[str, Any]:
    return snlint_json("--no-context", ".", cwd=folder)


def only(data: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [item for item in data["findings"] if item["rule"] == rule]


# -- CRD001 unresolved references ------------------------------------------------------------------------------
def test_crd001_reports_each_dangling_reference_at_its_value() -> None:
    data = report(FIXTURES / "crd001_unresolved")
    assert located(data) == {
        ("CRD001", "http_connection.xml", 9, 61),  # connection -> credential
        ("CRD001", "oauth_2_0_credentials.xml", 8, 81),  # OAuth 2.0 credential -> oauth_entity_profile
        ("CRD001", "sys_alias.xml", 55, 55),  # child alias -> parent
    }
    by_path = {item["path"]: item for item in data["findings"]}
    connection = by_path["http_connection.xml"]
    assert connection["severity"] == "warning"
    assert (connection["end_line"], connection["end_column"]) == (9, 61 + 32)
    assert "'credential' points to 8d3f6a0e5b1c52103a946777183c88e9" in connection["message"]
    assert "5f27d9e1b4c852103a946777183c88b4" in connection["message"]
    assert "'parent' points to 4e7b1d9c2a8f52103a946777183c88d0" in by_path["sys_alias.xml"]["message"]
    assert "'oauth_entity_profile'" in by_path["oauth_2_0_credentials.xml"]["message"]


def test_crd001_quiet_when_every_reference_resolves() -> None:
    assert report(FIXTURES / "crd001_resolved")["findings"] == []


def test_crd001_reference_resolved_by_another_file_of_the_run(tmp_path: Path) -> None:
    """References resolve across all inputs: adding the missing credential's export silences that CRD001."""
    folder = tmp_path / "run"
    shutil.copytree(FIXTURES / "crd001_unresolved", folder)
    (folder / "expected.txt").unlink()
    credential = (FIXTURES / "crd001_resolved" / "windows_credentials.xml").read_text(encoding="utf-8")
    (folder / "mid_credentials.xml").write_text(
        credential.replace("e9f05b3c8a7152103a946777183c88a6", "8d3f6a0e5b1c52103a946777183c88e9"), encoding="utf-8"
    )
    assert ("CRD001", "http_connection.xml", 9, 61) not in located(report(folder))
    assert ("CRD001", "sys_alias.xml", 55, 55) in located(report(folder))


# -- CRD002 plaintext secrets ------------------------------------------------------------------------------------
def test_crd002_plaintext_in_list_exports() -> None:
    data = report(FIXTURES / "crd002_plaintext")
    assert located(data) == {("CRD002", "oauth_entity.xml", 8, 16), ("CRD002", "windows_credentials.xml", 28, 11)}
    windows = next(item for item in data["findings"] if item["path"] == "windows_credentials.xml")
    # `Spr1ng&amp;Thaw-2024` as written: the end is past the whole entity
    assert (windows["end_line"], windows["end_column"]) == (28, 11 + len("Spr1ng&amp;Thaw-2024"))
    assert "'Discovery - File servers' (b0bfc1f76bf752103a946777183c88fb" in windows["message"]


def test_crd002_plaintext_in_payloads_and_a_forged_envelope() -> None:
    data = report(FIXTURES / "crd002_payloads")
    assert located(data) == {
        ("CRD002", "update_set_credentials.xml", 25, 350),  # entity-escaped payload
        ("CRD002", "update_set_credentials.xml", 49, 412),  # CDATA payload (oauth_entity.client_secret)
        ("CRD002", "windows_credentials.xml", 9, 11),  # noncharacters around plaintext: not an envelope
    }
    escaped = next(item for item in data["findings"] if item["line"] == 25)
    assert escaped["end_column"] - escaped["column"] == len("Pr1nt&amp;amp;&amp;lt;Sp00l&amp;gt;!")
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("Pr1nt", "8Kq~dV2", "Welcome2024"):
        assert secret not in text


def test_crd002_quiet_for_encrypted_empty_and_missing_secrets() -> None:
    assert report(FIXTURES / "crd002_encrypted")["findings"] == []


@pytest.mark.parametrize(
    ("value", "encrypted"),
    [
        (ENCRYPTED, True),
        (f"  {ENCRYPTED}\n", True),
        (ENCRYPTED.replace("C0q/", "VFD_-").replace("==Pb", "=-Pb"), True),  # base64url ciphertext
        ("\ufdde\ufddfWelcome2024!\ufdee\ufdef", False),
        ("\ufdde\ufddf" + KEY + "\ufdee\ufdef", False),  # a key id but no ciphertext
        (ENCRYPTED[:-2], False),  # truncated
        ("hunter2", False),
        (ENCRYPTED + "x", False),
    ],
)
def test_encryption_envelope(value: str, encrypted: bool) -> None:
    assert (classify(value) is SecretForm.ENCRYPTED) is encrypted


def test_crd002_configurable_secret_fields(tmp_path: Path) -> None:
    path = tmp_path / "windows_credentials.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-08-19 09:10:26">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n<name>Kiosk</name>\n'
        "<sys_id>4b9e2a7d1c6f52103a946777183c8824</sys_id>\n<u_recovery_pin>4711-0815</u_recovery_pin>\n"
        "</windows_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    assert run([str(path)], Settings(), use_context=False).findings == []
    found = run([str(path)], Settings(secret_fields=("u_recovery_pin",)), use_context=False).findings
    assert [(f.rule, f.position.line, f.position.column) for f in found] == [("CRD002", 6, 17)]
    assert "4711" not in found[0].message


# -- CRD002 canaries: the secret is absent from every output format ------------------------------------------
CANARY = "Canary-7Qp&Zr<Tx9>"  # written escaped in XML: the raw and the decoded forms must both stay out
CANARY_PARTS = ("Canary-7Qp", "Zr&lt;Tx9", "Zr<Tx9", "Tx9>", "Tx9&gt;")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _payload(table: str, sys_id: str, fields: str, cdata: bool) -> str:
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><record_update table="{table}"><{table} action="INSERT_OR_UPDATE">'
        f"{fields}<sys_id>{sys_id}</sys_id></{table}></record_update>"
    )
    body = f"<![CDATA[{document}]]>" if cdata else _escape(document)
    return (
        f'<sys_update_xml action="INSERT_OR_UPDATE">\n<action>INSERT_OR_UPDATE</action>\n'
        f"<name>{table}_{sys_id}</name>\n<payload>{body}</payload>\n"
        "<sys_updated_on>2024-10-01 07:45:12</sys_updated_on>\n</sys_update_xml>\n"
    )


def _canary_exports(folder: Path) -> dict[str, str]:
    """Files that each hold the canary secret somewhere a secret lives; {file name: expected rule}."""
    secret = _escape(CANARY)
    update_set_head = '<?xml version="1.0" encoding="UTF-8"?><unload unload_date="2024-10-01 08:00:13">\n'
    files = {
        "list_export.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-08-19 09:10:26">\n'
            '<windows_credentials action="INSERT_OR_UPDATE">\n<name>File servers</name>\n'
            f"<password>{secret}</password>\n<sys_id>b0bfc1f76bf752103a946777183c88fb</sys_id>\n"
            "<user_name>CONTOSO\\svc-fs </user_name>\n</windows_credentials>\n</unload>\n",
            "CRD002",
        ),
        "cdata_payload.xml": (
            update_set_head
            + _payload("oauth_entity", "1c5e9a3f7b2d52103a946777183c8846",
                       f"<client_secret>{secret}</client_secret><name>Graph</name>", cdata=True)
            + "</unload>\n",
            "CRD002",
        ),
        "escaped_payload.xml": (
            update_set_head
            + _payload("windows_credentials", "6a8d2f4c1e9b52103a946777183c88d7",
                       f"<name>Print</name><password>{secret}</password><user_name> svc-print</user_name>",
                       cdata=False)
            + "</unload>\n",
            "CRD002",
        ),
        "record_file.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><record_update table="oauth_credential">\n'
            '    <oauth_credential action="INSERT_OR_UPDATE">\n'
            "        <sys_id>3d7a1f9c5e2b52103a946777183c8890</sys_id>\n"
            f"        <token_received>{secret}</token_received>\n"
            "    </oauth_credential>\n</record_update>\n",
            "CRD002",
        ),
        "truncated.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-08-19 09:10:26">\n'
            '<basic_auth_credentials action="INSERT_OR_UPDATE">\n<sys_id>9a2f5c8e1d4b52103a946777183c8868</sys_id>\n'
            f"<password>{secret}",
            "SN001",
        ),
        "credentials.yaml": (
            "windows_credentials:\n  - sys_id: 7b3d9f1e6c2a52103a946777183c88c1\n    name: Legacy\n"
            f"    password: '{CANARY}'\n    user_name: 'CONTOSO\\svc-legacy '\n",
            "CRD002",
        ),
        "table_api.json": (
            json.dumps({"result": [{"sys_class_name": "basic_auth_credentials",
                                    "sys_id": "3e6b9d2f8c1a52103a946777183c8815", "name": "HR API",
                                    "password": CANARY, "user_name": "api@contoso.com"}]}, indent=2) + "\n",
            "CRD002",
        ),
    }
    expected = {}
    for name, (text, rule) in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        expected[name] = rule
    return expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_crd002_canary_secret_absent_from_every_format(tmp_path: Path, fmt: str) -> None:
    expected = _canary_exports(tmp_path)
    for args in ((), ("--debug",)):
        result = snlint("--no-context", "--format", fmt, *args, ".", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        output = result.stdout + result.stderr
        for part in CANARY_PARTS:
            assert part not in output, (fmt, part)
        for name in expected:
            assert name in result.stdout
    data = snlint_json("--no-context", ".", cwd=tmp_path)
    reported = {(item["path"], item["rule"]) for item in data["findings"]}
    for name, rule in expected.items():
        assert (name, rule) in reported


def test_crd002_canary_in_a_configured_secret_field_next_to_another_finding(tmp_path: Path) -> None:
    """A configured secret field on a short line that also carries another rule's finding (a source excerpt)."""
    (tmp_path / "snlint.yaml").write_text("secret-fields: [u_recovery_pin]\n", encoding="utf-8")
    (tmp_path / "kiosk.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-08-19 09:10:26">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n<sys_id>4b9e2a7d1c6f52103a946777183c8824</sys_id>\n'
        "<u_recovery_pin>Canary-7Qp</u_recovery_pin><user_name> kiosk</user_name>\n"
        "</windows_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    for fmt in FORMATS:
        result = snlint("--config", "snlint.yaml", "--no-context", "--format", fmt, "kiosk.xml", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Canary-7Qp" not in result.stdout + result.stderr, fmt
    data = snlint_json("--config", "snlint.yaml", "--no-context", "kiosk.xml", cwd=tmp_path)
    assert located(data) == {("CRD002", "kiosk.xml", 5, 17), ("CRD004", "kiosk.xml", 5, 55)}


# -- CRD003 inactive bindings ------------------------------------------------------------------------------------
def test_crd003_inactive_connection_and_credential() -> None:
    data = report(FIXTURES / "crd003_inactive")
    assert located(data) == {("CRD003", "credentials.xml", 23, 9), ("CRD003", "http_connection.xml", 4, 9)}
    for item in data["findings"]:
        assert item["severity"] == "warning"
        assert "sn_ex_online_spke.Microsoft_Exchange_Online_MID" in item["message"]
        assert (item["end_line"], item["end_column"]) == (item["line"], item["column"] + len("false"))


def test_crd003_quiet_for_active_bindings_and_unbound_inactive_credentials() -> None:
    assert report(FIXTURES / "crd003_active")["findings"] == []


# -- CRD004 whitespace around a user name ---------------------------------------------------------------------------
def test_crd004_in_a_payload() -> None:
    assert located(report(FIXTURES / "crd004_whitespace")) == {("CRD004", "exo_spoke_setup.xml", 194, 860)}


def test_crd004_in_a_list_export() -> None:
    data = report(FIXTURES / "crd004_list_export")
    assert located(data) == {
        ("CRD004", "discovery_credentials.xml", 20, 12),  # '.\svc-backup ' (trailing space)
        ("CRD004", "discovery_credentials.xml", 39, 12),  # '\tCONTOSO\svc-scan' (leading tab)
        ("CRD004", "discovery_credentials.xml", 96, 12),  # '  api-integration@contoso.com'
    }
    local = next(item for item in data["findings"] if item["line"] == 20)
    assert "'Backup agent (local account)' (a61f3c9e2d7b52103a946777183c8830)" in local["message"]
    assert (local["end_line"], local["end_column"]) == (20, 12 + len(".\\svc-backup "))


def test_crd004_quiet_for_clean_user_names() -> None:
    assert report(FIXTURES / "crd004_clean")["findings"] == []


@pytest.mark.parametrize(
    ("user", "flagged"),
    [
        (".\\svc-exo", False),
        (".\\svc-exo ", True),
        (" .\\svc-exo", True),
        ("CONTOSO\\svc-exo", False),
        ("CONTOSO\\svc-exo\t", True),
        ("svc-exo\n", True),
        ("exo.mailbox@contoso.com", False),
        ("exo.mailbox@contoso.com\u00a0", True),  # a no-break space pasted from a web page
        ("Exchange Service", False),  # inner spaces are not the problem
        ("", False),
    ],
)
def test_crd004_user_name_shapes(tmp_path: Path, user: str, flagged: bool) -> None:
    path = tmp_path / "windows_credentials.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-08-19 09:10:26">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n<name>Service</name>\n'
        "<sys_id>0d9c4b7e1a6f52103a946777183c8877</sys_id>\n"
        f"<user_name>{_escape(user)}</user_name>\n</windows_credentials>\n</unload>\n",
        encoding="utf-8",
    )
    found = [(f.rule, f.position.line, f.position.column) for f in run([str(path)], Settings(), use_context=False)
             .findings]
    assert found == ([("CRD004", 6, 12)] if flagged else [])


# -- CRD005 conflicting definitions -----------------------------------------------------------------------------
def test_crd005_conflicting_definitions() -> None:
    data = report(FIXTURES / "crd005_conflict")
    assert located(data) == {("CRD005", "windows_credentials.xml", 15, 9)}
    item = data["findings"][0]
    # compared with the update set's own latest update of the record (its second one), not its first
    assert item["related"] == [
        {"path": "update_set_sccm.xml", "line": 49, "column": 631,
         "message": "first definition in update_set_sccm.xml"}
    ]
    assert "(order, user_name)" in item["message"]
    assert "2f8a5d1c9e3b52103a946777183c8858" in item["message"]


def test_crd005_quiet_for_identical_definitions() -> None:
    assert report(FIXTURES / "crd005_same")["findings"] == []


def test_crd005_ignores_a_deleted_definition(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(FIXTURES / "crd005_conflict", folder)
    (folder / "expected.txt").unlink()
    export = folder / "windows_credentials.xml"
    export.write_text(
        export.read_text(encoding="utf-8").replace('action="INSERT_OR_UPDATE"', 'action="DELETE"'), encoding="utf-8"
    )
    assert report(folder)["findings"] == []


def test_crd005_updates_of_one_record_inside_one_update_set_are_history(tmp_path: Path) -> None:
    source = (FIXTURES / "crd005_conflict" / "update_set_sccm.xml").read_text(encoding="utf-8")
    (tmp_path / "update_set_sccm.xml").write_text(source, encoding="utf-8")
    assert report(tmp_path)["findings"] == []


def test_crd005_settings_ignore_bookkeeping_fields(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        <?xml version="1.0" encoding="UTF-8"?>
        <unload unload_date="2024-09-09 12:00:41">
        <windows_credentials action="INSERT_OR_UPDATE">
        <name>SCCM site server</name>
        <sys_id>2f8a5d1c9e3b52103a946777183c8858</sys_id>
        <sys_mod_count>{count}</sys_mod_count>
        <sys_updated_on>{updated}</sys_updated_on>
        <user_name>CONTOSO\\svc-sccm</user_name>
        </windows_credentials>
        </unload>
        """
    )
    (tmp_path / "a.xml").write_text(text.format(count=3, updated="2024-09-02 10:19:04"), encoding="utf-8")
    (tmp_path / "b.xml").write_text(text.format(count=4, updated="2024-09-09 11:58:20"), encoding="utf-8")
    assert report(tmp_path)["findings"] == []


def test_crd005_a_newer_sys_updated_on_decides_and_a_missing_field_is_no_conflict(tmp_path: Path) -> None:
    """A later update set fixing a record is the normal workflow (no finding); an export that leaves a field out
    does not disagree about it; the same timestamp with another user name is the conflict."""
    record = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-09-09 12:00:41">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n{order}<sys_id>2f8a5d1c9e3b52103a946777183c8858</sys_id>\n'
        "<sys_updated_on>{updated}</sys_updated_on>\n<user_name>{user}</user_name>\n</windows_credentials>\n</unload>\n"
    )
    (tmp_path / "a.xml").write_text(record.format(order="<order>100</order>\n", updated="2024-09-02 10:19:04",
                                                  user="svc-sccm@contoso.com"), encoding="utf-8")
    (tmp_path / "b.xml").write_text(record.format(order="", updated="2024-09-09 11:58:20", user="svc@contoso.com"),
                                    encoding="utf-8")
    assert report(tmp_path)["findings"] == []  # b is newer
    (tmp_path / "b.xml").write_text(record.format(order="", updated="2024-09-02 10:19:04",
                                                  user="svc-sccm@contoso.com"), encoding="utf-8")
    assert report(tmp_path)["findings"] == []  # only `order` differs, and b does not carry it
    (tmp_path / "b.xml").write_text(record.format(order="", updated="2024-09-02 10:19:04", user="svc@contoso.com"),
                                    encoding="utf-8")
    data = report(tmp_path)
    assert located(data) == {("CRD005", "b.xml", 4, 9)}
    assert "(user_name)" in data["findings"][0]["message"]


def test_custom_plaintext_secret_rule_never_shows_its_line(tmp_path: Path) -> None:
    """A team's own secret rule on a field whose name looks harmless: the text report shows no source line."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME020.yaml").write_text(
        "id: ACME020\nname: mfa-seed-in-clear\nseverity: error\nsummary: An MFA seed is stored in clear.\n"
        "description: |\n  Seeds must be encrypted.\n\n  How to fix: encrypt it.\n"
        "check:\n  kind: plaintext_secret\n  fields: [u_mfa]\n  tables: [windows_credentials]\n",
        encoding="utf-8",
    )
    (tmp_path / ".snlint.yaml").write_text("rule-paths: [rules]\n", encoding="utf-8")
    (tmp_path / "credentials.yaml").write_text(
        "windows_credentials:\n  - sys_id: 6a0e5c1d2b3f52103a946777183c88aa\n    name: Kiosk\n"
        "    user_name: kiosk@contoso.com\n    u_mfa: Canary-Zx9\n",
        encoding="utf-8",
    )
    for fmt in FORMATS:
        result = snlint("--format", fmt, "--no-context", "credentials.yaml", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Canary-Zx9" not in result.stdout + result.stderr, fmt
    assert located(snlint_json("--no-context", "credentials.yaml", cwd=tmp_path)) == {
        ("ACME020", "credentials.yaml", 5, 12)
    }
