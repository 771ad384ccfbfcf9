"""A team's own rules from `rule-paths`: a declarative `field` rule finds values at their exact place in YAML and
XML exports, joins `snlint rules` / `explain` and the configuration's rule ids; a broken rule file stops the run
with exit 2 and the rule file's line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, located, snlint, snlint_json, write

UPN_RULE = r"""
# Contoso identity team: credentials that sign in to Microsoft 365 use Entra ID UPNs of our tenant.
id: ACME001
name: windows-user-is-contoso-upn
severity: error
summary: A Windows credential's user name is not a contoso.com UPN.
description: |
  Exchange Online Mailbox actions and our PowerShell integrations sign in with the Windows credential's user
  name, which must be the UPN of an Entra ID account of our tenant (user@contoso.com), not a down-level
  (DOMAIN\user) or local (.\user) name.

  How to fix: set the credential's User name to the account's UPN.
references:
  - https://wiki.contoso.example/servicenow/credentials
check:
  kind: field
  tables: [windows_credentials]
  field: user_name
  match: '^[^@\s\\]+@contoso\.com$'
  message: "{table} {record}: user name must be a contoso.com UPN (user@contoso.com)"
"""

RECORDED_RULE = """
id: ACME002
name: oauth-account-recorded
severity: warning
summary: An OAuth 2.0 credential does not record the UPN that authorised it.
description: |
  Our runbook requires the UPN that signed in at Get OAuth Token in every credential export.

  How to fix: add authorized_as.upn to the record in the export.
check:
  kind: field
  tables: [oauth_2_0_credentials]
  field: authorized_as.upn
  present: true
"""

CREDENTIALS = """
# Credentials exported with tools/export_credentials.py
windows_credentials:
  - sys_id: 5cd9dd8c720952103a946777183c8872
    name: Exchange Online Shared Mailboxes
    user_name: svc.sharedmbx@contoso.com
    sys_class_name: windows_credentials
  - sys_id: 8eb2e1938ab452103a946777183c88b2
    name: Exchange Mailbox (legacy on-premises)
    user_name: 'CONTOSO\\svc-exchange'
    sys_class_name: windows_credentials
"""


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A repository with a YAML credential export, an XML list export and the team's rule folder."""
    repo = tmp_path / "servicenow"
    write(repo, "exports/credentials.yaml", CREDENTIALS)
    shutil.copy(EXAMPLES / "list-exports" / "windows_credentials.xml", repo / "exports" / "windows_credentials.xml")
    write(repo, "snlint-rules/ACME001.yaml", UPN_RULE)
    write(repo, ".snlint.yaml", "rule-paths: [snlint-rules]\n")
    return repo


def test_a_custom_field_rule_reports_at_the_exact_value_in_yaml_and_xml(team: Path) -> None:
    report = snlint_json("--select", "ACME", ".", cwd=team)
    assert located(report) == {
        ("ACME001", "exports/credentials.yaml", 9, 16),
        ("ACME001", "exports/windows_credentials.xml", 21, 12),
        ("ACME001", "exports/windows_credentials.xml", 41, 12),
    }
    messages = {item["message"] for item in report["findings"]}
    assert (
        "windows_credentials 'Exchange Mailbox (legacy on-premises)' (8eb2e1938ab452103a946777183c88b2): user name "
        "must be a contoso.com UPN (user@contoso.com)"
    ) in messages
    assert {item["severity"] for item in report["findings"]} == {"error"}


def test_custom_rules_take_part_in_the_configuration(team: Path) -> None:
    write(team, ".snlint.yaml", """
        rule-paths: [snlint-rules]
        select: [ACME]
        severity:
          ACME001: warning
        suppress:
          - rule: ACME001
            record: Exchange Mailbox (legacy on-premises)
            reason: decommissioned with the on-premises Exchange servers in Q4 (CHG0040211)
        per-path-ignores:
          "exports/*.xml": [ACME001]
    """)
    result = snlint("--format", "json", ".", cwd=team)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []


def test_an_unknown_custom_rule_id_in_the_configuration_is_an_error(team: Path) -> None:
    write(team, ".snlint.yaml", "rule-paths: [snlint-rules]\nselect: [ACME00, ACME9]\n")
    result = snlint(".", cwd=team)
    assert result.returncode == 2
    assert result.stderr == (
        "snlint: error: .snlint.yaml:2:18: 'select[1]': unknown rule 'ACME9' (see 'snlint rules')\n"
    )


def test_present_rule_on_a_table_api_export(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "yaml_table_api_json", repo)
    write(repo, "rules/ACME002.yaml", RECORDED_RULE)
    write(repo, ".snlint.yaml", "rule-paths: [rules/ACME002.yaml]\nselect: [ACME]\n")
    report = snlint_json(".", cwd=repo)
    # the OAuth credential records only preferred_username: the finding is at its record's `{`
    assert located(report) == {("ACME002", "exports/discovery_credentials.json", 3, 5)}
    assert "field 'authorized_as.upn' is missing" in report["findings"][0]["message"]


def test_rules_and_explain_list_custom_rules(team: Path) -> None:
    listing = snlint("rules", cwd=team)
    assert listing.returncode == 0
    line = next(row for row in listing.stdout.splitlines() if row.startswith("ACME001"))
    assert line.split()[:3] == ["ACME001", "error", "windows-user-is-contoso-upn"]
    assert line.endswith("A Windows credential's user name is not a contoso.com UPN.")
    data = json.loads(snlint("rules", "--format", "json", cwd=team).stdout)
    [custom] = [rule for rule in data if rule["id"] == "ACME001"]
    assert custom["source"] == "snlint-rules/ACME001.yaml"
    explained = snlint("explain", "ACME001", cwd=team)
    assert explained.returncode == 0
    assert "not a down-level\n(DOMAIN\\user) or local (.\\user) name." in explained.stdout
    assert "Defined in: snlint-rules/ACME001.yaml" in explained.stdout


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (("severity: error", "severity: critical"), "ACME001.yaml:4:11", "'severity': 'critical' is not one of"),
        (("  field: user_name\n", ""), "ACME001.yaml:15:3", "invalid rule: 'check': 'field' is required"),
        ((r"'^[^@\s\\]+@contoso\.com$'", "'^[a-z+@contoso'"), "ACME001.yaml:18:10",
         "invalid rule: 'check/match': '^[a-z+@contoso' is not a 'regex'"),
        (("kind: field", "kind: fields"), "ACME001.yaml:15:9",
         "'check/kind': 'fields' is not one of 'conflicting_definitions'"),
        (("id: ACME001", "id: EXO001"), "ACME001.yaml", "EXO001 is a built-in rule"),
        (("summary: A Windows", "summary: [A Windows"), "ACME001.yaml:6:", "invalid rule file"),
    ],
)
def test_a_broken_rule_file_exits_2_with_its_line(
    team: Path, change: tuple[str, str], where: str, words: str
) -> None:
    rule = team / "snlint-rules" / "ACME001.yaml"
    text = rule.read_text(encoding="utf-8")
    assert change[0] in text
    rule.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    result = snlint(".", cwd=team)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"snlint: error: snlint-rules/{where}"), result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_two_rule_files_with_one_id_are_an_error(team: Path) -> None:
    write(team, "snlint-rules/ACME001-copy.yaml", UPN_RULE)
    result = snlint(".", cwd=team)
    assert result.returncode == 2
    assert "rule id ACME001 is already defined in snlint-rules/" in result.stderr
