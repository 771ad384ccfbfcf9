"""Command-line conventions users of ruff and friends expect: help, quiet / verbose / statistics, several formats
in one run, output files, sanitised messages, and a run that read no export saying so."""

from __future__ import annotations

import json
import os
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, snlint

UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"
NOT_EXPORTS = {
    "pom.xml": "<project><modelVersion>4.0.0</modelVersion></project>\n",
    "package.json": '{"name": "app", "version": "1.0.0"}\n',
}


def test_help_shows_the_lint_options_and_the_other_commands() -> None:
    result = snlint("--help")
    assert result.returncode == 0
    for option in ("--format", "--select", "--fail-on", "--stdin-filename", "--quiet", "--statistics",
                   "--verbose", "--baseline", "--output"):
        assert option in result.stdout, option
    for command in ("snlint rules", "snlint explain RULE", "snlint inventory", "snlint init"):
        assert command in " ".join(result.stdout.split()), command
    assert result.stdout == snlint("lint", "--help").stdout
    assert snlint("--version").stdout.startswith("snlint ")


def test_quiet_prints_the_findings_only() -> None:
    loud = snlint("--isolated", "examples/", cwd=ROOT)
    quiet = snlint("--isolated", "-q", "examples/", cwd=ROOT)
    assert quiet.returncode == loud.returncode == 1
    assert loud.stdout.endswith("Found 1 error(s), 1 warning(s) in 7 file(s).\n")
    assert quiet.stdout == loud.stdout.removesuffix("Found 1 error(s), 1 warning(s) in 7 file(s).\n")
    assert quiet.stdout.startswith("examples/credentials.yaml:42:16: EXO003 warning:")
    clean = snlint("--isolated", "--quiet", "tests/fixtures/list_export_clean", cwd=ROOT)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")


def test_statistics_counts_findings_per_rule() -> None:
    result = snlint("--isolated", "--statistics", "examples/", cwd=ROOT)
    assert result.returncode == 1
    assert result.stdout == "1\tEXO001\terror\tmailbox-user-differs\n1\tEXO003\twarning\tmailbox-user-not-upn\n"
    selected = snlint("--isolated", "--statistics", "--select", "EXO001", "examples/", cwd=ROOT)
    assert [line.split("\t")[:3] for line in selected.stdout.splitlines()] == [["1", "EXO001", "error"]]


def test_verbose_lists_skipped_files_with_the_reason(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "credentials.yaml", tmp_path / "credentials.yaml")
    for name, text in NOT_EXPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = snlint("--isolated", "-v", ".", cwd=tmp_path)
    assert "snlint: package.json: skipped: names no ServiceNow table a rule reads" in result.stderr
    assert "snlint: pom.xml: skipped: XML root element <project> is not a ServiceNow export" in result.stderr
    assert "credentials.yaml" not in result.stderr
    assert "skipped" not in snlint("--isolated", ".", cwd=tmp_path).stderr


def test_a_run_that_read_no_export_says_so(tmp_path: Path) -> None:
    for name, text in NOT_EXPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = snlint("--isolated", ".", cwd=tmp_path)
    assert result.returncode == 0  # by default, as before
    assert result.stdout == "No problems found in 0 file(s).\n"
    assert result.stderr == "snlint: no ServiceNow export found (2 file(s) looked at, 2 skipped)\n"
    data = json.loads(snlint("--isolated", "-f", "json", ".", cwd=tmp_path).stdout)
    assert data["summary"] == {"files": 0, "looked_at": 2, "skipped": 2, "errors": 0, "warnings": 0, "infos": 0}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert snlint("--isolated", ".", cwd=empty).stderr == \
        "snlint: no ServiceNow export found (0 file(s) looked at, 0 skipped)\n"
    required = snlint("--isolated", "--require-exports", ".", cwd=tmp_path)
    assert required.returncode == 1
    assert "no ServiceNow export found" in required.stderr
    assert snlint("--isolated", "--require-exports", "examples/", cwd=ROOT).returncode == 1  # its EXO001
    assert snlint("--isolated", "--require-exports", "tests/fixtures/list_export_clean", cwd=ROOT).returncode == 0


def test_several_formats_in_one_run(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "snlint.sarif", tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    result = snlint("--isolated", "--format", f"sarif:{sarif}", "--format", "text",
                    "--output-format", f"junit:{junit}", "examples/", cwd=ROOT)
    assert result.returncode == 1
    assert result.stdout.startswith("examples/credentials.yaml:42:16: EXO003 warning:")
    assert {r["ruleId"] for r in json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]} == {
        "EXO001", "EXO003"}
    assert ET.parse(junit).getroot().get("failures") == "1"
    both_out = snlint("--isolated", "-f", "json", "-f", "text", "examples/", cwd=ROOT)
    assert both_out.returncode == 2
    assert "two formats would both be written to standard output" in both_out.stderr
    bad = snlint("--isolated", "-f", "xml", "examples/", cwd=ROOT)
    assert bad.returncode == 2 and "invalid format 'xml'" in bad.stderr


def test_output_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        snlint("--isolated", "-f", "json", "-o", str(tmp_path / "a.json"), "examples/", cwd=ROOT)
        os.umask(0o077)
        snlint("--isolated", "-f", f"sarif:{tmp_path / 'b.sarif'}", "examples/", cwd=ROOT)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.sarif").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".snlint-")] == []


def test_an_unwritable_output_is_named_as_given(tmp_path: Path) -> None:
    result = snlint("--isolated", "-o", "missing/folder/report.txt", "examples/", cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr == "snlint: error: missing/folder/report.txt: cannot write: No such file or directory\n"
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        denied = snlint("--isolated", "-o", str(locked / "r.txt"), "examples/", cwd=ROOT)
        assert denied.stderr == f"snlint: error: {locked / 'r.txt'}: cannot write: Permission denied\n"


def test_stderr_messages_are_sanitised(tmp_path: Path) -> None:
    name = "evil\x1b]0;owned\x07\u202e.xml"
    result = snlint("--isolated", name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "snlint: error: evil\\u001b]0;owned\\u0007\\u202e.xml: no such file or directory\n"


@pytest.mark.parametrize("fmt", ("json", "sarif", "github", "junit", "gitlab"))
def test_machine_formats_are_the_same_with_quiet(fmt: str) -> None:
    loud = snlint("--isolated", "-f", fmt, "examples/", cwd=ROOT)
    quiet = snlint("--isolated", "-q", "-f", fmt, "examples/", cwd=ROOT)
    assert quiet.stdout == loud.stdout and "EXO001" in quiet.stdout  # --quiet trims human output only


def test_require_exports_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(NOT_EXPORTS["pom.xml"], encoding="utf-8")
    (tmp_path / ".snlint.yaml").write_text("require-exports: true\n", encoding="utf-8")
    result = snlint("-q", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert (result.stdout, result.stderr) == (
        "", "snlint: no ServiceNow export found (2 file(s) looked at, 2 skipped)\n")  # pom.xml and .snlint.yaml
    shutil.copy(EXAMPLES / "credentials.yaml", tmp_path / "credentials.yaml")
    assert snlint(".", cwd=tmp_path).returncode == 0  # an export with only a warning: nothing fails


def test_usage_errors_are_sanitised() -> None:
    result = snlint("--format", "evil\x1b]0;owned\x07", "examples/", cwd=ROOT)
    assert result.returncode == 2
    expected = "snlint: error: argument --format/-f/--output-format: invalid format 'evil\\u001b]0;owned\\u0007'"
    assert expected in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_several_configuration_errors_are_several_lines(tmp_path: Path) -> None:
    """Each problem of an invalid configuration is its own line (the sanitizer escapes control characters within a
    line, not the line breaks between messages)."""
    (tmp_path / ".snlint.yaml").write_text("selct: []\nfail-on: bad\n", encoding="utf-8")
    result = snlint(".", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("snlint: error: .snlint.yaml:1:1: unknown key 'selct'")
    assert lines[1] == ".snlint.yaml:2:10: 'fail-on': expected a severity: error, warning or info, got 'bad'"
    assert "\\u000a" not in result.stderr
