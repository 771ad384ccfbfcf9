"""The corpus in tests/corpus: one small repository of a scoped app ("Ticket Sync") in every container snlint reads,
written for these tests in the shapes real exports have (an update set with CDATA and entity-escaped payloads, a
DELETE update and a credential added by hand; a list export; a source-control app folder below
sn_source_control.properties with update/, author_elective_update/ and dictionary/; YAML and Table API JSON exports).

A run over it reports nothing; every value of every record points at its own text; records, references, deletions
and secrets come out as the exports mean them, at exact positions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from pyexpat import ExpatError

from conftest import ROOT, snlint, snlint_json
from test_positions import xml_text

from linter.discover import discover
from linter.engine import read_file, run
from linter.model import SecretForm
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

CORPUS = ROOT / "tests" / "corpus"
UPDATE_SET = CORPUS / "update-sets" / "sys_remote_update_set_Ticket_Sync_1_2_0.xml"
LIST_EXPORT = CORPUS / "list-exports" / "http_connection.xml"
APP = CORPUS / "source-control" / "src" / "x_nwt_ticket_sync"
YAML_EXPORT = CORPUS / "exports" / "credentials.yaml"
JSON_EXPORT = CORPUS / "exports" / "discovery_credentials.json"
TABLES = frozenset({"sys_remote_update_set", "sys_alias", "sys_script_include", "sys_properties", "sys_app",
                    "http_connection", "basic_auth_credentials"})  # every table of the corpus
_BREAK = re.compile(r"\r\n|\r|\n")


def _read(path: Path, tables: frozenset[str] = TABLES, secrets: frozenset[str] = frozenset()) -> ReadResult:
    (item,) = discover([str(path)])
    return read_file(item, ReadOptions(tables=tables, secret_fields=secrets))


def _inputs() -> list[str]:
    return sorted(Path(item.path).relative_to(CORPUS).as_posix() for item in discover([str(CORPUS)]))


def test_discovery_honours_the_source_control_layout() -> None:
    """sn_source_control.properties (path=src/x_nwt_ticket_sync) is honoured: the app's record files are inputs,
    dictionary/ (a <database> document, not records), checksum.txt and the properties file are not."""
    app = "source-control/src/x_nwt_ticket_sync"
    assert _inputs() == [
        "exports/credentials.yaml",
        "exports/discovery_credentials.json",
        "list-exports/http_connection.xml",
        f"{app}/author_elective_update/sys_properties_58938a24c0d51dd1e1dbc982afa26f01.xml",
        f"{app}/sys_app_472c9a93807a8000105880b8d7be47e7.xml",
        f"{app}/update/sys_alias_26b9512d8e971dc1388ef8a6549772e1.xml",
        f"{app}/update/sys_properties_1b38776372467028fdf108cf95eed575.xml",
        "update-sets/sys_remote_update_set_Ticket_Sync_1_2_0.xml",
    ]
    assert (APP / "dictionary" / "x_nwt_ticket_sync_link.xml").is_file()


def test_every_corpus_file_parses_without_input_findings() -> None:
    counts = {}
    for name in _inputs():
        result = _read(CORPUS / name)
        assert result.findings == [], (name, [(f.rule, str(f.position), f.message) for f in result.findings])
        counts[name.rsplit("/", 1)[-1]] = sorted(record.table for record in result.records)
    assert counts["sys_remote_update_set_Ticket_Sync_1_2_0.xml"] == [
        "basic_auth_credentials", "sys_alias", "sys_properties", "sys_properties", "sys_remote_update_set",
        "sys_script_include"]  # the <sys_translated_text action="delete_multiple"/> companion is not a record
    assert counts["http_connection.xml"] == ["http_connection", "http_connection"]
    assert counts["credentials.yaml"] == ["basic_auth_credentials", "sys_properties"]
    assert counts["discovery_credentials.json"] == ["basic_auth_credentials", "basic_auth_credentials"]
    assert sum(map(len, counts.values())) == 16


def test_a_run_over_the_corpus_reports_nothing() -> None:
    data = snlint_json("--isolated", "--no-context", str(CORPUS))
    assert data["findings"] == []
    assert data["summary"]["files"] == 8
    plain = snlint("--isolated", "--no-context", str(CORPUS))
    assert (plain.returncode, plain.stderr) == (0, "")
    assert plain.stdout == "No problems found in 8 file(s).\n"


def test_every_corpus_value_points_at_its_own_text() -> None:
    """The text at each reported span, unquoted (YAML / JSON) or decoded once or twice (an update-set payload's
    outer escaping, then its own), is the value: list exports, record files, CDATA and escaped payloads."""
    checked = 0
    for name in _inputs():
        path = CORPUS / name
        text = path.read_text(encoding="utf-8")
        starts = [0, *(match.end() for match in _BREAK.finditer(text))]
        for record in _read(path).records:
            head = starts[record.position.line - 1] + record.position.column - 1
            assert text.startswith(("<", "&lt;", "{", "sys_id:"), head), (name, record.table, record.position)
            for field, value in record.fields.items():
                position = value.position
                begin = starts[position.line - 1] + position.column - 1
                end = starts[position.end_line - 1] + position.end_column - 1
                raw = text[begin:end]
                decodes = _unquoted(raw) if path.suffix in (".yaml", ".json") else _xml_decodes_to(raw, value.text)
                assert decodes in (True, value.text), (name, record.table, field, str(position), raw[:80])
                checked += 1
    assert checked == 283  # every field of the 16 records (counted apart with ElementTree, json and ruamel.yaml)


def _unquoted(raw: str) -> str:
    if raw.startswith('"'):
        text: str = json.loads(raw)  # the JSON file, and YAML's double-quoted scalars here (JSON escapes only)
        return text
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return raw


def _xml_decodes_to(raw: str, expected: str) -> bool:
    """The span is the value as written, once or twice escaped; a span inside a CDATA section (a payload's own
    CDATA, split where its text holds "]]>") is the section's content."""
    if raw.replace("\r\n", "\n") == expected:
        return True
    try:
        once = xml_text(raw)
    except ExpatError:
        return False
    for candidate in (once, f"<![CDATA[{once}]]>"):
        try:
            if candidate == expected or xml_text(candidate) == expected:
                return True
        except ExpatError:
            continue
    return False


def test_update_set_payloads_cdata_escaped_and_deleted() -> None:
    records = {record.sys_id: record for record in _read(UPDATE_SET).records}
    alias = records["cd95648c0c5f24a093c7e289c1e22158"]  # CDATA payload, all on line 38
    assert (alias.table, alias.position.line, alias.position.column) == ("sys_alias", 38, 90)
    alias_id = alias.fields["id"]
    assert (alias_id.text, alias_id.position.line, alias_id.position.column) == (
        "x_nwt_ticket_sync.Tracker_API", 38, 280)
    assert alias.fields["description"].text == "Issue tracker REST API (tickets & comments)"  # &amp; inside CDATA

    script_include = records["c0e63b54c6eea77aa4986871440348b3"]  # entity-escaped: its script holds "]]>"
    assert (script_include.position.line, script_include.position.column) == (64, 102)
    name = script_include.fields["name"]
    assert (name.text, name.position.line, name.position.column) == ("TrackerClient", 64, 465)
    script = script_include.fields["script"]  # the payload's own CDATA, 19 lines (raw LFs survive escaping)
    position = script.position
    assert (position.line, position.column, position.end_line, position.end_column) == (64, 517, 82, 3)
    assert "a closing ]]> in this comment" in script.text and "tickets[i].number + '>'" in script.text
    assert script.text.startswith("var TrackerClient = Class.create();\n") and script.text.endswith("\n};")

    batch = records["5989b920cf994af36e17353b78d690be"]
    description = batch.fields["description"]  # &#13; in the payload: a CR in the value, then a raw LF
    assert description.text == ("Largest number of tickets sent in one run.\r\n"
                                "Keep it below the tracker's rate limit (60 a minute).")
    assert (description.position.line, description.position.column) == (108, 160)
    assert (batch.fields["value"].text, batch.fields["value"].position.line) == ("50", 109)
    assert not batch.deleted

    removed = records["58938a24c0d51dd1e1dbc982afa26f01"]  # <action>DELETE</action>
    assert removed.deleted and (removed.position.line, removed.position.column) == (135, 95)


def test_list_export_records_and_references() -> None:
    production, test = _read(LIST_EXPORT).records
    assert (production.sys_id, production.position.line, production.position.column) == (
        "7ebb355879e468d0743b260c0247f368", 3, 1)
    alias = production.fields["connection_alias"]
    assert (alias.text, alias.display) == ("cd95648c0c5f24a093c7e289c1e22158", "x_nwt_ticket_sync.Tracker_API")
    assert (alias.position.line, alias.position.column) == (5, 65)
    assert production.fields["mid_server"].text == "" and production.fields["description"].text == ""
    assert (test.fields["active"].text, test.fields["active"].position.line, test.fields["active"].position.column) \
        == ("false", 28, 9)


def test_source_control_record_files() -> None:
    (alias,) = _read(APP / "update" / "sys_alias_26b9512d8e971dc1388ef8a6549772e1.xml").records
    assert (alias.table, alias.position.line, alias.position.column) == ("sys_alias", 2, 5)
    assert (alias.fields["id"].text, alias.fields["id"].position.column) == ("x_nwt_ticket_sync.Tracker_Credential", 13)
    parent = alias.fields["parent"]
    assert (parent.text, parent.display, parent.position.line, parent.position.column) == (
        "cd95648c0c5f24a093c7e289c1e22158", "x_nwt_ticket_sync.Tracker_API", 10, 63)
    (prop,) = _read(APP / "update" / "sys_properties_1b38776372467028fdf108cf95eed575.xml").records
    value = prop.fields["value"]
    assert (value.text, value.position.line, value.position.column) == ("/rest/api/2/issue?notify=false&expand=names",
                                                                        23, 16)
    (elective,) = _read(APP / "author_elective_update" / "sys_properties_58938a24c0d51dd1e1dbc982afa26f01.xml").records
    assert elective.deleted and elective.updated_on == "2024-11-02 13:44:09"


def test_yaml_and_table_api_exports() -> None:
    test_user, prop = _read(YAML_EXPORT).records
    assert (test_user.table, test_user.position.line, test_user.position.column) == ("basic_auth_credentials", 4, 5)
    assert (test_user.fields["tag"].text, test_user.fields["tag"].position.line) == (
        "26b9512d8e971dc1388ef8a6549772e1", 11)
    scope = prop.fields["sys_scope"]  # a Table API reference object: its value, positioned at the value
    assert (scope.text, scope.display, scope.position.line, scope.position.column) == (
        "472c9a93807a8000105880b8d7be47e7", "Ticket Sync", 23, 14)
    assert prop.fields["description"].text == 'Wait before a retry when the tracker answers 429: "Too Many Requests"'

    _, test_user_later = _read(JSON_EXPORT).records
    tag = test_user_later.fields["tag"]
    assert (tag.text, tag.position.line, tag.position.column) == ("26b9512d8e971dc1388ef8a6549772e1", 26, 18)
    # the same credential in two exports: the later update (the JSON, 2025-04-12) wins, so no CRD005
    result = run([str(CORPUS / "exports")], Settings(), use_context=False)
    assert result.bundle is not None
    (live,) = [r for r in result.bundle.table("basic_auth_credentials") if r.sys_id == test_user.sys_id]
    assert (live.path, live.fields["active"].text) == (str(JSON_EXPORT), "false")


def test_encrypted_passwords_are_not_plaintext_secrets(tmp_path: Path) -> None:
    """The key-management envelope in a CDATA payload and in YAML is encrypted; without it, CRD002 at the value."""
    secrets = frozenset({"password"})
    (cred,) = [r for r in _read(UPDATE_SET, secrets=secrets).records if r.table == "basic_auth_credentials"]
    assert cred.fields["password"].secret is SecretForm.ENCRYPTED
    assert (cred.fields["password"].position.line, cred.fields["password"].position.column) == (161, 304)
    (yaml_cred, _) = _read(YAML_EXPORT, secrets=secrets).records
    assert yaml_cred.fields["password"].secret is SecretForm.ENCRYPTED
    assert snlint_json("--isolated", "--no-context", "--select", "CRD002", str(CORPUS))["findings"] == []

    envelope = re.compile("\ufdde\ufddf[^\ufdef]*\ufdee\ufdef")
    for source, expected in ((UPDATE_SET, (161, 304)), (YAML_EXPORT, (10, 15))):
        copy = tmp_path / source.name
        copy.write_text(envelope.sub("Winter2025!", source.read_text(encoding="utf-8")), encoding="utf-8")
        data = snlint_json("--isolated", "--no-context", "--select", "CRD002", str(copy))
        assert [(f["rule"], f["line"], f["column"]) for f in data["findings"]] == [("CRD002", *expected)]
        assert "Winter2025" not in json.dumps(data)
