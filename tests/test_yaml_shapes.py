"""YAML the way people and tools write it (issue 11, section 4): anchors, aliases and `<<` merge keys, several
documents in one stream, an export indented at the top level, written with explicit `? key` syntax or in flow
style. Each scenario under tests/fixtures/yaml_shapes is a realistic export whose findings are listed in its
expected.txt with the exact line:col and the text found there."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, read_yaml_export, snlint_json, write

from linter.model import Position
from linter.read.base import ReadOptions, ReadResult

SHAPES = FIXTURES / "yaml_shapes"
SCENARIOS = sorted(path.parent for path in SHAPES.glob("*/expected.txt"))
TABLES = frozenset({"sys_alias", "http_connection", "oauth_entity_profile", "oauth_2_0_credentials",
                    "windows_credentials"})


def _expected(folder: Path) -> list[tuple[str, str, int, int, str]]:
    """(rule, path, line, column, text at that position) of each line `RULE path:line:col  text`."""
    expected = []
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rule, where, text = line.split(maxsplit=2)
        path, row, column = where.rsplit(":", 2)
        expected.append((rule, path, int(row), int(column), text))
    return expected


def read(path: Path) -> ReadResult:
    return read_yaml_export(path, ReadOptions(tables=TABLES))


def lc(position: Position) -> tuple[int, int]:
    return position.line, position.column


def test_every_shape_has_a_scenario() -> None:
    assert {folder.name for folder in SCENARIOS} == {
        "anchors", "multi_document", "indented", "explicit_keys", "flow", "table_api"
    }


@pytest.mark.parametrize("folder", SCENARIOS, ids=[folder.name for folder in SCENARIOS])
def test_scenario_reports_exactly_the_expected_findings_at_the_expected_text(folder: Path) -> None:
    report = snlint_json("--no-context", ".", cwd=folder)
    found = Counter((f["rule"], f["path"], f["line"], f["column"]) for f in report["findings"])
    expected = _expected(folder)
    assert found == Counter(item[:4] for item in expected)
    for _, path, line, column, text in expected:  # the positions are the values as written
        assert (folder / path).read_text(encoding="utf-8").split("\n")[line - 1][column - 1 :].startswith(text)


def test_a_plaintext_password_is_reported_whatever_the_layout(tmp_path: Path) -> None:
    # Before: each of these was "not an export" and its plaintext password went unreported.
    for folder in ("indented", "explicit_keys", "flow"):
        result = read(SHAPES / folder / "mailbox.yaml")
        assert result.is_export and not result.findings
        assert [record.table for record in result.records] == ["windows_credentials"]
        assert result.records[0].text("password").endswith("-Mailbox-2024")


# -- anchors, aliases and merge keys ----------------------------------------------------------------------------
def test_merge_keys_give_the_merged_fields_with_the_anchored_positions() -> None:
    result = read(SHAPES / "anchors" / "exchange-online.yaml")
    assert not result.findings
    records = {record.sys_id: record for record in result.records}
    oauth = records["6549d7301f9df44099c1c562eac534b9"]
    mailbox = records["323ff4b6d475c118e6757758c430092e"]
    glass = records["8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c"]
    # `<<: &exchange_online {active: true, order: 100, applies_to: all}` on line 29
    assert [oauth.text(name) for name in ("active", "order", "applies_to")] == ["true", "100", "all"]
    assert lc(oauth.fields["order"].position) == (29, 48)
    assert lc(mailbox.fields["order"].position) == (29, 48)  # reached through the alias: the anchored text
    assert lc(mailbox.fields["active"].position) == (29, 35)
    # the record's own key wins over the merged one, wherever it is written
    assert glass.text("order") == "900" and lc(glass.fields["order"].position) == (43, 12)
    # a scalar alias: the anchored sys_id, placed at its text (after `&mid_alias `)
    assert mailbox.text("tag") == "1ff4d76b843b43108a39d5d8072fcfc2"
    assert lc(mailbox.fields["tag"].position) == (5, 24)
    assert lc(records["1ff4d76b843b43108a39d5d8072fcfc2"].fields["sys_id"].position) == (5, 24)


def test_a_merged_list_of_mappings_and_an_anchored_record(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", """
        windows_credentials:
          - &mailbox
            sys_id: 323ff4b6d475c118e6757758c430092e
            name: Exchange Online Mailbox
            active: true
            user_name: svc.exo@fabrikam.com
          - <<: [{order: 100, active: false}, *mailbox]
            sys_id: 8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c
            name: Exchange Online Mailbox (copy)
    """)
    result = read(path)
    assert not result.findings
    first, copy = result.records
    assert lc(first.position) == (3, 5)  # the record's first key, not its `&mailbox`
    assert copy.text("name") == "Exchange Online Mailbox (copy)"
    assert copy.text("active") == "false"  # the earlier mapping of the merge list wins
    assert copy.text("user_name") == "svc.exo@fabrikam.com" and lc(copy.fields["user_name"].position) == (6, 16)


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("windows_credentials:\n  - &cred\n    sys_id: 323ff4b6d475c118e6757758c430092e\n    tag: [*cred]\n",
         ("SN002", 4, 11), "inside the node it refers to"),
        ("windows_credentials:\n  - sys_id: 323ff4b6d475c118e6757758c430092e\n    <<: not a mapping\n",
         ("SN001", 3, 9), "a `<<` merge key takes a mapping"),
        ("windows_credentials:\n  - sys_id: 323ff4b6d475c118e6757758c430092e\n    name: *nowhere\n",
         ("SN001", 3, 11), "undefined alias"),
    ],
)
def test_broken_aliases_are_findings_with_a_position(
    tmp_path: Path, text: str, expected: tuple[str, int, int], words: str
) -> None:
    result = read(write(tmp_path, "credentials.yaml", text))
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [expected]
    assert words in result.findings[0].message


def test_an_alias_bomb_inside_an_export_is_still_refused_where_it_crosses_the_limit(tmp_path: Path) -> None:
    lines = ["windows_credentials:", "  - sys_id: 323ff4b6d475c118e6757758c430092e",
             '    tag: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level, name in enumerate("bcdefg"):
        lines.append(f"    u_{name}: &{name} [" + ", ".join(["*" + "abcdefg"[level]] * 10) + "]")
    result = read(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))
    assert [(item.rule, lc(item.position)) for item in result.findings] == [("SN002", (7, 42))]  # the 8th *d
    assert "alias bomb" in result.findings[0].message and not result.records


# -- several documents -----------------------------------------------------------------------------------------
def test_documents_of_one_stream_are_one_export_with_records_numbered_on(tmp_path: Path) -> None:
    path = write(tmp_path, "credentials.yaml", """
        %YAML 1.1
        ---
        windows_credentials:
          - sys_id: 323ff4b6d475c118e6757758c430092e
            name: Exchange Online Mailbox
        ...
        --- # an empty document adds nothing
        ---
        windows_credentials:
          - sys_id: 8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c
            name: Exchange Online Mailbox (second)
            sys_updated_on: yesterday
        oauth_2_0_credentials:
    """)
    result = read(path)
    assert [(record.sys_id, lc(record.position)) for record in result.records] == [
        ("323ff4b6d475c118e6757758c430092e", (4, 5)), ("8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c", (10, 5))
    ]
    # a schema violation in the third document names the record by its number in the whole export
    assert [(item.rule, lc(item.position)) for item in result.findings] == [("SN003", (12, 21))]
    assert result.findings[0].message.startswith("windows_credentials record 2 'Exchange Online Mailbox (second)'")


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("windows_credentials: []\n---\n- sys_id: 323ff4b6d475c118e6757758c430092e\n", ("SN001", 3, 1),
         "document 2 of the stream is not a mapping of tables"),
        ("windows_credentials: []\n---\nwindows_credentials: {sys_id: 323ff4b6d475c118e6757758c430092e}\n",
         ("SN001", 3, 1), "duplicate key 'windows_credentials'"),
    ],
)
def test_documents_that_cannot_be_joined_are_findings(
    tmp_path: Path, text: str, expected: tuple[str, int, int], words: str
) -> None:
    result = read(write(tmp_path, "credentials.yaml", text))
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [expected]
    assert words in result.findings[0].message


# -- what is (not) recognised ------------------------------------------------------------------------------------
def test_a_table_name_inside_a_value_costs_a_parse_but_not_a_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.yaml", """
        title: credential export notes
        body: |
          windows_credentials: is the table the Mailbox credential lives in
    """)
    result = read(path)
    assert not result.is_export and not result.findings


def test_the_decision_is_taken_from_the_first_64_kib(tmp_path: Path) -> None:
    # A table key beyond the first 64 KiB of comments is not looked for: the file is skipped (documented).
    padding = "# " + "x" * 78 + "\n"
    text = padding * 900 + "windows_credentials:\n  - sys_id: 323ff4b6d475c118e6757758c430092e\n"
    assert not read(write(tmp_path, "late.yaml", text)).is_export
    assert read(write(tmp_path, "early.yaml", padding * 700 + text[len(padding) * 900 :])).is_export
