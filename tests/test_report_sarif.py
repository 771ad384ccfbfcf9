"""SARIF output: valid against the official 2.1.0 schema, exact regions, related locations, stable fingerprints,
URIs relative to the root; and no output format (text, json, sarif, github, junit) ever prints a secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, snlint

from linter import __version__
from linter.model import Finding, Position, Related, Severity, fingerprint
from linter.report import Report, sarif
from linter.ruleset import builtin_rules

SCHEMA = ROOT / "tests" / "schemas" / "sarif-2.1.0.json"  # vendored: see tests/schemas/README.md
UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"


def sarif_of(*args: str, cwd: Path = ROOT) -> dict[str, Any]:
    result = snlint("--isolated", "--format", "sarif", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def validate(log: dict[str, Any]) -> None:
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def results_of(log: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [result for result in log["runs"][0]["results"] if result["ruleId"] == rule]


def test_update_set_log_is_valid_and_pins_the_finding_and_its_related_location() -> None:
    log = sarif_of("examples/")
    validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("snlint", __version__)
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"

    [result] = results_of(log, "EXO001")
    assert result["level"] == "error"
    assert driver["rules"][result["ruleIndex"]]["id"] == "EXO001"
    assert "mailbox.admin@contoso.com" in result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": UPDATE_SET, "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 222, "startColumn": 119, "endLine": 222, "endColumn": 144}
    [related] = result["relatedLocations"]
    assert related["id"] == 1
    assert related["physicalLocation"]["artifactLocation"]["uri"] == UPDATE_SET
    assert related["physicalLocation"]["region"]["startLine"] == 195
    assert related["physicalLocation"]["region"]["startColumn"] == 839
    assert "exo.service@contoso.com" in related["message"]["text"]
    assert result["partialFingerprints"] == {"snlint/v1": fingerprint_of_json("examples/", "EXO001")}

    levels = {"error": "error", "warning": "warning", "info": "note"}
    for each in run["results"]:  # every result names its rule by index and carries the rule's level
        assert driver["rules"][each["ruleIndex"]]["id"] == each["ruleId"]
        assert each["level"] == levels[builtin_rules()[each["ruleId"]].severity.value]
        assert len(each["partialFingerprints"]["snlint/v1"]) == 32


def fingerprint_of_json(path: str, rule: str) -> str:
    result = snlint("--isolated", "--format", "json", path, cwd=ROOT)
    [item] = [item for item in json.loads(result.stdout)["findings"] if item["rule"] == rule]
    value: str = item["fingerprint"]
    return value


def test_rules_describe_every_active_rule() -> None:
    log = sarif_of("examples/")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(builtin_rules())
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for entry in rules:
        rule = builtin_rules()[entry["id"]]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"] == rule.description
        assert entry["help"]["text"].startswith(rule.description)
        assert rule.help_uri in entry["help"]["markdown"]
        assert entry["helpUri"] == rule.help_uri
        assert entry["defaultConfiguration"]["level"] == levels[rule.severity.value]
        assert entry["properties"]["tags"]
    selected = sarif_of("--select", "EXO", "examples/")
    validate(selected)
    assert {rule["id"] for rule in selected["runs"][0]["tool"]["driver"]["rules"]} == {
        rule for rule in builtin_rules() if rule.startswith("EXO")
    }
    results = selected["runs"][0]["results"]
    assert "EXO001" in {result["ruleId"] for result in results}
    for result in results:
        assert selected["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    "fixture", ["source_control_split", "crd002_plaintext", "exo_crlf_bom", "exo004_no_identity", "list_export_clean"]
)
def test_fixture_logs_are_valid(fixture: str) -> None:
    log = sarif_of(f"tests/fixtures/{fixture}")
    validate(log)
    for result in log["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith(f"tests/fixtures/{fixture}/")


def test_source_control_layout_finding_position() -> None:
    log = sarif_of("tests/fixtures/source_control_split")
    [result] = results_of(log, "EXO001")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (
        "tests/fixtures/source_control_split/43275d11406cd210928158889af97d38/update/"
        "windows_credentials_88b43c61f5f1d210928158889af97d38.xml"
    )
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (19, 20)
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "oauth_2_0_credentials_f24eb4521368d210928158889af97d48.xml"
    )
    assert (related["physicalLocation"]["region"]["startLine"], related["physicalLocation"]["region"]["startColumn"]) \
        == (19, 26)


def test_fingerprints_do_not_move_with_lines(tmp_path: Path) -> None:
    original = (ROOT / UPDATE_SET).read_text(encoding="utf-8")
    first, rest = original.split("\n", 1)
    (tmp_path / "setup.xml").write_text(original, encoding="utf-8")
    before = results_of(sarif_of("setup.xml", cwd=tmp_path), "EXO001")[0]
    (tmp_path / "setup.xml").write_text(first + "\n\n\n\n" + rest, encoding="utf-8")
    after = results_of(sarif_of("setup.xml", cwd=tmp_path), "EXO001")[0]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 222 + 3
    assert after["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 195 + 3
    assert after["partialFingerprints"] == before["partialFingerprints"]


def test_uris_are_relative_to_the_root_whatever_the_path_looks_like(tmp_path: Path) -> None:
    folder = tmp_path / "exports with spaces"
    folder.mkdir()
    (folder / "setup#1.xml").write_text((ROOT / UPDATE_SET).read_text(encoding="utf-8"), encoding="utf-8")
    log = sarif_of(str(folder / "setup#1.xml"), cwd=tmp_path)  # an absolute path inside the root (the cwd)
    validate(log)
    [result] = results_of(log, "EXO001")
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "exports%20with%20spaces/setup%231.xml", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_locator_outside_the_root_and_regions_without_an_end(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    locator = sarif.Locator(str(root))
    assert locator.artifact(str(root / "a" / "b.xml")) == {"uri": "a/b.xml", "uriBaseId": "%SRCROOT%"}
    outside = tmp_path / "elsewhere.xml"
    assert locator.artifact(str(outside)) == {"uri": outside.as_uri()}
    finding = Finding("EXO004", Severity.WARNING, "cannot verify", Position(str(outside), 3, 5),
                      related=(Related(Position(str(root / "x.xml"), 7, 1, 7, 9), "other side"),), key="k")
    log = sarif.document(Report([finding], rules=builtin_rules(), root=str(root)))
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5}
    assert result["relatedLocations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "x.xml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7, "startColumn": 1, "endLine": 7, "endColumn": 9},
    }
    assert result["level"] == "warning"
    assert result["partialFingerprints"]["snlint/v1"] == fingerprint(finding)
    validate(log)  # content first, the schema last


CANARY = "Canary-Pa55w0rd-7f3e9d"


def write_canary_export(folder: Path) -> None:
    """A Mailbox credential with a plaintext password (CRD002) on the same line as its mismatching user name
    (EXO001), so an excerpt of the EXO001 line would show the password; and a second plaintext secret."""
    setup = (ROOT / UPDATE_SET).read_text(encoding="utf-8")
    (folder / "setup.xml").write_text(setup, encoding="utf-8")
    (folder / "windows_credentials.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-03-11 16:05:27">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n<active>true</active>\n<name>Canary mailbox</name>\n'
        "<sys_id>0c0ffee0c0ffee0c0ffee0c0ffee0c0f</sys_id>\n<tag>1ff4d76b843b43108a39d5d8072fcfc2</tag>\n"
        f"<password>{CANARY}</password><user_name>canary.user@contoso.com</user_name>\n"
        "</windows_credentials>\n"
        '<windows_credentials action="INSERT_OR_UPDATE">\n<active>true</active>\n<name>Second</name>\n'
        f"<sys_id>0c0ffee0c0ffee0c0ffee0c0ffee0c1f</sys_id>\n<password>{CANARY}</password>\n"
        "<user_name>svc-other</user_name>\n</windows_credentials>\n</unload>\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_no_format_prints_a_secret(tmp_path: Path, fmt: str) -> None:
    write_canary_export(tmp_path)
    result = snlint("--isolated", "--format", fmt, "--color", "always", ".", cwd=tmp_path)  # excerpts too
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert "CRD002" in output and "EXO001" in output
    assert "canary.user@contoso.com" in output  # user names are not secret: the finding is really there
    assert CANARY not in output
    assert CANARY.lower() not in output.lower()
    written = tmp_path / "report.out"
    snlint("--isolated", "--format", fmt, "--output", str(written), ".", cwd=tmp_path)
    assert CANARY not in written.read_text(encoding="utf-8")


def test_baseline_holds_no_secret(tmp_path: Path) -> None:
    write_canary_export(tmp_path)
    result = snlint("--isolated", "--write-baseline", "baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "baseline.json").read_text(encoding="utf-8")
    assert CANARY not in text
    assert "canary.user" not in text  # hashed values only, not even user names
