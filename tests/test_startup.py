"""Start-up: what a run imports. A pre-commit hook runs snlint once per commit on a few files, so every module a
one-file run does not need is start-up time the user waits for (bench/README.md, "Start-up"). These tests pin the
modules kept off that path by module sets, never by times, so they cannot be flaky.

`python -X importtime` does not list modules loaded through importlib.import_module (the reporters), so each run
reports `sys.modules` at its end instead.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linter import cli

ROOT = Path(__file__).resolve().parent.parent

# The probe runs the command line in a fresh interpreter, then writes the names of the modules it loaded (those
# the interpreter's start loaded, e.g. an editable install's import hook, do not count).
PROBE = """
import sys
before = set(sys.modules)
import json
from linter.cli import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
with open(sys.argv[1], "w") as handle:
    json.dump(sorted(set(sys.modules) - before), handle)
"""

# Never needed by a one-file text run: each is loaded only by the feature that uses it.
HEAVY = {
    "ruamel.yaml",  # custom rules, YAML inputs, a configuration not yet cached
    "jsonschema",  # the same
    "pathspec",  # --exclude / exclude:
    "colorama",  # colored output on a terminal
    "hashlib",  # fingerprints (SARIF, GitLab, baselines); the cache names files by CRC
    "pathlib",
    "multiprocessing",  # --jobs
    "tomllib",  # a pyproject.toml configuration
    "dataclasses",  # never (test_no_module_imports_dataclasses)
    "inspect",  # what dataclasses imported (with ast, dis, tokenize)
    "shutil",  # argparse imports it for the terminal width unless told the width (cli._width)
    "base64",  # ID tokens and legacy-encrypted secrets
    "heapq",  # inline suppressions
    "linter.read.yaml",
    "linter.read.yamldoc",
    "linter.inventory",
    "linter.fix",
    "linter.baseline",
    "linter.record",
    "linter.report.json",
    "linter.report.sarif",
    "linter.report.github",
    "linter.report.gitlab",
    "linter.report.junit",
}

CREDENTIAL = """<?xml version="1.0" encoding="UTF-8"?><record_update table="windows_credentials">
    <windows_credentials action="INSERT_OR_UPDATE">
        <name>Exchange Online Mailbox</name>
        <password/>
        <sys_id>12bad50191148ff5e80cdb0db1b519d3</sys_id>
        <tag>4813b6db0767a33760991fc43f88247c</tag>
        <user_name>svc.mailbox@contoso.com</user_name>
    </windows_credentials>
</record_update>
"""


def loaded(tmp_path: Path, cwd: Path, *arguments: str) -> set[str]:
    """The modules a run of `snlint ARGUMENTS` in `cwd` has loaded when it ends."""
    report = tmp_path / "modules.json"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SNLINT_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }
    done = subprocess.run([sys.executable, "-c", PROBE, str(report), *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    modules: list[str] = json.loads(report.read_text())
    return set(modules)


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name in HEAVY or name.split(".")[0] in HEAVY}


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A folder outside any git repository holding one credential record file."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "windows_credentials_12bad50191148ff5e80cdb0db1b519d3.xml").write_text(CREDENTIAL)
    return folder


def test_version_loads_no_linting_module(tmp_path: Path, outside: Path) -> None:
    modules = loaded(tmp_path, outside, "--version")
    assert not heavy(modules)
    assert not {"linter.engine", "linter.config", "linter.ruleset", "linter.discover", "subprocess"} & modules


def test_one_file_outside_a_repository(tmp_path: Path, outside: Path) -> None:
    modules = loaded(tmp_path, outside, "windows_credentials_12bad50191148ff5e80cdb0db1b519d3.xml")
    assert {"linter.engine", "linter.read.xml", "linter.report.text"} <= modules  # it did lint the file
    assert not heavy(modules)
    # no repository: no git to run and no context to cache
    assert not {"subprocess", "linter.cache"} & modules


def test_one_file_inside_a_repository_with_its_context(tmp_path: Path, outside: Path) -> None:
    (outside / ".git").mkdir()  # git's view is not needed here: a failing git is warned about, then every file read
    (outside / "other").mkdir()
    (outside / "other" / "windows_credentials_22bad50191148ff5e80cdb0db1b519d3.xml").write_text(
        CREDENTIAL.replace("12bad", "22bad")
    )
    name = "windows_credentials_12bad50191148ff5e80cdb0db1b519d3.xml"
    loaded(tmp_path, outside, name)  # fills the context cache
    modules = loaded(tmp_path, outside, name)
    assert {"linter.context", "linter.cache"} <= modules  # the context was read, from the cache
    assert not heavy(modules)


def unnamed_files_here() -> bool:
    """Whether this machine's temporary folder takes unnamed files (Linux's O_TMPFILE), where git runs without the
    subprocess module."""
    if not hasattr(os, "O_TMPFILE") or not hasattr(os, "posix_spawnp"):
        return False
    try:
        os.close(os.open(os.environ.get("TMPDIR") or "/tmp", os.O_TMPFILE | os.O_RDWR, 0o600))
    except OSError:
        return False
    return True


@pytest.mark.skipif(shutil.which("git") is None or not unnamed_files_here(),
                    reason="needs git, and unnamed files (O_TMPFILE) in the temporary folder")
def test_git_runs_without_the_subprocess_module(tmp_path: Path, outside: Path) -> None:
    """Importing subprocess (signal, threading, selectors) was ~3 ms of a ~50 ms pre-commit run: git is started
    with os.posix_spawnp and writes to unnamed files."""
    subprocess.run(["git", "init", "-q", str(outside)], check=True)
    (outside / "other").mkdir()
    (outside / "other" / "windows_credentials_22bad50191148ff5e80cdb0db1b519d3.xml").write_text(
        CREDENTIAL.replace("12bad", "22bad")
    )
    modules = loaded(tmp_path, outside, "windows_credentials_12bad50191148ff5e80cdb0db1b519d3.xml")
    assert {"linter.gitfiles", "linter.context"} <= modules  # git listed the repository for the context
    assert "subprocess" not in modules


def test_the_probe_sees_what_a_feature_loads(tmp_path: Path, outside: Path) -> None:
    """The guard can fail: a run that needs a heavy module is seen loading it."""
    modules = loaded(tmp_path, outside, "--format", "sarif", "--exclude", "vendor/",
                     "windows_credentials_12bad50191148ff5e80cdb0db1b519d3.xml")
    assert {"linter.report.sarif", "pathspec"} <= heavy(modules)


def test_no_module_imports_dataclasses() -> None:
    """Measured on a one-file run (python 3.11): `import dataclasses` cost ~6.5 ms of start-up (it imports inspect,
    ast, dis, tokenize) and creating each of the ~31 dataclasses ~0.4 ms, together about half of what separated
    snlint from check-xml. Immutable values are typing.NamedTuples (0.09 ms each), mutable state plain classes
    with __slots__."""
    found = []
    for path in sorted((ROOT / "linter").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "dataclasses" for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def command_parser(command: str) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The parser main() builds for `command`, and the subcommand's parser inside it (the only one)."""
    parser = cli._parser(command)
    (commands,) = (action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    assert list(commands.choices) == [command]  # the other commands' parsers are not built (~4 ms)
    return parser, commands.choices[command]


@pytest.mark.parametrize("columns", [None, "57", "100", "0", "wide"])
@pytest.mark.parametrize("command", cli.COMMANDS)
def test_help_wraps_as_argparse_wraps_it(monkeypatch: pytest.MonkeyPatch, command: str, columns: str | None) -> None:
    """cli._Formatter finds the width without shutil; help and usage are what argparse's own formatter gives."""
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    parser, sub = command_parser(command)
    ours = (parser.format_usage(), sub.format_help())
    parser.formatter_class = sub.formatter_class = argparse.HelpFormatter
    assert ours == (parser.format_usage(), sub.format_help())


def test_the_entry_point_collects_garbage_less_often(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`snlint` and `python -m linter` start with a first GC threshold of 20,000 (linter/__main__.py)."""
    import gc

    from linter.__main__ import main

    before = gc.get_threshold()
    monkeypatch.setattr(sys, "argv", ["snlint", "--version"])
    try:
        with pytest.raises(SystemExit):
            main()
        assert gc.get_threshold() == (20_000, 10, 10)
    finally:
        gc.set_threshold(*before)
    assert capsys.readouterr().out.startswith("snlint ")
