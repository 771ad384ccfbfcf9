"""Issue 11's repository shapes as fixture folders (tests/fixtures, each with an expected.txt that
tests/test_fixtures.py checks finding by finding): what these tests add is what a findings list cannot show, namely
which files were read and skipped, and what a run that read no export says. The other shapes have their folders
and tests: crd006_legacy (test_legacy_secrets.py), yaml_shapes (test_yaml_shapes.py), yaml_table_api_json and
yaml_shapes/table_api (test_table_inference.py), xml_suppress_* (test_xml_suppressions.py),
duplicate_update_sets (test_duplicate_exports.py)."""

from __future__ import annotations

import json

from conftest import FIXTURES, snlint, snlint_json

DIST = FIXTURES / "dist_build"
NO_EXPORT = FIXTURES / "no_export"
EXCLUDED = FIXTURES / "exclude_globs"


def _read(report: dict[str, object]) -> int:
    summary = report["summary"]
    assert isinstance(summary, dict)
    return int(summary["files"])


def test_build_output_folders_are_read() -> None:
    """A release update set under servicenow/<app>/dist/, the Now SDK's dist/app/update/, a list export in build/:
    three exports read, none skipped (the walk skipped dist/ and build/ and said "0 file(s)" before)."""
    report = snlint_json("--no-context", ".", cwd=DIST)
    assert report["summary"] == {"files": 3, "looked_at": 3, "skipped": 0, "errors": 1, "warnings": 2, "infos": 0}
    assert sorted(item["path"].split("/")[0] for item in report["findings"]) == ["build", "dist", "servicenow"]


def test_a_repository_without_exports_says_so() -> None:
    result = snlint("--no-context", "-v", ".", cwd=NO_EXPORT)
    assert result.returncode == 0
    assert result.stdout == "No problems found in 0 file(s).\n"
    assert result.stderr.splitlines() == [
        "snlint: .github/workflows/ci.yml: skipped: names no ServiceNow table a rule reads: not a credential export",
        "snlint: docs/instance.json: skipped: names no ServiceNow table a rule reads: not a credential export",
        "snlint: package.json: skipped: names no ServiceNow table a rule reads: not a credential export",
        "snlint: pom.xml: skipped: XML root element <project> is not a ServiceNow export",
        "snlint: no ServiceNow export found (4 file(s) looked at, 4 skipped)",
    ]  # docs/README.md is no candidate at all
    sarif = json.loads(snlint("--no-context", "-f", "sarif", ".", cwd=NO_EXPORT).stdout)
    assert sarif["runs"][0]["results"] == [] and sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert snlint_json("--no-context", ".", cwd=NO_EXPORT)["summary"] == {
        "files": 0, "looked_at": 4, "skipped": 4, "errors": 0, "warnings": 0, "infos": 0}
    required = snlint("--no-context", "--require-exports", ".", cwd=NO_EXPORT)
    assert required.returncode == 1 and "no ServiceNow export found" in required.stderr


def test_configured_exclusions_and_the_command_line_ones() -> None:
    """The fixture's .snlint.yaml leaves one of five files; --exclude adds to it (relative to the current folder,
    `./` and absolute paths normalised), and --isolated drops the configuration's."""
    assert _read(snlint_json("--no-context", ".", cwd=EXCLUDED)) == 1
    for pattern in ("update-sets/sub/", "./update-sets/sub/working.xml", str(EXCLUDED / "update-sets" / "sub")):
        assert _read(snlint_json("--no-context", "--exclude", pattern, ".", cwd=EXCLUDED)) == 0, pattern
    isolated = snlint_json("--isolated", "--no-context", "--exclude", "update-sets/*.xml", ".", cwd=EXCLUDED)
    assert sorted(item["path"] for item in isolated["findings"]) == [
        "archive/2019.xml", "team/archive/2020.xml", "team/credentials.bak.xml", "update-sets/sub/working.xml"]
