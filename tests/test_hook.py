"""The pre-commit hook's path: cache documents bound to their whole key, git's listing started early (prefetch)
and stopped when no one takes it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from linter import cache, gitfiles

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(folder))
    return folder


def test_a_document_is_returned_only_to_its_own_key(private_cache: Path) -> None:
    name, key = cache.key("context", "/repo", ("windows_credentials",))
    _, other_key = cache.key("context", "/repo", ("sys_alias",))
    assert name.startswith("context-") and name.endswith(".json") and key != other_key
    cache.store(name, {"entries": 1}, key)
    assert cache.load(name, key) == {"entries": 1}
    assert cache.load(name, other_key) is None  # same file name, another key: a miss, never the other's data
    cache.store(name, {"entries": 2}, other_key)  # a CRC collision: the two keys take turns, never share
    assert cache.load(name, key) is None and cache.load(name, other_key) == {"entries": 2}


def test_the_key_holds_everything_it_depends_on() -> None:
    first = cache.key("config", "/a/.snlint.yaml", "/a", "select: [EXO]\n")
    assert cache.key("config", "/a/.snlint.yaml", "/a", "select: [EXO]\n") == first  # stable across calls
    assert cache.key("config", "/a/.snlint.yaml", "/a", "select: [CRD]\n")[1] != first[1]
    assert "select: [EXO]" in first[1]  # the whole key, not a digest of it


@needs_git
def test_a_prefetched_listing_is_the_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.xml").write_text("<unload/>")
    (tmp_path / "ignored.xml").write_text("<unload/>")
    (tmp_path / ".gitignore").write_text("ignored.xml\n")
    monkeypatch.chdir(tmp_path)
    gitfiles.listing.cache_clear()
    try:
        gitfiles.prefetch()
        assert str(tmp_path) in gitfiles._started
        found = gitfiles.listing(str(tmp_path), (".xml",))
        assert not gitfiles._started  # taken by the listing
        assert isinstance(found, gitfiles.Listing) and found.files == {"a.xml"}
    finally:
        gitfiles.listing.cache_clear()
        gitfiles.cancel()


@needs_git
def test_an_unused_prefetch_is_stopped_and_reaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    gitfiles.prefetch()
    (process,) = gitfiles._started.values()
    gitfiles.cancel()
    assert not gitfiles._started and process.returncode is not None  # no git left running, no zombie


def test_no_prefetch_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    if gitfiles.repository_root(str(folder)) is not None:
        pytest.skip("the temporary folder is inside a git repository")
    monkeypatch.chdir(folder)
    gitfiles.prefetch()
    assert not gitfiles._started


@needs_git
def test_the_hook_run_takes_the_prefetched_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """One git process per run, started before the lint modules load: `snlint FILE` in a repository."""
    from linter.cli import main

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    record = ('<?xml version="1.0" encoding="UTF-8"?><record_update table="windows_credentials">'
              "<windows_credentials><sys_id>{}</sys_id><user_name>svc@contoso.com</user_name>"
              "</windows_credentials></record_update>\n")
    (tmp_path / "named.xml").write_text(record.format("1" * 32))
    (tmp_path / "other.xml").write_text(record.format("2" * 32))
    monkeypatch.chdir(tmp_path)
    started: list[str] = []
    real = gitfiles._start

    def counted(root: str, arguments: tuple[str, ...]) -> object:
        started.append(root)
        return real(root, arguments)

    monkeypatch.setattr(gitfiles, "_start", counted)
    gitfiles.listing.cache_clear()
    try:
        assert main(["--format", "json", "named.xml"]) == 0
    finally:
        gitfiles.listing.cache_clear()
    assert started == [os.getcwd()]  # one git process, for the repository
    assert not gitfiles._started
    assert '"files": 1' in capsys.readouterr().out
