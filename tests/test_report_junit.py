"""JUnit XML output: one testsuite and one testcase per file, a failure per finding at or above --fail-on, a
passing case for a clean run, and well-formed XML whatever the messages hold."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conftest import ROOT, snlint

from linter.model import Finding, Position, Related, Severity
from linter.report import Report, junit

UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"


def test_update_set_report() -> None:
    result = snlint("--isolated", "--format", "junit", "examples/", cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    root = ET.fromstring(result.stdout)
    findings = json.loads(snlint("--isolated", "--format", "json", "examples/", cwd=ROOT).stdout)["findings"]
    assert root.tag == "testsuites"
    assert (root.get("name"), root.get("errors")) == ("snlint", "0")
    files = list(dict.fromkeys(f["path"] for f in findings))
    failing_files = {f["path"] for f in findings if f["severity"] == "error"}
    assert (root.get("tests"), root.get("failures")) == (str(len(files)), str(len(failing_files)))
    suites = root.findall("testsuite")
    assert [suite.get("name") for suite in suites] == files
    for suite in suites:  # one testcase per file
        [case] = suite.findall("testcase")
        assert case.get("name") == case.get("file") == suite.get("name")
    [case] = next(suite for suite in suites if suite.get("name") == UPDATE_SET).findall("testcase")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "EXO001"
    assert (failure.get("message") or "").startswith("Mailbox credential 'Exchange Online Mailbox'")
    text = failure.text or ""
    assert text.startswith(f"{UPDATE_SET}:222:119: EXO001 error: Mailbox credential")
    assert f"note: {UPDATE_SET}:195:839: OAuth 2.0 credential 'Exchange_Online_Credentials'" in text


def test_clean_run_is_one_passing_testcase() -> None:
    result = snlint("--isolated", "--format", "junit", "tests/fixtures/list_export_clean", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    root = ET.fromstring(result.stdout)
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    [suite] = root.findall("testsuite")
    [case] = suite.findall("testcase")
    assert case.get("name") == "snlint"
    assert case.find("failure") is None
    assert "No problems found in 1 file(s)." in ET.tostring(case, encoding="unicode")


def test_markup_and_control_characters_stay_well_formed() -> None:
    message = 'user "<b>&amp;</b>" \x00\x1b[31m\ud800 ]]> end'
    finding = Finding("CRD004", Severity.WARNING, message, Position("a&b <c>.xml", 2, 3),
                      related=(Related(Position("x.yaml", 1, 1), "other\x07side"),))
    text = junit.render(Report([finding], 1, fail_on=Severity.WARNING))
    root = ET.fromstring(text)  # raises on malformed XML
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("file") == "a&b <c>.xml"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'user "<b>&amp;</b>" \ufffd\ufffd[31m\\ud800 ]]> end'
    assert "other\ufffdside" in (failure.text or "")
