"""The JUnit XML report for CI test views (Jenkins, Azure DevOps, GitLab): one testsuite per file with
findings, one failed testcase per finding; a clean run is one passing testcase (CI rejects empty reports)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from linter.model import Finding

# Characters XML 1.0 cannot carry, even escaped (ElementTree would write them and produce an invalid file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _testcase(suite: ET.Element, item: Finding) -> None:
    position = item.position
    case = ET.SubElement(
        suite,
        "testcase",
        name=_clean(f"{item.rule} {position}"),
        classname=f"snlint.{item.rule}",
        file=_clean(position.path),
        line=str(position.line),
        time="0",
    )
    details = [f"{position}: {item.rule} {item.severity.value}: {item.message}"]
    details += [f"    note: {other.position}: {other.message}" for other in item.related]
    failure = ET.SubElement(case, "failure", message=_clean(item.message), type=item.rule)
    failure.text = _clean("\n".join(details))


def render(findings: Iterable[Finding], files: int) -> str:
    items = list(findings)
    by_file: dict[str, list[Finding]] = {}
    for item in items:
        by_file.setdefault(item.position.path, []).append(item)
    root = ET.Element("testsuites", name="snlint", tests=str(len(items) or 1), failures=str(len(items)),
                      errors="0", time="0")
    for path, found in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(len(found)),
                              failures=str(len(found)), errors="0", skipped="0", time="0")
        for item in found:
            _testcase(suite, item)
    if not items:
        suite = ET.SubElement(root, "testsuite", name="snlint", tests="1", failures="0", errors="0",
                              skipped="0", time="0")
        case = ET.SubElement(suite, "testcase", name="snlint", classname="snlint", time="0")
        ET.SubElement(case, "system-out").text = f"No problems found in {files} file(s)."
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
