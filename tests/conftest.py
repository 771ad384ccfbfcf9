"""Shared test helpers: run the real command, locate the project and the fixtures (all inside the repository)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linter.read.base import ReadOptions, ReadResult

# The tests never touch the user's cache (~/.cache/snlint): one fresh cache folder per test session.
os.environ["SNLINT_CACHE_DIR"] = tempfile.mkdtemp(prefix="snlint-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"


def snlint(*args: str, cwd: Path | str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m linter ARGS` as a user would, capturing output."""
    return subprocess.run(
        [sys.executable, "-m", "linter", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
    )


def snlint_json(*args: str, cwd: Path | str | None = None) -> dict[str, Any]:
    result = snlint("--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def write(folder: Path, name: str, text: str) -> Path:
    """Write a (dedented) text file below `folder`, creating its folders."""
    import textwrap

    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def located(data: dict[str, Any]) -> set[tuple[str, str, int, int]]:
    """(rule, path, line, column) of every finding of a JSON report."""
    return {(f["rule"], f["path"], f["line"], f["column"]) for f in data["findings"]}


def read_yaml_export(path: Path, options: ReadOptions) -> ReadResult:
    """The YAML / JSON reader's result, its problem kinds bound to the built-in rules as a run binds them."""
    from linter.read.yaml import read_yaml
    from linter.ruleset import bind, builtin_rules

    fd = os.open(path, os.O_RDONLY)
    try:
        result = read_yaml(str(path), options, fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    result.findings = bind(result.findings, builtin_rules())
    return result


def cpu_seconds(action: Callable[[], object], runs: int = 1) -> float:
    """The best CPU time of `runs` runs of `action`: this process's own, so the other processes of a shared machine
    do not count (the scaling tests compare two sizes measured this way)."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        action()
        best = min(best, time.process_time() - start)
    return best
