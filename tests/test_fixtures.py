"""Every scenario folder under tests/fixtures with an expected.txt: the real command reports exactly those
findings (rule, path, line, column), and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, located, snlint_json

SCENARIOS = sorted(path.parent for path in FIXTURES.glob("*/expected.txt"))


def _expected(folder: Path) -> set[tuple[str, str, int, int]]:
    expected = set()
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(("#", "summary ")):
            continue
        rule, where = line.split(maxsplit=1)
        path, row, column = where.rsplit(":", 2)
        expected.add((rule, path, int(row), int(column)))
    return expected


def _summary(folder: Path) -> tuple[int, int] | None:
    """The `summary files=N skipped=M` line of a scenario's expected.txt, if it has one."""
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("summary "):
            fields = dict(part.split("=") for part in line.split()[1:])
            return int(fields["files"]), int(fields["skipped"])
    return None


def _exports(folder: Path) -> int:
    """The scenario's input files: every XML, YAML and JSON file but its configuration (all are exports)."""
    suffixes = {".xml", ".yaml", ".yml", ".json"}
    return sum(1 for path in folder.rglob("*") if path.suffix in suffixes and path.name != ".snlint.yaml")


@pytest.mark.parametrize("folder", SCENARIOS, ids=[folder.name for folder in SCENARIOS])
def test_scenario_reports_exactly_the_expected_findings(folder: Path) -> None:
    report = snlint_json("--no-context", ".", cwd=folder)
    assert located(report) == _expected(folder)
    summary = _summary(folder)
    if summary is not None:  # `summary files=N skipped=M`: what a folder of non-exports is counted as
        assert (report["summary"]["files"], report["summary"]["skipped"]) == summary
    elif not _expected(folder):  # a clean result says something only when every input was read as an export
        assert _exports(folder) > 0
        assert (report["summary"]["files"], report["summary"]["skipped"]) == (_exports(folder), 0)


def test_there_are_scenarios() -> None:
    assert len(SCENARIOS) >= 15
