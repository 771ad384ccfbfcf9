"""The real public exports in ../shared/corpus/public (read in place, never copied into the project): they parse
without input findings, a run over them reports nothing, sys_alias records come out with the right sys_id and exact
positions, every value of every record points at its own text, and the encrypted password is not a plaintext one."""

from __future__ import annotations

import re
from pathlib import Path
from pyexpat import ExpatError

import pytest
from conftest import snlint, snlint_json
from test_positions import xml_text

from linter.discover import discover
from linter.engine import read_file
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"
NBLAISDELL = CORPUS / "nblaisdell2__SNC-ConfluencePublisher" / "179c1ee2932e075045f0f3255d03d65f"
SWATI = CORPUS / "1Swati1__ipinfo-spoke" / "f1583c0d47005210ddb7a3b3416d43aa"
BACKUP = CORPUS / "1607313453__SNOW-back-up"
_BREAK = re.compile(r"\r\n|\r|\n")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/public is not present")


class _EveryTable(frozenset[str]):
    """A table set that holds every table: the reader keeps every record and parses every payload."""

    def __contains__(self, item: object) -> bool:
        return True


def _read(path: Path, tables: frozenset[str]) -> ReadResult:
    (item,) = discover([str(path)])
    return read_file(item, ReadOptions(tables=tables))


def _corpus_files() -> list[Path]:
    return [Path(item.path) for item in discover([str(CORPUS)])] if CORPUS.is_dir() else []


def test_the_corpus_is_there() -> None:
    files = _corpus_files()
    assert len(files) >= 30
    assert {path.suffix for path in files} == {".xml"}


def test_every_corpus_file_parses_without_input_findings() -> None:
    """All records of all tables (every payload parsed), and not one SN finding."""
    records = 0
    for path in _corpus_files():
        result = _read(path, _EveryTable())
        assert result.findings == [], (path, [(f.rule, str(f.position), f.message) for f in result.findings])
        records += len(result.records)
    assert records > 3000


def test_a_run_over_the_whole_corpus_reports_nothing() -> None:
    data = snlint_json("--no-context", str(CORPUS))
    assert data["findings"] == []
    assert data["summary"]["files"] == len(_corpus_files())
    plain = snlint("--no-context", str(CORPUS))
    assert plain.returncode == 0 and plain.stderr == ""
    assert plain.stdout.startswith("No problems found")


def test_every_corpus_value_points_at_its_own_text() -> None:
    """71,000 real values (list exports, record files, CDATA and entity-escaped payloads): the text at each
    reported span, decoded once or twice (outer escaping, then the payload's own), is the value."""
    checked = 0
    for path in _corpus_files():
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        starts = [0, *(match.end() for match in _BREAK.finditer(text))]
        result = _read(path, _EveryTable())
        for record in result.records:
            head = starts[record.position.line - 1] + record.position.column - 1
            assert text.startswith(("<", "&lt;"), head), (path, record.table, record.position)
            for name, value in record.fields.items():
                position = value.position
                begin = starts[position.line - 1] + position.column - 1
                end = starts[position.end_line - 1] + position.end_column - 1
                raw = text[begin:end]
                assert _decodes_to(raw, value.text), (str(path), record.table, name, position, raw[:80])
                checked += 1
    assert checked > 70_000


def _decodes_to(raw: str, expected: str) -> bool:
    current = raw
    if current.replace("\r\n", "\n") == expected:
        return True
    for _ in range(2):
        try:
            current = xml_text(current)
        except ExpatError:
            return False
        if current == expected:
            return True
    return False


def test_source_control_alias_records_and_positions() -> None:
    result = _read(NBLAISDELL / "update" / "sys_alias_58af7f99c7ee446fa2164b3a93221c5f.xml",
                   frozenset({"sys_alias"}))
    assert result.findings == []
    (alias,) = result.records  # the <sys_translated_text action="delete_multiple"/> companion is not a record
    assert (alias.table, alias.sys_id) == ("sys_alias", "58af7f99c7ee446fa2164b3a93221c5f")
    assert (alias.position.line, alias.position.column) == (2, 5)  # `    <sys_alias action=...>`
    sys_id = alias.fields["sys_id"].position
    assert (sys_id.line, sys_id.column, sys_id.end_line, sys_id.end_column) == (15, 17, 15, 49)
    alias_id = alias.fields["id"]
    assert alias_id.text == "x_1295779_conflu_0.Confluence"
    assert (alias_id.position.line, alias_id.position.column) == (6, 13)
    parent = alias.fields["parent"]
    assert (parent.text, parent.position.line, parent.position.column) == ("", 10, 9)  # <parent/>: the element
    policy = alias.fields["retry_policy"]
    assert policy.display == "Default HTTP Retry Policy"
    assert (policy.text, policy.position.line, policy.position.column) == ("ef751ff07301330025d71afe2ff6a7f9", 11, 65)
    assert not alias.deleted and alias.updated_on == "2026-08-10 02:04:38"

    other = _read(SWATI / "update" / "sys_alias_244ce98547845210ddb7a3b3416d4341.xml", frozenset({"sys_alias"}))
    (ipinfo,) = other.records
    assert ipinfo.sys_id == "244ce98547845210ddb7a3b3416d4341"
    assert (ipinfo.fields["sys_id"].position.line, ipinfo.fields["sys_id"].position.column) == (14, 17)
    assert ipinfo.fields["id"].text == "x_1088613_ipinfo_s.IPInfo_Alias"


def test_every_corpus_alias_is_found_by_a_normal_run() -> None:
    from linter.engine import run

    result = run([str(CORPUS)], Settings(), use_context=False)
    assert result.bundle is not None
    aliases = {record.sys_id: record for record in result.bundle.table("sys_alias")}
    assert set(aliases) == {"58af7f99c7ee446fa2164b3a93221c5f", "244ce98547845210ddb7a3b3416d4341"}
    for record in aliases.values():
        assert record.fields["sys_id"].text == record.sys_id
        assert record.path.endswith(f"update/sys_alias_{record.sys_id}.xml")


def test_encrypted_password_is_not_a_plaintext_secret(tmp_path: Path) -> None:
    path = BACKUP / "87a4a0a997962110cc7dbfb6f053af87" / "update" / \
        "sys_auth_profile_basic_da771e6f976ae110cc7dbfb6f053af8c.xml"
    result = _read(path, frozenset({"sys_auth_profile_basic"}))
    (profile,) = result.records
    password = profile.fields["password"]
    assert password.text.startswith("\ufdde\ufddf") and password.text.endswith("\ufdee\ufdef")
    assert (password.position.line, password.position.column) == (4, 19)
    data = snlint_json("--no-context", "--select", "CRD002", str(BACKUP))
    assert data["findings"] == []
    # the same record without its envelope is reported: the check does read this table and field
    copy = tmp_path / path.name
    copy.write_text(path.read_text(encoding="utf-8").replace(password.text, "correct-horse"), encoding="utf-8")
    data = snlint_json("--no-context", "--select", "CRD002", str(copy))
    assert [(f["rule"], f["line"], f["column"]) for f in data["findings"]] == [("CRD002", 4, 19)]
    assert "correct-horse" not in str(data)
