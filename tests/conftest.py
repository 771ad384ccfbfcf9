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


def git(folder: Path | str, *arguments: str) -> str:
    """The output of `git -C FOLDER ARGUMENTS`, which must succeed."""
    return subprocess.run(["git", "-C", str(folder), *arguments], check=True, capture_output=True, text=True).stdout


MAILBOX = "5cd9dd8c720952103a946777183c8872"


def mailbox_credential(user: str, sys_id: str = MAILBOX, password: str = "") -> str:
    """An Exchange Online Mailbox (Windows) credential as a list export: its sys_id at line 6, column 9; the
    password element, when given, on the line before the user name."""
    secret = f"<password>{password}</password>\n" if password else ""
    return f"""
        <?xml version="1.0" encoding="UTF-8"?>
        <unload unload_date="2024-08-19 09:10:26">
        <windows_credentials action="INSERT_OR_UPDATE">
        <name>Exchange Online Mailbox</name>
        <sys_class_name>windows_credentials</sys_class_name>
        <sys_id>{sys_id}</sys_id>
        <sys_updated_on>2024-08-19 09:10:26</sys_updated_on>
        {secret}<user_name>{user}</user_name>
        </windows_credentials>
        </unload>
    """
