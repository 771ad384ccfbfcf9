"""Named-file mode (pre-commit) reads the repository as safely as the walk: no symlink out of the repository, only
regular files (a FIFO or a device cannot hang the hook), sizes capped; git runs so that no repository
configuration executes anything (core.fsmonitor), and a git that fails or hangs gives a message, not a hang."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import git, mailbox_credential, snlint, write

from linter import gitfiles
from linter.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the named Mailbox credential; the same record defined differently (CRD005 when it is
    read) lives outside the repository."""
    root = tmp_path / "repo"
    write(root, "named.xml", mailbox_credential("svc.exo@contoso.com"))
    write(tmp_path, "outside/secret.xml", mailbox_credential("someone.else@contoso.com", password="CanaryOutside-1"))
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))
    gitfiles.listing.cache_clear()
    return root


Located = list[tuple[str, str, int, int]]


def lint_with_errors(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[Located, str]:
    """The findings of a run as (rule, path, line, column), and what it printed on stderr."""
    main(["--format", "json", *arguments])
    output = capsys.readouterr()
    report: dict[str, Any] = json.loads(output.out)
    return [(item["rule"], item["path"], item["line"], item["column"]) for item in report["findings"]], output.err


def lint(capsys: pytest.CaptureFixture[str], *arguments: str) -> Located:
    return lint_with_errors(capsys, *arguments)[0]


def test_the_context_is_read(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The control case: the same conflicting record inside the repository is read as context."""
    write(repo, "ctx.xml", mailbox_credential("someone.else@contoso.com"))
    git(repo, "add", ".")
    # reported where a run on the whole repository reports it (the record that tie-breaks as the later one)
    assert lint(capsys, "named.xml") == lint(capsys, ".") == [("CRD005", "named.xml", 6, 9)]


def test_a_tracked_symlink_out_of_the_repository_is_not_followed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ctx.xml").symlink_to("../outside/secret.xml")
    (repo / "inside.xml").symlink_to("named.xml")  # a symlink inside the repository is fine
    git(repo, "add", ".")
    assert "ctx.xml" in git(repo, "ls-files")
    assert lint(capsys, "named.xml") == []
    assert lint(capsys, ".") == []  # the walk agrees
    stored = b"".join(path.read_bytes() for path in (tmp_path / "cache").iterdir())
    assert b"ctx.xml" not in stored and b"CanaryOutside" not in stored


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_tracked_symlink_to_a_fifo_or_a_device_does_not_hang(repo: Path, tmp_path: Path) -> None:
    os.mkfifo(repo / "pipe")
    (repo / "fifo.xml").symlink_to("pipe")
    (repo / "tty.xml").symlink_to("/dev/tty")
    (repo / "zero.xml").symlink_to("/dev/zero")
    git(repo, "add", "fifo.xml", "tty.xml", "zero.xml", "named.xml")
    write(repo, "ctx.xml", mailbox_credential("someone.else@contoso.com"))
    started = time.monotonic()
    result = snlint("--format", "json", "named.xml", cwd=repo, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(item["rule"], item["path"], item["line"], item["column"]) for item in findings] == [
        ("CRD005", "named.xml", 6, 9)]  # the rest of the context was still read


def test_context_files_over_the_size_limit_are_not_read(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, ".snlint.yaml", "max-file-size: 2KB\n")
    padded = mailbox_credential("someone.else@contoso.com").replace("<name>", "<!--" + "x" * 4096 + "--><name>")
    write(repo, "ctx.xml", padded)
    git(repo, "add", ".")
    assert lint(capsys, "named.xml") == []
    write(repo, ".snlint.yaml", "max-file-size: 8KB\n")
    # reported where a run on the whole repository reports it (the record that tie-breaks as the later one)
    assert lint(capsys, "named.xml") == lint(capsys, ".") == [("CRD005", "named.xml", 6, 9)]


def test_an_fsmonitor_command_in_the_repository_config_never_runs(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "fsmonitor-ran"
    write(repo, "ctx.xml", mailbox_credential("someone.else@contoso.com"))
    git(repo, "add", ".")
    git(repo, "config", "core.fsmonitor", f"touch {marker}; echo")
    git(repo, "ls-files")  # the trap is real: plain git runs it
    assert marker.exists()
    marker.unlink()
    for arguments in (["named.xml"], ["."], ["inventory", "."]):
        result = snlint(*arguments, cwd=repo, timeout=60)
        assert "Traceback" not in result.stderr
        assert not marker.exists(), arguments
    assert "CRD005" in snlint("named.xml", cwd=repo).stdout  # and git's listing was used


def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    folder = tmp_path / "bin"
    write(folder, "git", f"#!{sys.executable}\n{body}\n").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_a_failing_git_is_a_clear_message_and_the_repository_is_walked(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "ctx.xml", mailbox_credential("someone.else@contoso.com"))
    fake_git(tmp_path, monkeypatch, "import sys\nsys.stderr.write('fatal: detected dubious ownership\\n')\n"
                                    "sys.exit(128)")
    findings, error = lint_with_errors(capsys, "named.xml")
    assert findings == [("CRD005", "named.xml", 6, 9)]
    assert "snlint: warning: cannot list the files of the git repository" in error
    assert "git failed (fatal: detected dubious ownership); reading every file under it instead" in error


def test_a_hanging_git_is_stopped_within_the_time_limit(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "ctx.xml", mailbox_credential("someone.else@contoso.com"))
    # git and a child of its own that holds the output pipe open
    fake_git(tmp_path, monkeypatch, "import subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)")
    monkeypatch.setattr(gitfiles, "TIMEOUT", 1.0)
    started = time.monotonic()
    findings, error = lint_with_errors(capsys, "named.xml")
    assert findings == [("CRD005", "named.xml", 6, 9)]
    assert time.monotonic() - started < 15
    assert "git did not answer within 1 s" in error


def test_git_runs_with_repository_configuration_disarmed(repo: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "argv.json"
    fake_git(tmp_path, monkeypatch, f"import json, os, sys\njson.dump([sys.argv[1:], os.environ.get("
                                    f"'GIT_OPTIONAL_LOCKS')], open({str(record)!r}, 'w'))")
    gitfiles.run_git(str(repo), "ls-files")
    arguments, locks = json.loads(record.read_text())
    assert arguments[:8] == ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c",
                             "core.untrackedCache=false", "--no-pager", "--no-optional-locks"]
    assert locks == "0"
