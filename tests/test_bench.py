"""The benchmark writes the README (issue 14): the Performance table is the one rendered from the newest results
file in bench/results/, and `bench/run.py --quick` runs end to end and writes a complete results file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

RUN = ROOT / "bench" / "run.py"
START, END = "<!-- bench/run.py --render: start -->", "<!-- bench/run.py --render: end -->"


def run_bench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUN), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_readme_performance_table_is_rendered_from_the_newest_results_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(START) == 1 and readme.count(END) == 1, "README must mark the rendered section once"
    shown = readme.split(START, 1)[1].split(END, 1)[0].strip()
    rendered = run_bench("--render")
    assert rendered.returncode == 0, rendered.stderr
    assert shown == rendered.stdout.strip(), (
        "README Performance section differs from `python bench/run.py --render`: paste the rendered text"
    )
    assert "| one named file in a git repository of 2,000 exports" in shown  # a full run, not a --quick one


def test_the_committed_results_file_holds_every_sample() -> None:
    newest = sorted((ROOT / "bench" / "results").glob("????-??-??.json"))[-1]
    report = json.loads(newest.read_text(encoding="utf-8"))
    assert not report["settings"]["quick"]
    for scenario in report["scenarios"]:
        for tool in scenario["tools"]:
            assert tool["error"] is None, (scenario["name"], tool["tool"], tool["error"])
            assert len(tool["runs"]) == scenario["rounds"]


def test_quick_run_writes_a_results_file_outside_the_repository(tmp_path: Path) -> None:
    committed = {p.name: p.stat().st_mtime_ns for p in (ROOT / "bench" / "results").iterdir()}
    done = run_bench("--quick", "--out", str(tmp_path / "inputs"), "--results-dir", str(tmp_path / "results"),
                     "--snlint-cmd", f"{sys.executable} -m linter")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    (written,) = (tmp_path / "results").glob("*.json")
    report = json.loads(written.read_text(encoding="utf-8"))
    assert set(report) >= {"date", "machine", "versions", "settings", "scenarios", "bench_seconds"}
    assert set(report["machine"]) == {"cpu_model", "cores", "os"}
    assert set(report["versions"]) == {"python", "snlint", "libexpat", "xmllint", "pre-commit-hooks"}
    assert report["versions"]["snlint"] and report["versions"]["libexpat"]
    names = [s["name"] for s in report["scenarios"]]
    assert names == ["named-warm", "named-cold", "batches", "repo", "large", "small", "growth", "jobs"]
    snlint_runs = [t for s in report["scenarios"] for t in s["tools"] if t["role"] == "snlint"]
    assert all(len(t["runs"]) == 1 or len(t["runs"]) == 2 for t in snlint_runs)  # quick: 1 round (small: 2)
    assert all({"wall_s", "peak_rss_kb"} <= set(t["runs"][0]) for t in snlint_runs)
    assert "| input | how each tool is run |" in done.stdout  # the README section is printed
    assert {p.name: p.stat().st_mtime_ns for p in (ROOT / "bench" / "results").iterdir()} == committed


@pytest.mark.parametrize("count", [0, 1, 3000])
def test_batches_are_split_as_pre_commit_splits_them(count: int) -> None:
    """The batched row runs every tool on pre-commit's own split (serial xargs) of the file list."""
    xargs = pytest.importorskip("pre_commit.xargs")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run  # bench/run.py
    finally:
        sys.path.remove(str(ROOT / "bench"))
    files = [f"app/update/sys_script_include_{index:032x}.xml" for index in range(count)]
    command = ["/venv/bin/check-xml"]
    theirs = [list(batch[1:]) for batch in xargs.partition(command, files, 1, 8192) if batch[1:]]
    assert run.split(files, [command, ["xmllint"]], 8192) == theirs
