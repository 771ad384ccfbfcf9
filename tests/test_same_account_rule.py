"""A team's own identity rule, written as data (check kind `same_account`): a credential's user must be the
account recorded on the OAuth 2.0 credential it references."""

from __future__ import annotations

from pathlib import Path

from conftest import located, snlint_json

RULE = """\
id: ACME010
name: graph-sender-matches-oauth
severity: error
summary: The Graph mail sender's user is not the account that authorised its OAuth 2.0 credential.
description: |
  Our Graph mail integration signs in with the basic credential's user and the OAuth token of the credential it
  references; both must be the same Microsoft account.

  How to fix: use the same UPN on both.
check:
  kind: same_account
  tables: [basic_auth_credentials]
  field: user_name
  reference: u_oauth_credential
  other-tables: [oauth_2_0_credentials]
  other-field: u_authorized_as
  report: [differs, may_differ]
"""

EXPORT = """\
<?xml version="1.0" encoding="UTF-8"?>
<unload unload_date="2026-11-20 09:12:44">
<basic_auth_credentials action="INSERT_OR_UPDATE">
<active>true</active>
<name>Graph mail sender</name>
<sys_class_name>basic_auth_credentials</sys_class_name>
<sys_id>5d1c0e8a3f7b4210a6c2d9e7b1f04a11</sys_id>
<u_oauth_credential display_value="Graph mail OAuth">8e2f4b6d1a3c4e50b7d9f0a2c4e6a8b2</u_oauth_credential>
<user_name>notifications@contoso.com</user_name>
</basic_auth_credentials>
<basic_auth_credentials action="INSERT_OR_UPDATE">
<active>true</active>
<name>Graph mail sender (EU)</name>
<sys_class_name>basic_auth_credentials</sys_class_name>
<sys_id>6e2d1f9b4a8c4321b7d3eaf8c2015b22</sys_id>
<u_oauth_credential display_value="Graph mail OAuth">8e2f4b6d1a3c4e50b7d9f0a2c4e6a8b2</u_oauth_credential>
<user_name>Mail.Sender@Contoso.com</user_name>
</basic_auth_credentials>
<oauth_2_0_credentials action="INSERT_OR_UPDATE">
<active>true</active>
<name>Graph mail OAuth</name>
<sys_class_name>oauth_2_0_credentials</sys_class_name>
<sys_id>8e2f4b6d1a3c4e50b7d9f0a2c4e6a8b2</sys_id>
<u_authorized_as>mail.sender@contoso.com</u_authorized_as>
</oauth_2_0_credentials>
</unload>
"""


def test_custom_same_account_rule_reports_the_differing_user(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ACME010.yaml").write_text(RULE, encoding="utf-8")
    (tmp_path / ".snlint.yaml").write_text("rule-paths: [rules]\nselect: [ACME]\n", encoding="utf-8")
    (tmp_path / "credentials.xml").write_text(EXPORT, encoding="utf-8")
    report = snlint_json("credentials.xml", "--no-context", cwd=tmp_path)
    assert located(report) == {("ACME010", "credentials.xml", 9, 12)}
    (finding,) = report["findings"]
    assert finding["related"][0]["line"] == 24 and finding["related"][0]["column"] == 18
    assert "('notifications@contoso.com') differs from oauth_2_0_credentials 'Graph mail OAuth'" in finding["message"]
