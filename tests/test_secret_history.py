"""A secret committed in an older update stays in the file and in git's history although a later update of the same
record (in another file) replaced it: CRD002 looks at every definition of a record, not only the live one."""

from __future__ import annotations

from pathlib import Path

from conftest import located, snlint_json, write

ENVELOPE = (  # the key-management envelope: key id, markers, ciphertext
    "\ufdde\ufddf\ufdd2f895bb1cdd5d52103a946777183c8818\ufdec\ufdd41\ufdec\ufdedC0q/xYKJUTkWCtNLkXmddQ==PbYH\ufdee\ufdef"
)


def _export(updated_on: str, password: str) -> str:
    return f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <unload unload_date="{updated_on}">
        <windows_credentials action="INSERT_OR_UPDATE">
        <active>true</active>
        <name>Discovery - Windows servers</name>
        <password>{password}</password>
        <sys_class_name>windows_credentials</sys_class_name>
        <sys_id>f7a0d2c6b9e452103a946777183c8802</sys_id>
        <sys_updated_on>{updated_on}</sys_updated_on>
        <user_name>CONTOSO\\svc-discovery</user_name>
        </windows_credentials>
        </unload>
        """


def test_a_plaintext_password_replaced_by_a_later_update_is_still_reported(tmp_path: Path) -> None:
    write(tmp_path, "2024-05/windows_credentials.xml", _export("2024-05-02 10:00:00", "Winter2024!"))
    write(tmp_path, "2024-06/windows_credentials.xml", _export("2024-06-03 15:12:09", ENVELOPE))
    data = snlint_json("--isolated", "--select", "CRD002", ".", cwd=tmp_path)
    assert located(data) == {("CRD002", "2024-05/windows_credentials.xml", 6, 11)}
    assert "Winter2024" not in str(data)


def test_two_plaintext_definitions_are_two_findings(tmp_path: Path) -> None:
    """Each definition is its own finding, with its own fingerprint (a baseline can hold one and not the other)."""
    write(tmp_path, "a/windows_credentials.xml", _export("2024-05-02 10:00:00", "Winter2024!"))
    write(tmp_path, "b/windows_credentials.xml", _export("2024-06-03 15:12:09", "Summer2024!"))
    data = snlint_json("--isolated", "--select", "CRD002", ".", cwd=tmp_path)
    assert located(data) == {
        ("CRD002", "a/windows_credentials.xml", 6, 11),
        ("CRD002", "b/windows_credentials.xml", 6, 11),
    }
    fingerprints = {finding["path"]: finding["fingerprint"] for finding in data["findings"]}
    assert fingerprints["a/windows_credentials.xml"] != fingerprints["b/windows_credentials.xml"]
