"""Custom rule message templates (issue 10, section 7): plain {table}, {record} and {field} placeholders only,
checked when the rule file loads, so rendering a finding can neither grow without bound nor reach Python objects;
a refused template stops the run with exit code 2 and the file:line:col of the template."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import snlint

from linter.ruleset import RuleError, load_rule_file, template_problem

RULE = (
    "id: ACME010\n"
    "name: windows-user-is-upn\n"
    "severity: warning\n"
    "summary: A Windows credential's user name is not a UPN.\n"
    "description: |\n"
    "  Mailbox actions sign in with a UPN.\n"
    "\n"
    "  How to fix: use the UPN.\n"
    "check:\n"
    "  kind: field\n"
    "  tables: [windows_credentials]\n"
    "  field: user_name\n"
    "  match: '@'\n"
    "  message: {template}\n"
)
EXPORT = (
    "windows_credentials:\n"
    "  - sys_id: 6a0e5c1d2b3f52103a946777183c88aa\n"
    "    name: Kiosk\n"
    "    user_name: CONTOSO\\kiosk\n"
)


def team(folder: Path, template: str) -> Path:
    (folder / "rules").mkdir()
    (folder / "rules" / "ACME010.yaml").write_text(RULE.replace("{template}", template), encoding="utf-8")
    (folder / ".snlint.yaml").write_text("rule-paths: [rules]\n", encoding="utf-8")
    (folder / "credentials.yaml").write_text(EXPORT, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ('"{table:>200000000}"', "placeholder {table} has a format specification or conversion"),
        ('"{record.__class__.__mro__}"', "unknown placeholder {record.__class__.__mro__}"),
        ('"{record[0]}"', "unknown placeholder {record[0]}"),
        ('"{field!r}"', "placeholder {field} has a format specification or conversion"),
        ('"{table:{field}}"', "placeholder {table} has a format specification or conversion"),
        ('"{value}"', "unknown placeholder {value}"),
        ('"{}"', "unknown placeholder {}"),
        ('"{0}"', "unknown placeholder {0}"),
        ('"{table"', "expected '}' before end of string"),
        ('"table}"', "Single '}' encountered in format string"),
    ],
)
def test_a_refused_template_exits_2_with_its_line(tmp_path: Path, template: str, why: str) -> None:
    started = time.perf_counter()
    result = snlint(".", cwd=team(tmp_path, template))
    assert time.perf_counter() - started < 30
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("snlint: error: rules/ACME010.yaml:14:12: invalid rule: 'check/message' may use "
                                    "only the plain placeholders {table}, {record} and {field} ("), result.stderr
    assert why in result.stderr


def test_plain_placeholders_render(tmp_path: Path) -> None:
    result = snlint("--no-context", ".", cwd=team(tmp_path, '"{table} {record}: {field} must be a UPN ({{sic}})"'))
    assert result.returncode == 0, result.stderr  # a warning
    assert (
        "credentials.yaml:4:16: ACME010 warning: windows_credentials 'Kiosk' (6a0e5c1d2b3f52103a946777183c88aa): "
        "user_name must be a UPN ({sic})"
    ) in result.stdout


def test_template_problem_is_the_one_check(tmp_path: Path) -> None:
    assert template_problem("{table} {record} {field} and {{literal braces}}") == ""
    assert template_problem("no placeholders") == ""
    path = tmp_path / "ACME010.yaml"
    path.write_text(RULE.replace("{template}", "'{record.__init__.__globals__}'"), encoding="utf-8")
    with pytest.raises(RuleError, match=r"ACME010\.yaml:14:12: invalid rule: 'check/message'"):
        load_rule_file(path)
