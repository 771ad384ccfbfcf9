"""Table-API exports without sys_class_name (issue 11, section 5): the table comes from the file name
(`sys_alias.json`, `prod.sys_alias.json`) or from the configuration's `tables` (gitignore-style globs), and a file
whose records carry sys_ids but whose table cannot be told is SN003, not a silent skip."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_yaml_export, snlint, snlint_json, write

from linter.read.base import ReadOptions, ReadResult
from linter.read.yaml import inferred_table

TABLES = frozenset({"sys_alias", "http_connection", "windows_credentials", "oauth_2_0_credentials"})
ALIAS_RESPONSE = """
    {"result": [
      {"id": "sn_ex_online_spke.Microsoft_Exchange_Online_MID", "name": "Microsoft Exchange Online MID",
       "sys_id": "1ff4d76b843b43108a39d5d8072fcfc2", "type": "connection"}
    ]}
"""


def read(path: Path, globs: tuple[tuple[str, str], ...] = (), root: str = ".") -> ReadResult:
    return read_yaml_export(path, ReadOptions(tables=TABLES, table_globs=globs, table_root=root))


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("sys_alias.json", "sys_alias"),
        ("prod.sys_alias.json", "sys_alias"),
        ("sys_alias.2024-11-04.json", "sys_alias"),
        ("exports/x_cntso_mbx_alias.yaml", "x_cntso_mbx_alias"),  # a scoped table: the name's shape is enough
        ("http_connection.yml", "http_connection"),
        ("response.json", None),
        ("GET_api_now_table.json", None),
        ("sys-alias.json", None),
    ],
)
def test_the_table_from_the_file_name(name: str, table: str | None) -> None:
    assert inferred_table(name, ReadOptions(tables=TABLES)) == table


def test_a_table_api_response_named_after_its_table_is_read(tmp_path: Path) -> None:
    result = read(write(tmp_path, "prod.sys_alias.json", ALIAS_RESPONSE))
    assert not result.findings
    [alias] = result.records
    assert (alias.table, alias.sys_id, alias.text("id")) == (
        "sys_alias", "1ff4d76b843b43108a39d5d8072fcfc2", "sn_ex_online_spke.Microsoft_Exchange_Online_MID"
    )
    assert (alias.fields["id"].position.line, alias.fields["id"].position.column) == (2, 10)


def test_the_same_response_in_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "sys_alias.yaml", """
        result:
          - sys_id: 1ff4d76b843b43108a39d5d8072fcfc2
            id: sn_ex_online_spke.Microsoft_Exchange_Online_MID
    """)
    result = read(path)
    assert not result.findings and [record.table for record in result.records] == ["sys_alias"]


def test_sys_class_name_wins_over_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "sys_alias.json", """
        {"result": [{"sys_id": "323ff4b6d475c118e6757758c430092e", "sys_class_name": "windows_credentials"}]}
    """)
    assert [record.table for record in read(path).records] == ["windows_credentials"]


def test_a_configured_glob_names_the_table_relative_to_the_configuration(tmp_path: Path) -> None:
    path = write(tmp_path, "exports/aliases/GET_2024-11-04.json", ALIAS_RESPONSE)
    globs = (("exports/*.json", "http_connection"), ("exports/aliases/*.json", "sys_alias"))
    assert [record.table for record in read(path, globs, str(tmp_path)).records] == ["sys_alias"]  # the last match
    # gitignore semantics: a pattern with a slash is anchored at the configuration's folder
    assert read(path, (("aliases/*.json", "sys_alias"),), str(tmp_path)).findings[0].rule == "SN003"
    assert [record.table for record in read(path, (("aliases/", "sys_alias"),), str(tmp_path)).records] == [
        "sys_alias"
    ]
    # a file outside the configuration's folder matches no entry
    assert read(path, (("*.json", "sys_alias"),), str(tmp_path / "exports" / "aliases" / "x")).findings


def test_records_with_sys_ids_but_no_table_are_one_sn003_at_the_first_record(tmp_path: Path) -> None:
    path = write(tmp_path, "response.json", """
        {"result": [
          {"name": "Exchange Online Mailbox", "user_name": "svc.exo@fabrikam.com",
           "sys_id": "323ff4b6d475c118e6757758c430092e", "password": "Winter-2024"},
          {"name": "Exchange Online Mailbox (copy)", "sys_id": "8c41f0d2b7e94a6f9d3c2b1a0e9f8d7c"}
        ]}
    """)
    result = read(path)
    assert result.is_export and not result.records
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [("SN003", 2, 3)]
    message = result.findings[0].message
    assert message.startswith("the table of 2 record(s) cannot be told: no sys_class_name, the file name "
                              "'response.json' names no table")
    assert "Winter-2024" not in message


def test_a_response_that_is_not_a_table_api_export_is_still_skipped(tmp_path: Path) -> None:
    # `result` is not the first key: a package.json or CI file, never parsed
    path = write(tmp_path, "package.json", '{"name": "x", "result": [{"sys_id": "323ff4b6d475c118e6757758c430092e"}]}')
    assert not read(path).is_export


def test_the_tables_key_of_the_configuration_with_the_real_command(tmp_path: Path) -> None:
    write(tmp_path, "exports/aliases/GET_2024-11-04.json", ALIAS_RESPONSE)
    assert snlint_json("--no-context", ".", cwd=tmp_path)["findings"][0]["rule"] == "SN003"
    write(tmp_path, ".snlint.yaml", 'tables:\n  "exports/aliases/*.json": sys_alias\n')
    assert snlint_json("--no-context", ".", cwd=tmp_path)["findings"] == []
    write(tmp_path, ".snlint.yaml", 'tables:\n  "exports/aliases/*.json": Sys Alias\n')
    done = snlint("--no-context", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert ".snlint.yaml:2:29: 'tables.exports/aliases/*.json': expected a ServiceNow table name" in done.stderr


def test_a_response_whose_result_is_not_the_first_key_is_recognised_by_its_sys_class_name(tmp_path: Path) -> None:
    path = write(tmp_path, "export.json", """
        {"count": 1, "result": [{"sys_class_name": "windows_credentials",
                                 "sys_id": "323ff4b6d475c118e6757758c430092e", "name": "Exchange Online Mailbox"}]}
    """)
    result = read(path)
    assert [record.table for record in result.records] == ["windows_credentials"]
    assert [(item.rule, item.position.line, item.position.column) for item in result.findings] == [("SN003", 1, 2)]
