"""The command as a user runs it: output formats, exit codes, rule selection, rules / explain / --version."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES, FIXTURES, ROOT, snlint, snlint_json

MISMATCH = FIXTURES / "exo001_update_set_cdata"


def test_text_output_names_file_line_column_rule_and_related_note() -> None:
    result = snlint("--no-context", "exo_spoke_credentials.xml", cwd=MISMATCH)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("exo_spoke_credentials.xml:195:860: EXO001 error: Mailbox credential ")
    assert lines[1].startswith("    note: exo_spoke_credentials.xml:")
    assert lines[-1] == "Found 1 error(s), 0 warning(s) in 1 file(s)."
    assert "\x1b[" not in result.stdout  # NO_COLOR


def test_color_always_uses_ansi_and_never_does_not() -> None:
    colored = snlint("--no-context", "--color", "always", ".", cwd=MISMATCH)
    plain = snlint("--no-context", "--color", "never", ".", cwd=MISMATCH)
    assert "\x1b[" in colored.stdout and "\x1b[" not in plain.stdout


def test_json_report_contract() -> None:
    report = snlint_json("--no-context", ".", cwd=MISMATCH)
    assert report["version"] == 1 and report["tool"]["name"] == "snlint"
    assert report["summary"] == {"files": 1, "looked_at": 1, "skipped": 0, "errors": 1, "warnings": 0, "infos": 0}
    (finding,) = report["findings"]
    assert set(finding) == {
        "rule", "severity", "path", "line", "column", "end_line", "end_column", "message", "related", "fingerprint"
    }
    assert (finding["rule"], finding["path"], finding["line"], finding["column"]) == (
        "EXO001", "exo_spoke_credentials.xml", 195, 860
    )
    assert finding["end_line"] == 195 and finding["end_column"] > finding["column"]
    assert finding["related"][0]["path"] == "exo_spoke_credentials.xml"


def test_paths_stay_as_given_with_forward_slashes() -> None:
    report = snlint_json("--no-context", "tests/fixtures/exo001_update_set_cdata", cwd=ROOT)
    assert report["findings"][0]["path"] == "tests/fixtures/exo001_update_set_cdata/exo_spoke_credentials.xml"


def test_examples_have_the_documented_findings() -> None:
    result = snlint("examples", cwd=ROOT)
    assert result.returncode == 1
    assert "examples/update-sets/exchange_online_setup.xml:222:119: EXO001 error:" in result.stdout


def test_fail_on_and_exit_codes() -> None:
    warnings_only = FIXTURES / "exo003_downlevel"
    assert snlint("--no-context", ".", cwd=warnings_only).returncode == 0
    assert snlint("--no-context", "--fail-on", "warning", ".", cwd=warnings_only).returncode == 1
    clean = FIXTURES / "exo_case_only_clean"
    assert snlint("--no-context", "--fail-on", "info", ".", cwd=clean).returncode == 0


def test_select_and_ignore_by_id_and_prefix() -> None:
    assert snlint_json("--no-context", "--ignore", "EXO", ".", cwd=MISMATCH)["findings"] == []
    assert snlint_json("--no-context", "--select", "CRD", ".", cwd=MISMATCH)["findings"] == []
    selected = snlint_json("--no-context", "--select", "exo001,CRD002", ".", cwd=MISMATCH)
    assert [f["rule"] for f in selected["findings"]] == ["EXO001"]


def test_usage_errors_exit_2() -> None:
    missing = snlint("does-not-exist.xml")
    assert missing.returncode == 2 and "does-not-exist.xml" in missing.stderr
    assert snlint("--format", "yaml", ".").returncode == 2
    unknown = snlint("explain", "NOPE999")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_rules_and_explain_and_version() -> None:
    listing = snlint("rules")
    assert listing.returncode == 0
    assert any(line.startswith("EXO001  error") for line in listing.stdout.splitlines())
    explained = snlint("explain", "EXO001")
    assert explained.returncode == 0 and "KB2663456" in explained.stdout and "How to fix" in explained.stdout
    rules = json.loads(snlint("rules", "--format", "json").stdout)
    assert {rule["id"] for rule in rules} >= {"EXO001", "CRD002", "SN001"}
    version = snlint("--version")
    assert version.returncode == 0 and version.stdout.startswith("snlint ")


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = snlint("--no-context", "--format", "json", "--output", str(target), ".", cwd=MISMATCH)
    assert result.returncode == 1 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["errors"] == 1


def test_python_dash_m_and_console_script_agree() -> None:
    import subprocess
    import sys

    script = Path(sys.executable).with_name("snlint")
    assert script.exists(), "the snlint console script is installed next to the interpreter"
    console = subprocess.run([script, "--no-context", "."], cwd=MISMATCH, capture_output=True, text=True,
                             env={"NO_COLOR": "1", "PATH": ""})
    assert console.stdout == snlint("--no-context", ".", cwd=MISMATCH).stdout


def test_context_is_read_from_the_repository_for_named_files(tmp_path: Path) -> None:
    import shutil
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "source_control_split", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    changed = next(repo.rglob("windows_credentials_*.xml")).relative_to(repo).as_posix()
    with_context = snlint_json(changed, cwd=repo)
    without = snlint_json("--no-context", changed, cwd=repo)
    assert [(f["rule"], f["path"], f["line"]) for f in with_context["findings"]] == [("EXO001", changed, 19)]
    assert without["findings"] == []


def test_readme_quick_start_is_what_ci_runs() -> None:
    """Exactly two commands: install and run on examples/, and the test command that .ci/run runs verbatim."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    run, test = re.findall(r"```sh\n(.*?)\n```", quick_start, re.S)
    assert run.endswith("snlint examples/") and EXAMPLES.is_dir()
    assert test.endswith("pytest")
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_a_named_connection_file_that_re_points_a_credential_reports_the_pair_it_breaks(tmp_path: Path) -> None:
    """pre-commit names only the changed connection; the pair it breaks lives in unchanged files."""
    import shutil
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "source_control_split", repo)
    (repo / "expected.txt").unlink()
    update = repo / "43275d11406cd210928158889af97d38" / "update"
    mailbox = next(update.glob("windows_credentials_*.xml"))
    text = mailbox.read_text(encoding="utf-8")
    user = text.split("<user_name>")[1].split("</user_name>")[0]
    mailbox.write_text(text.replace(user, "adele.vance@contoso.com"), encoding="utf-8")  # the pair now matches
    oauth = update / "oauth_2_0_credentials_f24eb4521368d210928158889af97d48.xml"
    other = update / "oauth_2_0_credentials_0d5e8c7b6a49d210928158889af97d61.xml"
    other.write_text(
        oauth.read_text(encoding="utf-8")
        .replace("f24eb4521368d210928158889af97d48", "0d5e8c7b6a49d210928158889af97d61")
        .replace("adele.vance@contoso.com", "other.admin@contoso.com"),
        encoding="utf-8",
    )
    connection = next(update.glob("http_connection_*.xml"))
    named = connection.relative_to(repo).as_posix()
    assert snlint_json(named, cwd=repo)["findings"] == []
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    connection.write_text(
        connection.read_text(encoding="utf-8").replace(
            "f24eb4521368d210928158889af97d48", "0d5e8c7b6a49d210928158889af97d61"
        ),
        encoding="utf-8",
    )
    report = snlint_json(named, cwd=repo)
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in report["findings"]] == [
        ("EXO001", mailbox.relative_to(repo).as_posix(), 19, 20)
    ]
    assert "other.admin@contoso.com" in report["findings"][0]["message"]


def test_text_output_shows_control_characters_from_inputs_as_escapes(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        'windows_credentials:\n  - sys_id: 6a0e5c1d2b3f52103a946777183c88aa\n    name: "Kiosk\\u001b]0;pwned\\u0007"\n'
        '    user_name: " kiosk@contoso.com"\n',
        encoding="utf-8",
    )
    result = snlint("--no-context", "c.yaml", cwd=tmp_path)
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "'Kiosk\\u001b]0;pwned\\u0007'" in result.stdout
