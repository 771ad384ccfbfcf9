"""The JUnit XML report for CI test views (Jenkins, Azure DevOps, GitLab): one testsuite per file with
findings and one testcase per file; the findings at or above `--fail-on` are its `<failure>`s (one per finding),
lower ones are listed in its `<system-out>` without failing it, so the test view agrees with the exit code. A
clean run is one passing testcase (CI rejects empty reports)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from linter.escape import utf8_safe
from linter.model import Finding
from linter.report import Report

# Characters XML 1.0 cannot carry, even escaped (ElementTree would write them and produce an invalid file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", utf8_safe(text))


def _details(item: Finding) -> str:
    lines = [f"{item.position}: {item.rule} {item.severity.value}: {item.message}"]
    lines += [f"    note: {other.position}: {other.message}" for other in item.related]
    return _clean("\n".join(lines))


def _testcase(suite: ET.Element, path: str, found: list[Finding], report: Report) -> None:
    case = ET.SubElement(suite, "testcase", name=_clean(path), classname="snlint", file=_clean(path), time="0")
    passing = []
    for item in found:
        if report.failing(item):
            failure = ET.SubElement(case, "failure", message=_clean(item.message), type=item.rule)
            failure.text = _details(item)
        else:
            passing.append(_details(item))
    if passing:
        ET.SubElement(case, "system-out").text = "\n".join(passing)


def render(report: Report) -> str:
    by_file: dict[str, list[Finding]] = {}
    for item in report.findings:
        by_file.setdefault(item.position.path, []).append(item)
    failed_files = sum(1 for found in by_file.values() if any(report.failing(item) for item in found))
    root = ET.Element("testsuites", name="snlint", tests=str(len(by_file) or 1), failures=str(failed_files),
                      errors="0", time="0")
    for path, found in by_file.items():
        failed = any(report.failing(item) for item in found)
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests="1", failures=str(int(failed)),
                              errors="0", skipped="0", time="0")
        _testcase(suite, path, found, report)
    if not by_file:
        suite = ET.SubElement(root, "testsuite", name="snlint", tests="1", failures="0", errors="0",
                              skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", name="snlint", classname="snlint", time="0")
        ET.SubElement(case, "system-out").text = f"No problems found in {report.files} file(s)."
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
