"""The walk at any depth (folders are entered from a stack, not by recursion), and a run on named files resolving
records in the order of a run on the whole repository: the walk marks the named files, however they were named,
and their records take their place in it. So pre-commit (named files, in batches) reports what `snlint .` (CI)
reports, at the same positions."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MAILBOX, git, mailbox_credential, write

from linter import gitfiles
from linter.cli import main
from linter.context import context_inputs
from linter.discover import PathFilter, discover, walk
from linter.settings import Settings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

Located = list[tuple[str, str, int, int, tuple[tuple[str, int, int], ...]]]


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gitfiles.listing.cache_clear()
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))


def lint(capsys: pytest.CaptureFixture[str], *arguments: str) -> Located:
    main(["--format", "json", *arguments])
    report = json.loads(capsys.readouterr().out)
    return sorted((item["rule"], item["path"], item["line"], item["column"],
                   tuple((note["path"], note["line"], note["column"]) for note in item.get("related", [])))
                  for item in report["findings"])


# -- any depth --------------------------------------------------------------------------------------------------------
# Twice Python's default recursion limit. (Deeper nesting cannot be linted by path at all: "d/" 2,048 times is over
# the 4,096 bytes of PATH_MAX.)
DEPTH = 2_000
DEEP = "/".join(["d"] * DEPTH)


@pytest.fixture
def deep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A repository whose Mailbox credential is defined again, by another user, DEPTH folders down."""
    root = tmp_path / "deep"
    root.mkdir()
    monkeypatch.chdir(root)
    for level in range(1, DEPTH + 1):  # one level at a time: os.makedirs recurses
        os.mkdir("/".join(["d"] * level))
    write(root, "a.xml", mailbox_credential("one@contoso.com"))
    write(root, DEEP + "/x.xml", mailbox_credential("other@contoso.com"))
    git(root, "init", "-q")
    yield root
    os.unlink(DEEP + "/x.xml")  # removed bottom up: shutil.rmtree (pytest's clean-up) recurses too
    for level in range(DEPTH, 0, -1):
        os.rmdir("/".join(["d"] * level))


def test_folders_nested_deeper_than_the_recursion_limit(deep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sys.getrecursionlimit() < DEPTH
    # the folder walk (os.scandir) and the stamped walk (git's listing) give the same files
    expected = [("a.xml", "xml"), (DEEP + "/x.xml", "xml")]
    assert [(item.path, item.kind) for item in discover(["."])] == expected
    assert [(item.path, item.kind) for item in discover(["."], respect_gitignore=False)] == expected
    assert list(zip(walk(["."], stamped=True).paths, walk(["."], stamped=True).kinds, strict=True)) == expected
    conflict = [("CRD005", DEEP + "/x.xml", 6, 9, (("a.xml", 6, 9),))]  # at the later definition of the record
    assert lint(capsys, ".") == conflict
    assert lint(capsys, "--no-respect-gitignore", ".") == conflict
    assert lint(capsys, DEEP + "/x.xml") == conflict  # named: the repository is read as context (stamped walk)
    assert lint(capsys, "a.xml") == conflict
    assert lint(capsys, "--no-respect-gitignore", DEEP + "/x.xml") == conflict


# -- a run on named files resolves as a run on the whole repository ---------------------------------------------------
@pytest.fixture
def twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same record (same sys_id, same sys_updated_on) defined by two users: in a.xml and in sub/b.xml, and
    in sub/b.xml and z.xml of a second repository (the walk reads sub/ before z.xml: its entries sorted by name)."""
    for repository, first, second in (("one", "a.xml", "sub/b.xml"), ("two", "sub/b.xml", "z.xml")):
        write(tmp_path / repository, first, mailbox_credential("one@contoso.com"))
        write(tmp_path / repository, second, mailbox_credential("other@contoso.com"))
        git(tmp_path / repository, "init", "-q")
    return tmp_path


@pytest.mark.parametrize(("repository", "files"), [("one", ["a.xml", "sub/b.xml"]), ("two", ["sub/b.xml", "z.xml"])])
def test_a_tie_is_reported_where_the_whole_repository_run_reports_it(
    twice: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], repository: str,
    files: list[str],
) -> None:
    monkeypatch.chdir(twice / repository)
    first, later = files
    conflict = [("CRD005", later, 6, 9, ((first, 6, 9),))]
    assert lint(capsys, ".") == conflict
    for named in files:
        assert lint(capsys, named) == conflict, named
        assert lint(capsys, "--no-cache", named) == conflict, named
    assert lint(capsys, *files) == conflict
    assert lint(capsys, *reversed(files)) == conflict  # the walk's order, not the arguments'
    monkeypatch.chdir("sub")  # a hook run from a subfolder shows paths from there
    assert lint(capsys, "b.xml") == [
        ("CRD005", os.path.relpath(later, "sub"), 6, 9, ((os.path.relpath(first, "sub"), 6, 9),))]


def test_pre_commit_batches_report_what_the_whole_repository_run_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit names every file of a commit, split into several runs: together they report the findings of
    `snlint .`, each at the same position."""
    root = tmp_path / "repo"
    for index in range(4):  # four records, each defined in two folders by two users
        sys_id = f"{index:032x}"
        write(root, f"apps/app{index}/update/credential.xml", mailbox_credential(f"a{index}@contoso.com", sys_id))
        write(root, f"backup/{3 - index}/credential.xml", mailbox_credential(f"b{index}@contoso.com", sys_id))
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    whole = lint(capsys, ".")
    assert whole == sorted(("CRD005", f"backup/{3 - index}/credential.xml", 6, 9,
                            ((f"apps/app{index}/update/credential.xml", 6, 9),)) for index in range(4))
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*.xml"))
    assert len(files) == 8
    batches = [files[start:start + 3] for start in range(0, len(files), 3)]
    assert sorted({found for batch in batches for found in lint(capsys, *batch)}) == whole
    assert sorted({found for batch in reversed(batches) for found in lint(capsys, *batch)}) == whole


def test_a_file_named_through_a_symlinked_folder_is_marked_where_the_walk_shows_it(
    twice: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The walk does not follow folder symlinks: a file named through one is found where its real folder is, so it
    is not read again as context, and its records take that place."""
    monkeypatch.chdir(twice / "one")
    os.symlink("sub", "link")
    for named in ("link/b.xml", str(twice / "one/link/b.xml"), "./sub/../link/b.xml"):
        files = context_inputs(Settings(), [named], PathFilter())
        assert files.paths == ["a.xml", "sub/b.xml"] and files.named == {1: named}
    # reported at the named path, in sub/b.xml's place
    assert lint(capsys, "link/b.xml") == [("CRD005", "link/b.xml", 6, 9, (("a.xml", 6, 9),))]
    monkeypatch.chdir(twice / "one/sub")
    files = context_inputs(Settings(), ["../link/b.xml", "../a.xml"], PathFilter())
    assert files.paths == ["../a.xml", "../sub/b.xml"] and files.named == {0: "../a.xml", 1: "../link/b.xml"}


def test_a_named_file_outside_the_walk_keeps_its_records_first(
    twice: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A named file the walk does not reach (git ignores it) is still the run's own: its records come first."""
    monkeypatch.chdir(twice / "one")
    write(twice / "one", ".gitignore", "local/\n")
    write(twice / "one", "local/c.xml", mailbox_credential("third@contoso.com", sys_id=MAILBOX))
    assert context_inputs(Settings(), ["local/c.xml"], PathFilter()).named == {}
    # local/c.xml's record first, then a.xml's and sub/b.xml's: CRD005 at the second definition
    assert lint(capsys, "local/c.xml") == [("CRD005", "a.xml", 6, 9, (("local/c.xml", 6, 9),))]
