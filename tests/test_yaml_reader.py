"""The YAML / Table-API JSON reader: records with exact positions, SN001/SN002/SN003 findings, inline suppressions,
non-exports skipped silently; and the real command on a source-control repository with a YAML credential export
and on a Table-API JSON export (issue 3's judged scenarios)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, located, read_yaml_export, snlint, snlint_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linter.model import Position
from linter.read.base import ReadOptions, ReadResult

TABLES = frozenset(
    {"sys_alias", "http_connection", "oauth_entity_profile", "oauth_2_0_credentials", "windows_credentials",
     "discovery_credentials"}
)
SOURCE_CONTROL = FIXTURES / "yaml_source_control"
TABLE_API = FIXTURES / "yaml_table_api_json"


def read(path: Path, max_bytes: int = 1 << 30, max_depth: int = 500) -> ReadResult:
    """The reader's result, its problem kinds bound to the built-in rules as a run binds them."""
    return read_yaml_export(path, ReadOptions(tables=TABLES, max_bytes=max_bytes, max_depth=max_depth))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def lc(position: Position) -> tuple[int, int]:
    return position.line, position.column


def problems(result: ReadResult) -> list[tuple[str, int, int]]:
    return [(item.rule, item.position.line, item.position.column) for item in result.findings]


# -- records and positions ------------------------------------------------------------------------------------
def test_yaml_export_values_know_their_exact_line_and_column() -> None:
    path = SOURCE_CONTROL / "credentials" / "exchange-online.yaml"
    result = read(path)
    assert result.is_export and not result.findings and not result.ignores
    oauth, mailbox = result.records
    assert (oauth.table, oauth.sys_id) == ("oauth_2_0_credentials", "6549d7301f9df44099c1c562eac534b9")
    assert (oauth.position.path, *lc(oauth.position)) == (str(path), 6, 5)
    assert oauth.updated_on == "2024-09-12 16:58:12" and not oauth.deleted
    # booleans and numbers become ServiceNow text
    assert oauth.text("active") == "true" and oauth.text("order") == "100"
    # a Table API reference object: the sys_id, its display value, at the sys_id's position
    profile = oauth.fields["oauth_entity_profile"]
    assert profile.text == "d0f8e6da147a175708f6fa3431ef1e11"
    assert profile.display == "Exchange Online Mailbox default_profile"
    assert (profile.position.line, profile.position.column) == (12, 14)
    # authorized_as as a mapping: one field per claim
    upn = oauth.fields["authorized_as.upn"]
    assert upn.text == "svc.exo-automation@fabrikam.com"
    assert (upn.position.line, upn.position.column, upn.position.end_line, upn.position.end_column) == (19, 12, 19, 43)
    assert oauth.text("authorized_as.tid") == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert "authorized_as" not in oauth.fields
    user = mailbox.fields["user_name"]
    assert (mailbox.table, user.text) == ("windows_credentials", "svc.mailbox-pilot@fabrikam.com")
    assert (user.position.line, user.position.column, user.position.end_column) == (31, 16, 46)
    assert mailbox.text("tag") == "9aa93425b112fc6f4a99854a9dc48d59"


def test_quoted_values_point_at_the_opening_quote(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", """
        windows_credentials:
          - sys_id: "323ff4b6d475c118e6757758c430092e"
            user_name: 'svc.mailbox@fabrikam.com'
            sys_updated_on: '2024-09-12 16:59:47'
            description: |
              Mailbox credential
            order: 0100
            version: 1.10
            mid_list:
    """)
    [record] = read(path).records
    assert record.sys_id == "323ff4b6d475c118e6757758c430092e"
    user = record.fields["user_name"]
    assert (user.position.line, user.position.column, user.position.end_column) == (3, 16, 42)
    assert user.text == "svc.mailbox@fabrikam.com"
    assert lc(record.fields["description"].position) == (5, 18)  # the `|` of a block scalar
    # numbers keep the text as written, an empty value is "" and points at its key
    assert record.text("order") == "0100" and record.text("version") == "1.10"
    assert record.text("mid_list") == "" and lc(record.fields["mid_list"].position) == (9, 5)


def test_table_api_json_takes_each_records_table_from_sys_class_name() -> None:
    path = TABLE_API / "exports" / "discovery_credentials.json"
    result = read(path)
    assert result.is_export and not result.findings
    oauth, mailbox = result.records
    assert (oauth.table, mailbox.table) == ("oauth_2_0_credentials", "windows_credentials")
    assert oauth.fields["sys_domain"].text == "global"
    profile = oauth.fields["oauth_entity_profile"]
    assert profile.text == "278c19336db95a7dac9bcd2c82e97002" and profile.display is None
    assert lc(profile.position) == (15, 18)  # the opening quote of "value"'s string
    claim = oauth.fields["authorized_as.preferred_username"]
    assert (claim.text, claim.position.line, claim.position.column) == ("exo.service@contoso.onmicrosoft.com", 8, 31)
    user = mailbox.fields["user_name"]
    assert (user.text, user.position.line, user.position.column) == ("exo.service@contoso.com", 54, 20)
    assert mailbox.text("password").startswith("\ufdde\ufddf")  # JSON escapes decoded


def test_glide_lists_deletes_and_the_class_over_the_list_name(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", """
        discovery_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            sys_class_name: windows_credentials
            tag: [9aa93425b112fc6f4a99854a9dc48d59, 1ff4d76b843b43108a39d5d8072fcfc2]
          - sys_id: bd7e8a21b646b2d9ea6b3ce4cf4499fd
            sys_class_name: windows_credentials
            action: DELETE
        sys_user:
          - sys_id: 8397c1310b39218cc60d87d16b1b25d3
            user_name: not.kept
    """)
    result = read(path)
    assert not result.findings
    kept, deleted = result.records  # sys_user is not a table any rule reads
    assert kept.table == "windows_credentials"
    assert kept.text("tag") == "9aa93425b112fc6f4a99854a9dc48d59,1ff4d76b843b43108a39d5d8072fcfc2"
    assert lc(kept.fields["tag"].position) == (4, 10)
    assert deleted.deleted and "action" not in deleted.fields


def test_a_bom_and_crlf_line_ends_do_not_shift_columns(tmp_path: Path) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_bytes(
        b"\xef\xbb\xbfwindows_credentials: [{sys_id: 323ff4b6d475c118e6757758c430092e,\r\n"
        b"  user_name: svc@fabrikam.com}]\r\n"
    )
    [record] = read(path).records
    assert lc(record.fields["sys_id"].position) == (1, 32)
    assert lc(record.fields["user_name"].position) == (2, 14)
    assert record.text("user_name") == "svc@fabrikam.com"


# -- not an export ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".github/workflows/lint.yml", "name: lint\non: [push]\njobs:\n  lint: {runs-on: ubuntu-latest}\n"),
        ("package.json", '{"name": "contoso-servicenow-config", "private": true, "result": []}\n'),
        ("package-lock.json", '{"name": "x", "lockfileVersion": 3\n'),  # broken, but not an export
        ("docker-compose.yaml", "services:\n  app:\n    image: nginx\n    ports: ['8080:80']\n"),
        ("empty.yaml", ""),
        ("comments.yaml", "# nothing here yet\n---\n"),
        ("list.yaml", "- windows_credentials\n- sys_alias\n"),
    ],
)
def test_yaml_and_json_that_is_not_an_export_is_skipped_without_a_finding(tmp_path: Path, name: str, text: str) -> None:
    path = write(tmp_path, name, text)
    result = read(path)
    assert not result.is_export
    assert not result.findings and not result.records


def test_deciding_that_a_file_is_not_an_export_imports_neither_ruamel_nor_jsonschema(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", "name: CI\non: [push]\njobs:\n  test: {runs-on: ubuntu-latest}\n")
    write(tmp_path, "package.json", '{"name": "x", "version": "1.0.0"}\n')
    script = textwrap.dedent(f"""
        import os, sys
        from linter.read.base import ReadOptions
        from linter.read.yaml import read_yaml
        for name in ("ci.yaml", "package.json"):
            path = os.path.join({str(tmp_path)!r}, name)
            fd = os.open(path, os.O_RDONLY)
            result = read_yaml(path, ReadOptions(tables=frozenset({{"windows_credentials"}})), fd, os.fstat(fd).st_size)
            assert not result.is_export, name
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("ruamel", "jsonschema"))
        print(heavy)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# -- input that cannot be read ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "expected", "words"),
    [
        ("trailing.json", '{"result": [{"sys_id": "6549d7301f9df44099c1c562eac534b9",\n'
         ' "sys_class_name": "oauth_2_0_credentials"}]}\n]', ("SN001", 3, 1), "text after the end"),
        ("comma.json", '{"windows_credentials": [\n  {"sys_id": "6549d7301f9df44099c1c562eac534b9",}\n]}',
         ("SN001", 2, 48), "invalid JSON: Illegal trailing comma before end of object"),
        ("indent.yaml", "windows_credentials:\n  - sys_id: 6549d7301f9df44099c1c562eac534b9\n   name: x\n",
         ("SN001", 3, 4), "invalid YAML"),
        ("twice.yaml", "windows_credentials:\n  - sys_id: 6549d7301f9df44099c1c562eac534b9\n"
         "    name: a\n    name: b\n", ("SN001", 4, 5), "duplicate key 'name'"),
        ("alias.yaml", "windows_credentials:\n  - &cred [*cred]\n", ("SN002", 2, 12),
         "inside the node it refers to"),
        ("deep.yaml", "windows_credentials: " + "[" * 150 + "]" * 150 + "\n",
         ("SN002", 1, 121), "nesting deeper than 100 levels"),
    ],
)
def test_unreadable_exports_are_findings_with_a_position(
    tmp_path: Path, name: str, content: str, expected: tuple[str, int, int], words: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read(path)
    assert problems(result) == [expected]
    assert words in result.findings[0].message
    assert not result.records


@pytest.mark.parametrize(
    ("content", "expected", "words"),
    [
        ("windows_credentials:\n".encode("utf-16"), ("SN002", 1, 1), "UTF-16"),
        (b"windows_credentials:\n  - sys_id: ab\x00cd\n", ("SN002", 2, 15), "NUL"),
        (b"windows_credentials:\n  - name: caf\xe9 mailbox\n", ("SN002", 2, 14), "not valid UTF-8"),
    ],
)
def test_binary_and_non_utf8_files_are_refused_with_a_position(
    tmp_path: Path, content: bytes, expected: tuple[str, int, int], words: str
) -> None:
    path = tmp_path / "credentials.yaml"
    path.write_bytes(content)
    result = read(path)
    assert problems(result) == [expected] and words in result.findings[0].message


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", "windows_credentials: []\n" + "# padding\n" * 200)
    assert problems(read(path, max_bytes=1024)) == [("SN002", 1, 1)]


# -- schema violations (SN003) ----------------------------------------------------------------------------------
BAD_EXPORT = """
    # hand-written export with mistakes
    windows_credentials:
      - sys_id: 323FF4B6D475C118E6757758C430092E
        name: Exchange Online Mailbox
        user_name: [svc.mailbox@fabrikam.com, {upn: svc.mailbox@fabrikam.com}]
        tag: {value: 9aa93425b112fc6f4a99854a9dc48d59, dispaly_value: Exchange Online Mailbox MID}
        sys_updated_on: 2024/09/12
        action: REMOVE
      - name: Exchange Online Mailbox (old)
        user_name: svc.mailbox@fabrikam.com
    oauth_2_0_credentials:
      - sys_id: 6549d7301f9df44099c1c562eac534b9
        authorized_as: {upm: svc.exo-automation@fabrikam.com, oid: not-a-guid}
        Client Secret: x
    exported_at: '2024-09-12'
    Windows Credentials: []
"""


def test_schema_violations_are_sn003_at_the_offending_key_or_value(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", BAD_EXPORT)
    result = read(path)
    found = {(item.position.line, item.position.column): item.message for item in result.findings}
    assert {item.rule for item in result.findings} == {"SN003"}
    assert set(found) == {
        (3, 13), (5, 43), (6, 52), (7, 21), (8, 13), (9, 5), (13, 20), (13, 21), (13, 64), (14, 5), (15, 14),
        (16, 1),
    }
    assert found[(3, 13)] == (
        "windows_credentials record 1 'Exchange Online Mailbox', field 'sys_id': expected the record's sys_id "
        "(32 lowercase hexadecimal characters), got '323FF4B6D475C118E6757758C430092E'"
    )
    assert found[(5, 43)].endswith("field 'user_name[1]': expected a sys_id (text), got a mapping")
    assert found[(6, 52)].endswith(
        "field 'tag': unknown key 'dispaly_value' (expected one of: display_value, link, value)"
    )
    assert "YYYY-MM-DD HH:MM:SS" in found[(7, 21)]
    assert "INSERT_OR_UPDATE" in found[(8, 13)] and "'REMOVE'" in found[(8, 13)]
    assert found[(9, 5)].startswith("windows_credentials record 2 'Exchange Online Mailbox (old)': 'sys_id' is missing")
    assert found[(13, 20)].endswith("field 'authorized_as': needs 'upn' or 'preferred_username' or 'unique_name'")
    assert "unknown key 'upm'" in found[(13, 21)]
    assert "GUID" in found[(13, 64)]
    assert found[(14, 5)] == (
        "oauth_2_0_credentials record 1: key 'Client Secret' is not a valid field name "
        "(letters, digits, _ and . for dot-walked fields)"
    )
    assert found[(15, 14)].startswith("'exported_at': expected a list of records")
    assert found[(16, 1)].startswith("top-level key 'Windows Credentials' is not a valid ServiceNow table name")
    # the readable records are still read; the one without a sys_id is not
    assert [record.sys_id for record in result.records] == ["323FF4B6D475C118E6757758C430092E",
                                                            "6549d7301f9df44099c1c562eac534b9"]


def test_sn003_messages_never_show_a_secret_value(tmp_path: Path) -> None:
    secret = "Hunter2-plaintext-0123"
    path = write(tmp_path, "credentials.yaml", f"""
        windows_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            password: [{secret}, {{nested: {secret}}}]
            client_secret: {{value: {{nested: {secret}}}}}
            token: {{value: {secret}, secret: {secret}}}
    """)
    result = read(path)
    assert len(result.findings) == 3
    assert all(secret not in item.message for item in result.findings)


def test_table_api_records_without_sys_class_name_take_the_table_of_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "discovery_credentials.json", """
        {"result": [
          {"sys_id": "323ff4b6d475c118e6757758c430092e", "sys_class_name": "windows_credentials",
           "user_name": "svc.mailbox@fabrikam.com"},
          {"sys_id": "bd7e8a21b646b2d9ea6b3ce4cf4499fd", "user_name": "svc.other@fabrikam.com"}
        ],
         "count": 2}
    """)
    result = read(path)
    assert problems(result) == [("SN003", 6, 2)]  # the key "count"
    assert result.findings[0].message == "top level: unknown key 'count' (expected one of: result)"
    assert [record.table for record in result.records] == ["windows_credentials", "discovery_credentials"]


# -- inline suppressions --------------------------------------------------------------------------------------
def test_inline_ignore_comments_are_collected_with_their_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", """
        windows_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            # snlint: ignore[EXO002, crd004] tenant domains verified by IAM (CHG0031337)
            user_name: svc.mailbox@fabrikam.com
            name: 'Mailbox # snlint: ignore[EXO001] not a comment'
            description: |
              # snlint: ignore[EXO003] inside a block scalar, not a comment
            order: 100  # snlint: ignore[CRD005]
            tag: 9aa93425b112fc6f4a99854a9dc48d59 #snlint: ignore[EXO004]: see the runbook
            active: true  # snlint: ignore[] nothing listed
    """)
    ignores = read(path).ignores
    assert [(item.rules, item.position.line, item.position.column, item.reason) for item in ignores] == [
        (("EXO002", "CRD004"), 3, 5, "tenant domains verified by IAM (CHG0031337)"),
        (("CRD005",), 8, 17, ""),
        (("EXO004",), 9, 43, "see the runbook"),
    ]


def test_json_has_no_comments_so_no_suppressions(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.json", """
        {"windows_credentials": [{"sys_id": "323ff4b6d475c118e6757758c430092e",
          "name": "x # snlint: ignore[EXO001] reason"}]}
    """)
    result = read(path)
    assert result.is_export and not result.ignores


# -- the real command ---------------------------------------------------------------------------------------------
def test_source_control_xml_aliases_and_a_yaml_credential_export_in_one_run() -> None:
    report = snlint_json("--no-context", ".", cwd=SOURCE_CONTROL)
    assert located(report) == {("EXO001", "credentials/exchange-online.yaml", 31, 16)}
    [finding] = report["findings"]
    assert "'svc.mailbox-pilot@fabrikam.com'" in finding["message"]
    assert "'svc.exo-automation@fabrikam.com'" in finding["message"]
    assert "x_fabr_mbx_auto.Exchange_Online_Mailbox_MID" in finding["message"]
    assert [(item["path"], item["line"], item["column"]) for item in finding["related"]] == [
        ("credentials/exchange-online.yaml", 19, 12)
    ]
    assert report["summary"]["files"] == 6  # 5 XML records and the export (.pre-commit-config.yaml is not one)


def test_a_changed_yaml_export_alone_is_checked_against_the_rest_of_the_repository(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(SOURCE_CONTROL, repository)
    write(repository, ".snlint.yaml", "context: [.]\n")
    report = snlint_json("credentials/exchange-online.yaml", cwd=repository)
    assert located(report) == {("EXO001", "credentials/exchange-online.yaml", 31, 16)}
    assert report["summary"]["files"] == 1


def test_table_api_json_export_findings_at_the_exact_json_line() -> None:
    report = snlint_json("--no-context", ".", cwd=TABLE_API)
    assert located(report) == {("EXO002", "exports/discovery_credentials.json", 54, 20)}
    [finding] = report["findings"]
    assert "preferred_username" in finding["message"]
    assert finding["related"][0]["line"] == 8


def test_upn_instead_of_preferred_username_settles_the_json_case(tmp_path: Path) -> None:
    shutil.copytree(TABLE_API, tmp_path / "exports-repo")
    export = tmp_path / "exports-repo" / "exports" / "discovery_credentials.json"
    export.write_text(export.read_text(encoding="utf-8").replace(
        '"preferred_username": "exo.service@contoso.onmicrosoft.com"', '"upn": "Exo.Service@contoso.com"'
    ), encoding="utf-8")
    report = snlint_json("--isolated", "--no-context", ".", cwd=tmp_path / "exports-repo")
    assert report["findings"] == []


def test_a_broken_export_is_reported_and_the_other_files_are_still_linted(tmp_path: Path) -> None:
    shutil.copytree(SOURCE_CONTROL, tmp_path / "repo")
    write(tmp_path / "repo", "credentials/broken.yaml", "windows_credentials:\n  - sys_id: [\n")
    write(tmp_path / "repo", "credentials/invalid.json", '{"windows_credentials": []} extra\n')
    report = snlint_json("--isolated", "--no-context", ".", cwd=tmp_path / "repo")
    assert located(report) == {
        ("EXO001", "credentials/exchange-online.yaml", 31, 16),
        ("SN001", "credentials/broken.yaml", 3, 1),
        ("SN001", "credentials/invalid.json", 1, 29),
    }


def test_inline_suppression_with_and_without_a_reason(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    shutil.copytree(SOURCE_CONTROL, repository)
    export = repository / "credentials" / "exchange-online.yaml"
    lines = export.read_text(encoding="utf-8").split("\n")
    lines.insert(30, "    # snlint: ignore[EXO001] pilot account stays until the cut-over on 2024-10-01 (CHG0042)")
    export.write_text("\n".join(lines), encoding="utf-8")
    report = snlint_json("--isolated", "--no-context", ".", cwd=repository)
    assert report["findings"] == []

    lines[30] = "    user_name: svc.mailbox-pilot@fabrikam.com  # snlint: ignore[EXO001]"
    del lines[31]
    export.write_text("\n".join(lines), encoding="utf-8")
    report = snlint_json("--isolated", "--no-context", ".", cwd=repository)
    assert located(report) == {("SN005", "credentials/exchange-online.yaml", 31, 48)}

    lines[30] = "    user_name: svc.mailbox-pilot@fabrikam.com  # snlint: ignore[EXO002] wrong rule"
    export.write_text("\n".join(lines), encoding="utf-8")
    report = snlint_json("--isolated", "--no-context", ".", cwd=repository)
    assert located(report) == {
        ("EXO001", "credentials/exchange-online.yaml", 31, 16),
        ("SN004", "credentials/exchange-online.yaml", 31, 48),
    }


def test_sn003_through_the_command_exits_1_and_names_the_record(tmp_path: Path) -> None:
    write(tmp_path, "credentials.yaml", BAD_EXPORT)
    result = snlint("--isolated", "--no-context", "--format", "json", "credentials.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "windows_credentials record 1 'Exchange Online Mailbox', field 'sys_id'" in result.stdout


# -- hostile input ----------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(["windows_credentials:\n", '{"result": [{"sys_class_name": "windows_credentials", ', ""]),
    body=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
)
def test_any_text_gives_findings_or_records_never_a_crash(prefix: str, body: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("export.json" if prefix.startswith("{") else "export.yaml")
        path.write_text(prefix + body, encoding="utf-8")
        result = read(path)
    assert all(item.rule in ("SN001", "SN002", "SN003") for item in result.findings)
    for item in result.findings:
        assert item.position.line >= 1 and item.position.column >= 1
    if not result.is_export:
        assert not result.findings and not result.records


def test_the_documented_examples_are_valid_exports(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "credential-exports.md").read_text(encoding="utf-8")
    examples = [("yaml", block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    examples += [("json", block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]
    assert len(examples) >= 3
    for index, (kind, block) in enumerate(examples):
        path = tmp_path / f"example{index}.{kind}"
        path.write_text(block, encoding="utf-8")
        result = read(path)
        assert result.is_export and result.findings == [] and result.records, (kind, block[:80])
