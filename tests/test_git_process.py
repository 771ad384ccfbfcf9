"""How snlint runs git: through os.posix_spawnp into unnamed files where the temporary folder takes them (Linux's
O_TMPFILE), through subprocess with pipes elsewhere (here: TMPDIR pointing at a missing folder). Both ways must
behave alike: the same listing, a clear message for a git that fails or hangs, git's process group killed and
reaped, git run with SIGPIPE at its default and none of snlint's inherited descriptors, and a run started with
SIGCHLD ignored (some CI agents do that) still working."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, mailbox_credential, write

from linter import gitfiles

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SPAWNED = hasattr(os, "O_TMPFILE") and hasattr(os, "posix_spawnp")


@pytest.fixture(params=["spawn", "subprocess"])
def way(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way git can be run; the spawn way only where this machine has it."""
    if request.param == "spawn":
        if not SPAWNED or gitfiles._unnamed_files() is None:
            pytest.skip("no unnamed files in the temporary folder here")
    else:
        monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))  # no unnamed file: subprocess with pipes
    return str(request.param)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    write(root, "a/one.xml", "<unload/>")
    write(root, "ignored.xml", "<unload/>")
    write(root, ".gitignore", "ignored.xml\n")
    git(root, "init", "-q")
    gitfiles.listing.cache_clear()
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))
    return root


def fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    folder = tmp_path / "bin"
    write(folder, "git", f"#!{sys.executable}\n{body}\n").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_both_ways_list_the_same_files(way: str, repo: Path) -> None:
    output = gitfiles.run_git(str(repo), "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    assert output == b".gitignore\0a/one.xml\0"


def test_a_failing_git_is_a_failure_with_its_message(way: str, repo: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fake_git(tmp_path, monkeypatch, "import sys\nsys.stderr.write('fatal: detected dubious ownership\\n')\n"
                                    "sys.exit(128)")
    assert gitfiles.run_git(str(repo), "ls-files") == gitfiles.GitFailure(
        str(repo), "git failed (fatal: detected dubious ownership)")


def test_a_missing_git_is_a_failure(way: str, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "nothing"))
    found = gitfiles.run_git(str(repo), "ls-files")
    assert isinstance(found, gitfiles.GitFailure) and found.reason.startswith("cannot run git: ")


def test_a_hanging_git_and_its_child_are_killed(way: str, repo: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    child = tmp_path / "child.pid"
    fake_git(tmp_path, monkeypatch, "import subprocess, time\n"
                                    f"open({str(child)!r}, 'w').write(str(subprocess.Popen(['sleep', '60']).pid))\n"
                                    "time.sleep(60)")
    started = time.monotonic()
    assert gitfiles.run_git(str(repo), "ls-files", timeout=1.0) == gitfiles.GitFailure(
        str(repo), "git did not answer within 1 s")
    assert time.monotonic() - started < 10
    pid = int(child.read_text())
    for _ in range(100):  # the sleeping grandchild went with git's process group
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("git's child is still running")


def test_an_unused_prefetch_is_killed_and_reaped(way: str, repo: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fake_git(tmp_path, monkeypatch, "import time\ntime.sleep(60)")
    gitfiles.prefetch(str(repo))
    (process,) = gitfiles._started.values()
    gitfiles.cancel()
    assert not gitfiles._started and process.returncode is not None
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(process.pid, os.WNOHANG)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_git_gets_default_sigpipe_and_no_inherited_descriptor(way: str, repo: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "seen.txt"
    folder = tmp_path / "bin"  # a shell script: Python would ignore SIGPIPE itself before it could look
    write(folder, "git", f"#!/bin/sh\ngrep '^SigIgn' /proc/$$/status > '{record}'\nls /proc/$$/fd >> '{record}'\n")
    (folder / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    read, write_end = os.pipe()
    os.dup2(read, 200, inheritable=True)  # as a descriptor snlint was given by whatever started it
    try:
        assert gitfiles.run_git(str(repo), "ls-files") == b""
    finally:
        for fd in (read, write_end, 200):
            os.close(fd)
    ignored, *descriptors = record.read_text().split()[1:]
    assert not int(ignored, 16) & (1 << (signal.SIGPIPE - 1))
    assert "200" not in descriptors


def run_with_sigchld_ignored(arguments: list[str], cwd: Path, environment: dict[str, str]) -> str:
    """snlint's JSON findings (rule, path, line, column) from a process started with SIGCHLD ignored."""
    starter = ("import os, signal, sys\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
               "os.execv(sys.executable, [sys.executable, '-m', 'linter', *sys.argv[1:]])")
    done = subprocess.run([sys.executable, "-c", starter, "--format", "json", *arguments], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout)["findings"]
    return json.dumps([(item["rule"], item["path"], item["line"]) for item in findings]) + done.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGCHLD"), reason="no SIGCHLD")
def test_a_run_started_with_sigchld_ignored_lists_through_git(way: str, repo: Path, tmp_path: Path) -> None:
    write(repo, "named.xml", mailbox_credential("svc.exo@contoso.com"))
    write(repo, "a/ctx.xml", mailbox_credential("someone.else@contoso.com"))
    write(repo, "ignored.xml", mailbox_credential("third@contoso.com"))  # git ignores it: never read
    root = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": str(root), "SNLINT_CACHE_DIR": str(tmp_path / "cache")}
    expected = '[["CRD005", "named.xml", 6]]'  # where `snlint .` reports it: the later definition in walk order
    assert run_with_sigchld_ignored(["."], repo, environment) == expected
    assert run_with_sigchld_ignored(["named.xml"], repo, environment) == expected
    fake = tmp_path / "bin"
    write(fake, "git", f"#!{sys.executable}\nimport sys\nsys.stderr.write('fatal: not today\\n')\nsys.exit(128)\n")
    (fake / "git").chmod(0o755)
    environment["PATH"] = f"{fake}{os.pathsep}{environment['PATH']}"
    shown = run_with_sigchld_ignored(["--no-cache", "named.xml"], repo, environment)
    assert "git failed (fatal: not today); reading every file under it instead" in shown  # not an empty listing


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="the server lints buffers from memory (memfd)")
def test_the_language_server_lists_the_repository_again_for_each_run(repo: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An OAuth 2.0 credential whose entity profile is in no file (CRD001) until the profile's export is created
    while the server runs."""
    from linter.server import lint_buffer

    fixture = Path(__file__).parent / "fixtures" / "crd001_resolved"
    for name in ("oauth_2_0_credentials.xml", "sys_alias.xml", "http_connection.xml", "windows_credentials.xml"):
        shutil.copy(fixture / name, repo / name)
    monkeypatch.chdir(repo)
    named = (repo / "oauth_2_0_credentials.xml").read_text()

    def located() -> list[tuple[str, int, int]]:
        findings = lint_buffer("oauth_2_0_credentials.xml", named)[0]
        return [(item.rule, item.position.line, item.position.column) for item in findings]

    assert located() == [("CRD001", 8, 81)]
    shutil.copy(fixture / "oauth_entity.xml", repo / "oauth_entity.xml")
    assert located() == []
