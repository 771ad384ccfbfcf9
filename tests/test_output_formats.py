"""Every lint format through the one reporter interface (Report + the FORMATS registry): what each carries, that
CI formats agree with the exit code, and that hostile text (lone surrogates, a file name with byte 0xFF, mentions
and links in names) never empties an output nor reaches a reader unescaped."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, snlint

from linter import cli
from linter.model import Finding, Position, Severity
from linter.report import FORMATS, Report, renderer

UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"
CREDENTIALS = "examples/credentials.yaml"
SARIF_SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"


def validate_sarif(log: dict[str, Any]) -> None:
    """Validate against the vendored schema, or the one the older SARIF tests use until it is vendored."""
    if not SARIF_SCHEMA.is_file():
        from test_report_sarif import validate

        validate(log)
        return
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(log))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the interface -----------------------------------------------------------------------------------------------
def test_every_registered_format_renders_a_report_and_is_offered_by_the_cli() -> None:
    report = Report([Finding("EXO004", Severity.WARNING, "cannot verify", Position("a.xml", 2, 3, 2, 9))], files=1)
    assert set(FORMATS) == {"text", "json", "sarif", "github", "junit", "gitlab"}
    for name in FORMATS:
        assert "EXO004" in renderer(name)(report), name
        assert cli.output_format(name) == (name, None)
        assert cli.output_format(f"{name}:out/report") == (name, "out/report")
    assert ", ".join(FORMATS) in " ".join(snlint("--help").stdout.split())


def test_a_new_format_is_one_module_and_one_registry_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = type(sys)("snlint_test_csv")
    module.render = lambda report: "".join(  # type: ignore[attr-defined]
        f"{item.rule},{item.position.line},{item.position.column}\n" for item in report.findings
    )
    monkeypatch.setitem(sys.modules, "snlint_test_csv", module)
    monkeypatch.setitem(FORMATS, "csv", "snlint_test_csv")
    monkeypatch.chdir(ROOT)
    code, out, _ = run_cli(capsys, "--isolated", "--format", "csv", "examples/")
    assert (code, out) == (1, "EXO003,42,16\nEXO001,222,119\n")


def test_position_end_is_known_only_when_after_the_start() -> None:
    assert Position("a", 3, 5, 3, 9).end == (3, 9)
    assert Position("a", 3, 5, 4, 1).end == (4, 1)
    assert Position("a", 3, 5).end is None  # unknown
    assert Position("a", 3, 5, 3, 0).end is None  # line known, column not
    assert Position("a", 3, 5, 2, 9).end is None  # before the start
    assert Position("a", 3, 5, 3, 4).end is None


def test_every_format_uses_the_same_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    bounded = Finding("CRD004", Severity.WARNING, "m", Position("x.yaml", 4, 7, 4, 12), key="k1")
    open_ended = Finding("SN001", Severity.ERROR, "m", Position("x.yaml", 9, 2), key="k2")
    report = Report([bounded, open_ended], files=1)
    findings = json.loads(renderer("json")(report))["findings"]
    assert [(f["end_line"], f["end_column"]) for f in findings] == [(4, 12), (9, 2)]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in json.loads(renderer("sarif")(report))
               ["runs"][0]["results"]]
    assert regions == [{"startLine": 4, "startColumn": 7, "endLine": 4, "endColumn": 12},
                       {"startLine": 9, "startColumn": 2}]
    github = renderer("github")(report).splitlines()
    assert "endLine=4,endColumn=12" in github[0] and "endLine" not in github[1]
    issues = json.loads(renderer("gitlab")(report))
    assert [issue["location"]["lines"] for issue in issues] == [{"begin": 4, "end": 4}, {"begin": 9, "end": 9}]


# -- summaries: files read and skipped -----------------------------------------------------------------------------
def test_json_and_sarif_summaries_carry_files_read_and_skipped(tmp_path: Path) -> None:
    shutil.copy(ROOT / CREDENTIALS, tmp_path / "credentials.yaml")
    (tmp_path / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>\n", encoding="utf-8")
    (tmp_path / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n', encoding="utf-8")
    expected = {"files": 1, "looked_at": 3, "skipped": 2}
    data = json.loads(snlint("--isolated", "-f", "json", ".", cwd=tmp_path).stdout)
    assert {key: data["summary"][key] for key in expected} == expected
    log = json.loads(snlint("--isolated", "-f", "sarif", ".", cwd=tmp_path).stdout)
    summary = log["runs"][0]["properties"]["summary"]
    assert {key: summary[key] for key in expected} == expected
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    validate_sarif(log)


# -- CI formats agree with the exit code ---------------------------------------------------------------------------
def junit_cases(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text)
    return {case.get("file") or "": case for case in root.iter("testcase")}


def test_junit_fails_only_at_or_above_fail_on() -> None:
    result = snlint("--isolated", "-f", "junit", "examples/", cwd=ROOT)
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    cases = junit_cases(result.stdout)
    assert set(cases) == {UPDATE_SET, CREDENTIALS}  # one testcase per file
    [failure] = cases[UPDATE_SET].findall("failure")
    assert failure.get("type") == "EXO001"
    warning = cases[CREDENTIALS]
    assert warning.find("failure") is None  # a warning does not fail the test when --fail-on is error
    out = warning.find("system-out")
    assert out is not None and (out.text or "").startswith(f"{CREDENTIALS}:42:16: EXO003 warning: Mailbox")

    stricter = snlint("--isolated", "-f", "junit", "--fail-on", "warning", "examples/", cwd=ROOT)
    assert stricter.returncode == 1
    cases = junit_cases(stricter.stdout)
    assert [f.get("type") for f in cases[CREDENTIALS].findall("failure")] == ["EXO003"]
    assert cases[CREDENTIALS].find("system-out") is None

    only_warning = snlint("--isolated", "-f", "junit", CREDENTIALS, "--no-context", cwd=ROOT)
    assert only_warning.returncode == 0  # exit 0 and no failed test: they agree
    assert ET.fromstring(only_warning.stdout).get("failures") == "0"


def test_sarif_level_follows_the_effective_severity(tmp_path: Path) -> None:
    config = tmp_path / "snlint.yaml"
    config.write_text("severity: {EXO001: warning, EXO003: error}\n", encoding="utf-8")
    log = json.loads(snlint("--config", str(config), "-f", "sarif", "examples/", cwd=ROOT).stdout)
    run = log["runs"][0]
    levels = {result["ruleId"]: result["level"] for result in run["results"]}
    assert levels == {"EXO001": "warning", "EXO003": "error"}
    defaults = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in run["tool"]["driver"]["rules"]}
    assert (defaults["EXO001"], defaults["EXO003"], defaults["EXO002"]) == ("warning", "error", "warning")
    assert run["invocations"] == [{"executionSuccessful": True}]
    validate_sarif(log)


def test_an_internal_error_is_a_sarif_notification_and_execution_unsuccessful(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from linter import checks
    from linter.ruleset import builtin_rules

    kinds = checks.registry()
    kind = builtin_rules()["EXO001"].check["kind"]

    def broken(*_: object) -> list[Finding]:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(checks, "registry", lambda: {**kinds, kind: kinds[kind]._replace(check=broken)})
    monkeypatch.chdir(ROOT)
    code, out, _ = run_cli(capsys, "--isolated", "-f", "sarif", "examples/")
    assert code == 2
    run = json.loads(out)["runs"][0]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]  # one per rule of the broken kind
    assert notes and len(notes) == [r["ruleId"] for r in run["results"]].count("SN000")
    for note in notes:
        assert note["level"] == "error" and note["descriptor"] == {"id": "SN000"}
        assert note["message"]["text"].startswith("internal error while processing this file (ZeroDivisionError)")
    validate_sarif(json.loads(out))


def test_gitlab_code_quality_report(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    sub = tmp_path / "examples" / "update-sets"
    result = snlint("--isolated", "--no-context", "-f", "gitlab", ".", cwd=sub)
    assert result.returncode == 1, result.stderr
    [issue] = json.loads(result.stdout)
    assert issue["check_name"] == "EXO001" and issue["severity"] == "major" and issue["type"] == "issue"
    assert issue["location"] == {"path": "examples/update-sets/exchange_online_setup.xml",
                                 "lines": {"begin": 222, "end": 222}}  # relative to the repository root
    assert issue["description"].startswith("Mailbox credential 'Exchange Online Mailbox'")
    assert "(note: examples/update-sets/exchange_online_setup.xml:195:839: OAuth 2.0 credential" in \
        issue["description"]
    assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
    whole = json.loads(snlint("--isolated", "-f", "gitlab", "examples/", cwd=ROOT).stdout)
    assert {(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in whole} == {
        ("EXO001", "major", 222), ("EXO003", "minor", 42)}
    assert len({i["fingerprint"] for i in whole}) == len(whole)


def test_gitlab_fingerprints_stay_unique_for_equal_findings() -> None:
    twice = [Finding("CRD004", Severity.INFO, "m", Position("a.xml", line, 1), key="same") for line in (1, 2)]
    issues = json.loads(renderer("gitlab")(Report(twice)))
    assert issues[0]["severity"] == "info"
    assert issues[1]["fingerprint"] == issues[0]["fingerprint"] + "-2"


def test_github_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    result = snlint("--isolated", "--no-context", "-f", "github", "exchange_online_setup.xml",
                    cwd=tmp_path / "examples" / "update-sets")
    assert result.stdout.startswith(
        "::error file=examples/update-sets/exchange_online_setup.xml,line=222,col=119,endLine=222,endColumn=144,"
        "title=EXO001::Mailbox credential")
    assert "%0Anote: examples/update-sets/exchange_online_setup.xml:195:839: OAuth 2.0" in result.stdout


# -- hostile text --------------------------------------------------------------------------------------------------
@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The examples with a lone surrogate in a user name (a JSON-style escape in YAML) and a file name holding
    byte 0xFF."""
    folder = tmp_path / "exports"
    shutil.copytree(EXAMPLES, folder)
    text = (folder / "credentials.yaml").read_text(encoding="utf-8")
    text = text.replace("user_name: SVC.SharedMbx@contoso.com", 'user_name: "x\\ud800@contoso.com"')
    os.remove(folder / "credentials.yaml")
    (folder / os.fsdecode(b"cred\xff.yaml")).write_text(text, encoding="utf-8")
    return folder


LINT_FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


@pytest.mark.parametrize("fmt", LINT_FORMATS)
def test_lone_surrogates_and_undecodable_names_never_empty_an_output(hostile: Path, fmt: str) -> None:
    result = subprocess_bytes("--isolated", "-f", fmt, ".", cwd=hostile)
    assert result.returncode == 1, result.stderr
    text = result.stdout.decode("utf-8")  # valid UTF-8, or this raises
    assert "Traceback" not in result.stderr.decode("utf-8", "replace")
    assert "222" in text and "EXO001" in text  # the other findings are all there
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(text)
    shown = text.replace("\\\\", "\\")  # JSON doubles the backslash of the escape
    assert "x\\ud800@contoso.com" in shown  # escaped text, not dropped
    if fmt == "sarif":
        assert "cred%FF.yaml" in text  # the file's own bytes, percent-encoded
        validate_sarif(json.loads(text))
    else:
        assert "cred\\udcff.yaml" in shown


@pytest.mark.parametrize("fmt", ("text", "json", "markdown", "mermaid"))
def test_the_inventory_survives_hostile_text(hostile: Path, fmt: str) -> None:
    result = subprocess_bytes("inventory", "--isolated", "-f", fmt, ".", cwd=hostile)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    assert "ud800" in text and "Exchange Online Mailbox" in text
    if fmt == "json":
        assert "x\\\\ud800@contoso.com" in text and json.loads(text)


def test_an_output_file_is_written_whatever_it_holds(hostile: Path) -> None:
    result = subprocess_bytes("--isolated", "-f", "sarif", "-o", "out.sarif", ".", cwd=hostile)
    assert result.returncode == 1, result.stderr
    log = json.loads((hostile / "out.sarif").read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"EXO001", "EXO003"}


def subprocess_bytes(*args: str, cwd: Path) -> Any:
    import subprocess

    return subprocess.run([sys.executable, "-m", "linter", *args], cwd=cwd, capture_output=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


def test_sn001_excerpts_hide_configured_secret_fields(tmp_path: Path) -> None:
    (tmp_path / "creds.yaml").write_text(
        "windows_credentials:\n"
        "  - sys_id: 5cd9dd8c720952103a946777183c8872\n"
        "    name: Exchange Online Shared Mailboxes\n"
        "    user_name: svc@contoso.com\n"
        "    u_vault_blob: Sup3rS3cret: x\n",
        encoding="utf-8",
    )
    shown = snlint("--isolated", "creds.yaml", cwd=tmp_path)
    assert "creds.yaml:5:30: SN001 error: invalid YAML: mapping values are not allowed here" in shown.stdout
    assert "    u_vault_blob: Sup3rS3cret: x\n" in shown.stdout  # not a secret field: the excerpt helps
    (tmp_path / ".snlint.yaml").write_text("secret-fields: [U_Vault_Blob]\n", encoding="utf-8")
    hidden = snlint("creds.yaml", cwd=tmp_path)
    assert "creds.yaml:5:30: SN001 error" in hidden.stdout
    assert "Sup3rS3cret" not in hidden.stdout + hidden.stderr


MENTIONS = "@octocat @org/team https://evil.example/x www.evil.example me@evil.example"


def outside_code_spans(markdown: str) -> str:
    """The Markdown with its code spans (any fence length) and the Mermaid block removed."""
    markdown = re.sub(r"```mermaid\n.*?\n```", "", markdown, flags=re.S)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", markdown)


def test_markdown_inventory_never_mentions_nor_links(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    credentials = tmp_path / "examples" / "credentials.yaml"
    text = credentials.read_text(encoding="utf-8")
    text = text.replace("name: Exchange Online Shared Mailboxes\n", f"name: '{MENTIONS}'\n")
    credentials.write_text(text, encoding="utf-8")
    (tmp_path / "examples" / "broken.yaml").write_text(
        f"windows_credentials:\n  - sys_id: 1\n    name: {MENTIONS}: [\n", encoding="utf-8")
    result = snlint("inventory", "--isolated", "-f", "markdown", "examples", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "`@octocat @org/team https://evil.example/x www.evil.example me@evil.example`" in result.stdout
    rest = outside_code_spans(result.stdout)
    for needle in ("@", "http", "www."):
        assert needle not in rest, rest


def test_sn001_excerpts_hide_secret_fields_of_rules_that_do_not_run(tmp_path: Path) -> None:
    (tmp_path / "creds.yaml").write_text(
        "windows_credentials:\n  - sys_id: 5cd9dd8c720952103a946777183c8872\n    u_vault_blob: Sup3rS3cret: x\n",
        encoding="utf-8",
    )
    (tmp_path / ".snlint.yaml").write_text("secret-fields: [u_vault_blob]\nignore: [CRD002]\n", encoding="utf-8")
    result = snlint("creds.yaml", cwd=tmp_path)
    assert "creds.yaml:3:30: SN001 error" in result.stdout
    assert "Sup3rS3cret" not in result.stdout
