"""Reading the repository context cheaply (issue 14): the stamped walk that lists the context from git's listing
(one lstat a file) gives exactly the files of the folder walk; the cache of stamps and records re-reads what changed
and only that, keeps the named files' records for the other runs of a commit, and stays linear in the number of
files; a prefetched git writes its listing to a file without a name."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import MAILBOX, cpu_seconds, git, mailbox_credential, write

from linter import gitfiles
from linter.cli import main
from linter.context import context_inputs, read_context
from linter.discover import Input, PathFilter, discover, walk
from linter.engine import read_all, read_options
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


# a record of a table no rule reads: skipped by its first bytes, never parsed
FILLER = ('<?xml version="1.0" encoding="UTF-8"?><record_update table="sys_properties"><sys_properties/>'
          "</record_update>\n")


@pytest.fixture(autouse=True)
def fresh_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gitfiles.listing.cache_clear()
    monkeypatch.setenv("SNLINT_CACHE_DIR", str(tmp_path / "cache"))


# -- the stamped walk is the walk -----------------------------------------------------------------------------------
EXPORTS = (
    "a.xml", "a-b.xml", "a/c.xml", "a/b/d.yaml", "a0.json", "UPPER.XML", "..xml", ".xml", ".hidden.yml", "sp ace.xml",
    "\u00e9t\u00e9.xml", "readme.md", "k.bak.xml", "archive/z.xml", "deep/1/2/3/x.xml", "node_modules/pkg/x.xml",
    ".venv/lib/x.xml", "ignored/u.xml", "ignored/tracked.xml", "mine.local.xml", "src/x_app/sys_app_1.xml",
    "src/x_app/update/u1.xml", "src/x_app/update/u2.yaml", "src/x_app/notes.yaml", "src/x_app/dictionary/d.xml",
    "src/x_app/author_elective_update/e.xml", "src/other.xml", "team/t.xml", "team/apps/y/update/t.xml",
    "team/apps/y/dictionary/t.xml", "team/apps/y/y.yaml", "vendor/lib/kept.xml", "vendor/lib/out/skipped.xml",
    "ignored_repo/r.xml", "gone.xml", "was-file.xml", "hidden/.xml", "hidden/h.xml",
)


@pytest.fixture
def tricky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with every case the walk has a rule for: tracked, untracked and ignored files, a tracked file in
    an ignored folder, tool folders, a source-control application (path= nested, and a second one below), a nested
    repository with its own ignores, an ignored nested repository, symlinks in and out, a folder symlink, a dangling
    symlink, a FIFO, a tracked file deleted and one replaced by a folder, names that sort around a folder's name."""
    root = tmp_path / "repo"
    for name in EXPORTS:
        write(root, name, "<unload/>\n")
    write(tmp_path, "outside/secret.xml", "<unload/>\n")
    write(root, "sn_source_control.properties", "#Sat Jun 01 05:00:00 PDT 2024\npath=src/x_app\n")
    write(root, "team/sn_source_control.properties", "path=apps/y\n")
    write(root, ".gitignore", "ignored/\n*.local.xml\nignored_repo/\n")
    write(root, "vendor/lib/.gitignore", "out/\n")
    git(root, "init", "-q")
    git(root / "vendor" / "lib", "init", "-q")
    git(root / "ignored_repo", "init", "-q")
    (root / "in.xml").symlink_to("a.xml")
    (root / "out.xml").symlink_to("../outside/secret.xml")
    (root / "into-ignored.xml").symlink_to("ignored/u.xml")
    (root / "dirlink").symlink_to("src")
    (root / "dangling.xml").symlink_to("missing.xml")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.xml")
    git(root, "add", ".gitignore", "a.xml", "a", "src", "gone.xml", "was-file.xml", "in.xml", "out.xml")
    git(root, "add", "-f", "ignored/tracked.xml")
    (root / "gone.xml").unlink()
    (root / "was-file.xml").unlink()
    write(root, "was-file.xml/inner.xml", "<unload/>\n")
    monkeypatch.chdir(root)
    return root


WALKED = [  # the walk of "." in `tricky`, in its order (each folder's entries sorted by name)
    "..xml", ".hidden.yml", "UPPER.XML", "a/b/d.yaml", "a/c.xml", "a-b.xml", "a.xml", "a0.json", "deep/1/2/3/x.xml",
    "hidden/h.xml", "ignored/tracked.xml", "in.xml", "into-ignored.xml", "sp ace.xml", "src/other.xml",
    "src/x_app/author_elective_update/e.xml", "src/x_app/sys_app_1.xml", "src/x_app/update/u1.xml",
    "src/x_app/update/u2.yaml", "team/apps/y/update/t.xml", "team/t.xml", "vendor/lib/kept.xml",
    "was-file.xml/inner.xml", "\u00e9t\u00e9.xml",
]


def walked(found: Any) -> list[tuple[str, str]]:
    return list(zip(found.paths, found.kinds, strict=True))


EXCLUDE = ["*.bak.xml", "archive/"]


@pytest.mark.parametrize(
    ("here", "arguments", "gitignore", "patterns"),
    [(".", ["."], True, EXCLUDE), (".", ["src", "a"], True, EXCLUDE), ("team", [".."], True, EXCLUDE),
     ("team/apps", ["../.."], True, EXCLUDE), (".", ["."], False, EXCLUDE), (".", ["a", "a.xml", "."], True, EXCLUDE),
     (".", ["ignored", "vendor"], True, EXCLUDE), (".", ["."], True, []), ("team", [".."], True, [])],
)
def test_the_stamped_walk_gives_the_files_of_the_walk(
    tricky: Path, monkeypatch: pytest.MonkeyPatch, here: str, arguments: list[str], gitignore: bool,
    patterns: list[str],
) -> None:
    """The walk of the context takes each folder's entries from git's listing; the walk of `snlint .` from the
    folder itself: the same files, in the same order, by the same rules; and each stamp is the file's (a symlink's
    target's) size, modification and change times and inode."""
    monkeypatch.chdir(tricky / here)
    exclusion = PathFilter([(str(tricky), patterns)])
    reference = [(item.path, item.kind) for item in discover(arguments, exclusion, gitignore)]
    stamped = walk(arguments, exclusion, gitignore, stamped=True)
    assert walked(stamped) == reference
    for path, *stamp in zip(stamped.paths, stamped.sizes, stamped.mtimes, stamped.ctimes, stamped.inodes, strict=True):
        info = os.stat(path)
        assert stamp == [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino], path
    assert reference
    if arguments == ["ignored", "vendor"]:  # inside an ignored folder: what git tracks there; a nested repository
        assert reference == [("ignored/tracked.xml", "xml"), ("vendor/lib/kept.xml", "xml")]
    if (here, arguments, gitignore, patterns) == (".", ["."], True, EXCLUDE):
        assert [path for path, _ in reference] == WALKED
        assert dict(reference)["UPPER.XML"] == "xml" and dict(reference)["a/b/d.yaml"] == "yaml"


def test_the_context_is_the_walk_less_the_named_files(tricky: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tricky / "team")
    files = context_inputs(Settings(), ["t.xml", str(tricky / "a.xml")], PathFilter([(str(tricky), EXCLUDE)]))
    assert files.paths == ["../" + path for path in WALKED]
    # marked as the walk shows them: not read again as context
    assert {files.paths[index]: path for index, path in files.named.items()} == {
        "../team/t.xml": "t.xml", "../a.xml": str(tricky / "a.xml")}


# -- the cache --------------------------------------------------------------------------------------------------------
class Spy:
    """A reader that records which context files it was given."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, items: Sequence[Input], options: ReadOptions) -> list[ReadResult]:
        self.read.extend(item.path for item in items)
        return read_all(items, options, 1)


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of 40 files, three of which hold a Mailbox credential (one record each)."""
    root = tmp_path / "exports"
    for index in range(40):
        write(root, f"f{index // 10}/x{index:02}.xml", FILLER)
    for index, name in enumerate(("f0/x03.xml", "f1/x15.xml", "f3/x37.xml")):
        write(root, name, mailbox_credential(sys_id=f"{index:032x}", user=f"user{index}@contoso.com"))
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    return root


def context(*named: str, spy: Spy | None = None) -> list[tuple[str, str]]:
    """(path, sys_id) of the context records of a run naming `named`."""
    gitfiles.listing.cache_clear()
    records = read_context(context_inputs(Settings(), named, PathFilter()), {}, read_options(), spy or Spy())
    return [(record.path, record.sys_id) for record in records]


def touch(path: Path, text: str) -> None:
    """Rewrite `path`, its modification time moved on (as on a file system of coarse times)."""
    before = path.stat()
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))


ALL = [("f0/x03.xml", "0" * 32), ("f1/x15.xml", "0" * 31 + "1"), ("f3/x37.xml", "0" * 31 + "2")]


def test_only_what_changed_is_read_again_and_the_records_keep_the_walks_order(exports: Path) -> None:
    first = Spy()
    assert context(spy=first) == ALL
    assert len(first.read) == 3  # the files that hold no record a rule reads are skipped by their first bytes
    again = Spy()
    assert context(spy=again) == ALL and again.read == []
    touch(exports / "f1/x15.xml", mailbox_credential(sys_id="f" * 32, user="other@contoso.com"))
    changed = Spy()
    assert context(spy=changed) == [ALL[0], ("f1/x15.xml", "f" * 32), ALL[2]]  # the walk's order, whatever was read
    assert changed.read == ["f1/x15.xml"]


def test_files_that_come_and_go_are_matched_by_path(exports: Path) -> None:
    context()
    write(exports, "f0/new.xml", mailbox_credential(sys_id="a" * 32, user="new@contoso.com"))  # sorts first in f0/
    (exports / "f1/x15.xml").unlink()
    spy = Spy()
    assert context(spy=spy) == [("f0/new.xml", "a" * 32), ALL[0], ALL[2]]
    assert spy.read == ["f0/new.xml"]  # the others' stamps and records followed their paths
    stored = json.loads(next((exports.parent / "cache").glob("context-*.json")).read_text())["value"]
    assert "f1/x15.xml" not in stored["paths"].split("\0") and len(stored["records"]) == 3


def test_a_named_files_cached_records_serve_the_next_run(exports: Path) -> None:
    """pre-commit splits a long list of files into several runs: a file named in one run is context in the next,
    from the cache, without reading it again."""
    context()
    assert context("f1/x15.xml") == [ALL[0], ALL[2]]  # the run reads the named file itself
    spy = Spy()
    assert context("f0/x03.xml", spy=spy) == [ALL[1], ALL[2]] and spy.read == []
    # edited, then named (committed)
    touch(exports / "f0/x03.xml", mailbox_credential(sys_id="b" * 32, user="b@contoso.com"))
    assert context("f0/x03.xml") == [ALL[1], ALL[2]]
    spy = Spy()
    assert context(spy=spy) == [("f0/x03.xml", "b" * 32), ALL[1], ALL[2]] and spy.read == ["f0/x03.xml"]


def test_a_symlinked_context_files_stamp_is_its_targets(exports: Path) -> None:
    write(exports, ".gitignore", "private/\n")
    write(exports, "private/mailbox.xml", mailbox_credential(sys_id="c" * 32, user="c@contoso.com"))
    (exports / "link.xml").symlink_to("private/mailbox.xml")
    assert ("link.xml", "c" * 32) in context()
    touch(exports / "private/mailbox.xml", mailbox_credential(sys_id="d" * 32, user="d@contoso.com"))  # the same size
    assert ("link.xml", "d" * 32) in context()


SECRET = [["windows_credentials", "e" * 32, [1, 1, 0, 0], False, "", 0,
           {"password": ["s3cret", [1, 1, 0, 0], None, "plaintext"]}]]


@pytest.mark.parametrize(
    ("forged", "kept"),
    [
        ({"stamps": "not base64!"}, ALL),  # a miss: everything read again
        ({"stamps": "AAAA"}, ALL),  # 3 bytes: not whole stamps
        ({"paths": ["f0/x03.xml"]}, ALL),
        ({"paths": "f0/x03.xml"}, ALL),  # fewer paths than stamps
        ({"records": [[3, SECRET], [15, SECRET], [37, SECRET]]}, ALL),  # a secret value: invalid, read again
        # well-formed, but no such file, not an index, not a pair: no records used (the stamps say the files are
        # unchanged, and a cache of ours is believed about what they held)
        ({"records": [[99, []], ["0", []], [0], "x"]}, []),
    ],
)
def test_a_forged_cache_is_a_miss_and_nothing_unvalidated_is_used(
    exports: Path, forged: dict[str, Any], kept: list[tuple[str, str]]
) -> None:
    context()
    path = next((exports.parent / "cache").glob("context-*.json"))
    stored = json.loads(path.read_text())
    stored["value"].update(forged)
    path.write_text(json.dumps(stored))
    assert context() == kept
    assert b"s3cret" not in path.read_bytes()  # rewritten from what was read, never kept


def test_out_of_range_stamps_are_unknown_not_a_crash(exports: Path) -> None:
    os.utime(exports / "f0/x03.xml", ns=(0, 2**63 + 5))  # a modification time past 2262
    assert context() == ALL
    spy = Spy()
    assert context(spy=spy) == ALL and spy.read == ["f0/x03.xml"]  # not known: read again, every time


def test_a_hook_run_from_a_subfolder_does_not_read_the_named_file_as_context(
    exports: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(exports, "f0/mailbox.xml", mailbox_credential(sys_id=MAILBOX, user="svc@contoso.com"))
    monkeypatch.chdir(exports / "f0")
    files = context_inputs(Settings(), ["mailbox.xml"], PathFilter())
    assert {files.paths[index]: path for index, path in files.named.items()} == {"../f0/mailbox.xml": "mailbox.xml"}
    main(["--format", "json", "mailbox.xml"])
    assert json.loads(capsys.readouterr().out)["findings"] == []  # no duplicate of itself


# -- git's listing ----------------------------------------------------------------------------------------------------
def test_a_prefetched_listing_is_written_to_a_file_without_a_name(
    exports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    expected = gitfiles.run_git(str(exports), "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    gitfiles.prefetch()
    assert list(folder.iterdir()) == []  # no name, no file left behind
    found = gitfiles.listing(str(exports), (".xml",))
    assert isinstance(found, gitfiles.Listing) and isinstance(expected, bytes)
    assert sorted(found.files) == sorted(name for name in expected.decode().split("\0") if name)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))  # no such folder: a pipe, as before
    gitfiles.listing.cache_clear()
    gitfiles.prefetch()
    assert gitfiles.listing(str(exports), (".xml",)) == found


# -- linear time ------------------------------------------------------------------------------------------------------
def test_reading_the_context_is_linear_in_the_number_of_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git's listing, the stamped walk and the cache: warm, after a file came (stamps matched by path) and after
    files changed; 20 files a folder, so that the folders grow with the files."""
    import gc

    def measure(count: int) -> float:
        root = tmp_path / str(count)
        for index in range(count):
            text = mailbox_credential("u@contoso.com", sys_id=f"{index:032x}") if index % 50 == 0 else FILLER
            write(root, f"f{index // 20:04}/x{index}.xml", text)
        git(root, "init", "-q")
        monkeypatch.chdir(root)
        options = read_options()

        def run() -> None:
            gitfiles.listing.cache_clear()
            gitfiles.listing(str(root), (".xml", ".yaml", ".yml", ".json"))  # git's own time is not measured
            records = read_context(context_inputs(Settings(), [], PathFilter()), {}, options, Spy())
            assert len(records) == count // 50

        run()  # cold
        gc.disable()
        try:
            warm = cpu_seconds(run, runs=3)
            write(root, "f0000/new.xml", FILLER)
            came = cpu_seconds(run, runs=1)
            for index in range(0, count, 10):
                if index % 50:
                    touch(root / f"f{index // 20:04}/x{index}.xml", FILLER + " ")
            changed = cpu_seconds(run, runs=1)
        finally:
            gc.enable()
        return warm + came + changed

    small, large = measure(300), measure(3000)
    assert large / small < 25, (small, large)
