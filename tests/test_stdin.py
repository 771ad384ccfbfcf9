"""`snlint --stdin-filename NAME -`: standard input linted as the file NAME (editors, `git show :path | snlint`),
with the repository's other exports as context, bounded by max-file-size and never written to disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

UPDATE_SET = "examples/update-sets/exchange_online_setup.xml"

pytestmark = pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="standard input needs memfd (Linux)")


def piped(data: bytes, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linter", *args], cwd=cwd, input=data.decode("utf-8"),
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_stdin_is_linted_as_the_named_file_with_repository_context(repository: Path) -> None:
    data = (repository / UPDATE_SET).read_bytes()
    named = piped(b"", "--isolated", UPDATE_SET, cwd=repository)
    result = piped(data, "--isolated", "--stdin-filename", UPDATE_SET, "-", cwd=repository)
    assert result.returncode == 1, result.stderr
    assert f"{UPDATE_SET}:222:119: EXO001 error: Mailbox credential 'Exchange Online Mailbox'" in result.stdout
    # the credentials come from the repository (context), as for the named file
    assert "examples/credentials.yaml:42:16: EXO003 warning" in result.stdout
    assert result.stdout == named.stdout


def test_stdin_content_wins_over_the_file_on_disk(repository: Path) -> None:
    data = (repository / UPDATE_SET).read_bytes().replace(b"mailbox.admin@contoso.com", b"exo.service@contoso.com")
    result = piped(data, "--isolated", "-f", "json", "--stdin-filename", UPDATE_SET, "-", cwd=repository)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"EXO001"' not in result.stdout
    assert '"files": 1' in result.stdout


def test_stdin_never_touches_the_disk(repository: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    temporary = tmp_path_factory.mktemp("tmpdir")
    data = (repository / UPDATE_SET).read_bytes()
    result = piped(data, "--isolated", "--no-context", "--stdin-filename", UPDATE_SET, "-", cwd=repository,
                   env={"TMPDIR": str(temporary), "TMP": str(temporary), "TEMP": str(temporary)})
    assert result.returncode == 1
    assert list(temporary.iterdir()) == []
    assert sorted(p.name for p in (repository / "examples" / "update-sets").iterdir()) == [
        "exchange_online_setup.xml"]


def test_stdin_is_bounded_by_max_file_size(repository: Path) -> None:
    (repository / ".snlint.yaml").write_text("max-file-size: 1KB\n", encoding="utf-8")
    data = (repository / UPDATE_SET).read_bytes()
    result = piped(data, "--no-context", "--stdin-filename", UPDATE_SET, "-", cwd=repository)
    assert result.returncode == 1
    size = f"{len(data) / 1024:.1f} KiB"  # its real size, though only the first 1 KiB + 1 byte were kept
    assert result.stdout.startswith(
        f"{UPDATE_SET}:1:1: SN002 error: file is {size}, over the 1 KiB limit (max-file-size): refused\n")


def test_stdin_yaml_reader_and_exclusions_follow_the_name(repository: Path) -> None:
    data = (repository / "examples" / "credentials.yaml").read_bytes()
    result = piped(data.replace(b"CONTOSO\\svc-exchange", b".\\svc-exchange"), "--isolated", "--stdin-filename",
                   "examples/credentials.yaml", "-", cwd=repository)
    assert "examples/credentials.yaml:42:16: EXO003 warning: Mailbox credential 'Exchange Mailbox (legacy " \
           "on-premises)' (8eb2e1938ab452103a946777183c88b2) of alias 'sn_ex_online_spke.Microsoft_Exchange_Online_" \
           "MID': user '.\\svc-exchange'" in result.stdout, result.stderr
    excluded = piped(data, "--isolated", "--exclude", "exports/*", "--stdin-filename", "exports/creds.yaml", "-",
                     cwd=repository)
    assert excluded.returncode == 0
    assert excluded.stdout == "No problems found in 0 file(s).\n"


def test_stdin_usage_errors(repository: Path) -> None:
    missing = piped(b"<unload/>", "--isolated", "-", cwd=repository)
    assert missing.returncode == 2 and "needs --stdin-filename NAME" in missing.stderr
    mixed = piped(b"<unload/>", "--isolated", "--stdin-filename", "a.xml", "-", "examples", cwd=repository)
    assert mixed.returncode == 2 and "cannot be combined with other paths" in mixed.stderr
    alone = piped(b"", "--isolated", "--stdin-filename", "a.xml", "examples", cwd=repository)
    assert alone.returncode == 2 and "--stdin-filename needs the path -" in alone.stderr
