"""Baselines: written sorted and hashed, matched by (rule, path, fingerprint) whatever the lines, so only new
findings are reported; stale entries are counted; broken baseline files are usage errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, snlint

from linter.baseline import BaselineError, filter_baseline, read_baseline, write_baseline
from linter.model import Finding, Position, Severity, fingerprint

UPDATE_SET = EXAMPLES / "update-sets" / "exchange_online_setup.xml"
MID_ALIAS = "1ff4d76b843b43108a39d5d8072fcfc2"  # the Mailbox alias of the example update set


def lint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return snlint("--isolated", *args, cwd=cwd)


def mailbox_export(user: str, sys_id: str = "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<unload unload_date="2024-03-11 16:05:27">\n'
        '<windows_credentials action="INSERT_OR_UPDATE">\n<active>true</active>\n<name>Second mailbox</name>\n'
        f"<sys_id>{sys_id}</sys_id>\n<tag>{MID_ALIAS}</tag>\n<user_name>{user}</user_name>\n"
        "</windows_credentials>\n</unload>\n"
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "setup.xml").write_text(UPDATE_SET.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_write_then_rerun_reports_nothing_new(repo: Path) -> None:
    written = lint("--write-baseline", "snlint-baseline.json", "exports", cwd=repo)
    assert written.returncode == 0, written.stderr
    assert "wrote 1 finding(s) to baseline snlint-baseline.json" in written.stderr
    assert written.stdout == ""
    document = json.loads((repo / "snlint-baseline.json").read_text(encoding="utf-8"))
    assert document["version"] == 1
    [entry] = document["entries"]
    assert set(entry) == {"rule", "path", "fingerprint"}
    assert (entry["rule"], entry["path"]) == ("EXO001", "exports/setup.xml")
    assert len(entry["fingerprint"]) == 32 and int(entry["fingerprint"], 16) >= 0
    assert "contoso" not in (repo / "snlint-baseline.json").read_text(encoding="utf-8")  # no messages or values
    assert not [name for name in (p.name for p in repo.iterdir()) if name.startswith(".snlint-")]  # atomic

    rerun = lint("--baseline", "snlint-baseline.json", "exports", cwd=repo)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "No problems found" in rerun.stdout
    assert "no longer match" not in rerun.stderr


def test_moved_and_reordered_lines_still_match(repo: Path) -> None:
    assert lint("--write-baseline", "baseline.json", "exports", cwd=repo).returncode == 0
    setup = repo / "exports" / "setup.xml"
    text = setup.read_text(encoding="utf-8")
    updates = re.findall(r"<sys_update_xml .*?</sys_update_xml>\n", text, flags=re.DOTALL)
    assert len(updates) > 3
    start, end = text.index(updates[0]), text.index(updates[-1]) + len(updates[-1])
    setup.write_text(text[:start] + "\n\n\n" + "".join(reversed(updates)) + text[end:], encoding="utf-8")
    moved = lint("--format", "json", "exports", cwd=repo)
    [finding] = json.loads(moved.stdout)["findings"]
    assert finding["rule"] == "EXO001"
    assert (finding["line"], finding["related"][0]["line"]) != (222, 195)  # the finding really moved
    rerun = lint("--baseline", "baseline.json", "exports", cwd=repo)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "No problems found" in rerun.stdout


def test_new_mismatch_is_reported_and_removed_one_is_counted(repo: Path) -> None:
    extra = repo / "exports" / "windows_credentials.xml"
    extra.write_text(mailbox_export("first.other@contoso.com"), encoding="utf-8")
    assert lint("--write-baseline", "baseline.json", "exports", cwd=repo).returncode == 0
    assert len(json.loads((repo / "baseline.json").read_text(encoding="utf-8"))["entries"]) == 2

    (repo / "exports" / "more.xml").write_text(
        mailbox_export("new.person@contoso.com", "0dd0dd0dd0dd0dd0dd0dd0dd0dd0dd0d"), encoding="utf-8"
    )
    new = lint("--baseline", "baseline.json", "exports", cwd=repo)
    assert new.returncode == 1
    assert "exports/more.xml:8:12: EXO001 error:" in new.stdout
    assert "new.person@contoso.com" in new.stdout
    assert "Found 1 error(s)" in new.stdout

    extra.unlink()
    (repo / "exports" / "more.xml").unlink()
    stale = lint("--baseline", "baseline.json", "exports", cwd=repo)
    assert stale.returncode == 0, stale.stdout
    assert "snlint: 1 baseline entry no longer match a finding" in stale.stderr


def test_baseline_paths_do_not_depend_on_the_current_directory(repo: Path) -> None:
    assert lint("--write-baseline", "baseline.json", "exports", cwd=repo).returncode == 0
    elsewhere = lint("--baseline", "../baseline.json", "setup.xml", cwd=repo / "exports")
    assert elsewhere.returncode == 0, elsewhere.stdout
    assert "No problems found" in elsewhere.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read baseline"),
        ("{not json", "invalid JSON"),
        ("[]", "not a snlint baseline"),
        ('{"version": 2, "entries": []}', "not a snlint baseline"),
        ('{"version": 1, "entries": {}}', '"entries" must be a list'),
        ('{"version": 1, "entries": [{"rule": "EXO001", "path": "a.xml"}]}', "entry 1 needs"),
    ],
)
def test_broken_baseline_is_a_usage_error(repo: Path, content: str | None, expected: str) -> None:
    if content is not None:
        (repo / "baseline.json").write_text(content, encoding="utf-8")
    result = lint("--baseline", "baseline.json", "exports", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("snlint: error: baseline.json: ")
    assert expected in result.stderr
    with pytest.raises(BaselineError):
        read_baseline(str(repo / "baseline.json"))


def finding(path: str, line: int, key: str = "k1", rule: str = "EXO001") -> Finding:
    return Finding(rule, Severity.ERROR, f"message at {line}", Position(path, line, 1), key=key)


def test_entries_are_a_multiset_and_sorted(tmp_path: Path) -> None:
    baseline = str(tmp_path / "baseline.json")
    a = str(tmp_path / "a.xml")
    b = str(tmp_path / "b.xml")
    assert write_baseline(baseline, [finding(b, 1), finding(a, 9, "k2"), finding(a, 3)]) == 3
    rows = json.loads(Path(baseline).read_text(encoding="utf-8"))["entries"]
    assert rows == sorted(rows, key=lambda row: (row["rule"], row["path"], row["fingerprint"]))
    assert [(row["path"], row["fingerprint"]) for row in rows] == sorted(
        [("a.xml", fingerprint(finding(a, 3))), ("a.xml", fingerprint(finding(a, 9, "k2"))),
         ("b.xml", fingerprint(finding(b, 1)))]
    )

    twice = [finding(a, 30), finding(a, 31), finding(a, 90, "k2"), finding(b, 5)]
    new, stale = filter_baseline(baseline, twice)
    assert [item.position.line for item in new] == [31]  # one entry matches one finding only
    assert stale == 0
    new, stale = filter_baseline(baseline, [finding(a, 3)])
    assert (new, stale) == ([], 2)
    new, stale = filter_baseline(baseline, [finding(a, 3)], scope=[a])  # b.xml was not linted: not stale
    assert (new, stale) == ([], 1)
