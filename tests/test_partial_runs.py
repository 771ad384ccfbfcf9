"""Runs on named files (pre-commit): the rest of the repository is context, read from the on-disk cache when a
file is unchanged (size and modification time), and configuration suppressions are judged only on whole runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from linter.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

MAILBOX = "d2ae5bf89c9652103a946777183c889c"  # windows_credentials.xml: user exo.service@contoso.com
OAUTH_FILE = "oauth_2_0_credentials.xml"  # u_authorized_as EXO.Service@Contoso.com (the same account)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository of a clean Exchange Online setup: aliases, connection, OAuth and Mailbox credential, one
    file each."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "exo_case_only_clean", root, ignore=shutil.ignore_patterns("expected.txt"))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))
    return root


def findings(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[tuple[str, str, int, int]]:
    main(["--format", "json", *arguments])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return [(item["rule"], item["path"], item["line"], item["column"]) for item in report["findings"]]


def test_a_context_file_edited_between_two_runs_is_read_again(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert findings(capsys, "windows_credentials.xml") == []  # the OAuth credential, read as context, agrees
    assert [path.name for path in (tmp_path / "cache").glob("context-*.json")]  # and its records are cached
    oauth = repo / OAUTH_FILE
    before = oauth.stat()
    oauth.write_text(oauth.read_text(encoding="utf-8").replace("EXO.Service@", "EXO.Wrongly@"), encoding="utf-8")
    os.utime(oauth, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))
    assert oauth.stat().st_size == before.st_size  # only the modification time tells the cache it changed
    assert findings(capsys, "windows_credentials.xml") == [("EXO001", "windows_credentials.xml", 20, 12)]


def test_a_configuration_suppression_is_not_reported_unused_on_a_partial_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".snlint.yaml").write_text(
        f"suppress:\n  - rule: EXO001\n    record: {MAILBOX}\n    reason: the account is renamed next week\n",
        encoding="utf-8",
    )
    assert findings(capsys, ".") == [("SN004", ".snlint.yaml", 2, 1)]  # nothing to suppress: unused
    assert findings(capsys, OAUTH_FILE) == []  # only some files named: it may match elsewhere
    assert findings(capsys, OAUTH_FILE, "windows_credentials.xml") == []


def test_a_changed_tables_mapping_is_not_answered_from_the_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The table of a Table-API export without sys_class_name comes from the configuration's `tables`: the context
    cache must not keep records read under another mapping."""
    (repo / OAUTH_FILE).unlink()
    (repo / "exports").mkdir()
    (repo / "exports" / "credentials.json").write_text(
        json.dumps(
            {
                "result": [
                    {
                        "sys_id": "f54d7ace5c1f52103a946777183c880e",
                        "name": "Exchange_Online_Credentials",
                        "active": "true",
                        "oauth_entity_profile": "67e0db0239a852103a946777183c8866",
                        "u_authorized_as": "EXO.Service@Contoso.com",
                    }
                ]
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    config = repo / ".snlint.yaml"
    config.write_text('tables: {"exports/*.json": basic_auth_credentials}\n', encoding="utf-8")
    assert [rule for rule, *_ in findings(capsys, "windows_credentials.xml")] == ["EXO004"]  # no OAuth credential
    config.write_text('tables: {"exports/*.json": oauth_2_0_credentials}\n', encoding="utf-8")
    assert findings(capsys, "windows_credentials.xml") == []  # read again under the new mapping: the same account
