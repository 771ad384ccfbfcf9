"""The folder walk (linter/discover.py): build output is read, only VCS metadata and dependency / tool caches are
skipped, git's view is followed inside a repository (one listing per process), and exclusion globs have gitignore
semantics relative to the configuration file's folder (config) or the current directory (--exclude)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import git, write

from linter import gitfiles
from linter.cli import main

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def plaintext(name: str) -> str:
    """A list export whose password is plaintext: CRD002 at line 5, column 11."""
    sys_id = hashlib.md5(name.encode()).hexdigest()
    return f"""
        <?xml version="1.0" encoding="UTF-8"?>
        <unload unload_date="2024-08-19 09:10:26">
        <windows_credentials action="INSERT_OR_UPDATE">
        <name>{name}</name>
        <password>Spr1ng-Thaw-2024</password>
        <sys_class_name>windows_credentials</sys_class_name>
        <sys_id>{sys_id}</sys_id>
        <user_name>svc-files@contoso.com</user_name>
        </windows_credentials>
        </unload>
    """


def exports(root: Path, *names: str) -> None:
    for name in names:
        write(root, name, plaintext(name))


def read(capsys: pytest.CaptureFixture[str], *arguments: str) -> set[str]:
    """The files a run read, from their CRD002 findings (each export has one at 5:11)."""
    main(["--format", "json", "--select", "CRD002", *arguments])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert all((item["line"], item["column"]) == (5, 11) for item in report["findings"])
    return {item["path"] for item in report["findings"]}


@pytest.fixture(autouse=True)
def fresh_listing() -> None:
    gitfiles.listing.cache_clear()


def test_build_output_is_read_and_tool_folders_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exports(tmp_path, "servicenow/app/dist/release.xml", "dist/app/update/sys_x.xml", "build/u.xml", "src/a.xml")
    exports(tmp_path, "node_modules/pkg/x.xml", ".venv/lib/x.xml", "venv/x.xml", "__pycache__/x.xml", ".tox/x.xml",
            ".nox/x.xml", ".mypy_cache/x.xml", ".pytest_cache/x.xml", ".ruff_cache/x.xml", ".hg/x.xml", ".svn/x.xml")
    monkeypatch.chdir(tmp_path)
    assert read(capsys, ".") == {"servicenow/app/dist/release.xml", "dist/app/update/sys_x.xml", "build/u.xml",
                                 "src/a.xml"}


@needs_git
def test_git_view_tracked_always_untracked_unless_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, ".gitignore", "ignored/\n*.local.xml\n")
    exports(tmp_path, "tracked.xml", "ignored/tracked-anyway.xml", "ignored/untracked.xml", "new.xml",
            "new-folder/deep/n.xml", "mine.local.xml", "dist/app/update/u.xml")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".gitignore", "tracked.xml", "dist")
    git(tmp_path, "add", "-f", "ignored/tracked-anyway.xml")
    monkeypatch.chdir(tmp_path)
    seen = {"tracked.xml", "ignored/tracked-anyway.xml", "new.xml", "new-folder/deep/n.xml", "dist/app/update/u.xml"}
    assert read(capsys, ".") == seen
    everything = seen | {"ignored/untracked.xml", "mine.local.xml"}
    assert read(capsys, "--no-respect-gitignore", ".") == everything
    write(tmp_path, ".snlint.yaml", "respect-gitignore: false\n")
    assert read(capsys, ".") == everything
    assert read(capsys, "--respect-gitignore", ".") == seen  # the command line wins
    monkeypatch.chdir(tmp_path / "ignored")  # a folder inside the repository: still git's view
    (tmp_path / ".snlint.yaml").unlink()
    assert read(capsys, ".") == {"tracked-anyway.xml"}
    assert read(capsys, "untracked.xml") == {"untracked.xml"}  # a named file is always read


@needs_git
def test_a_nested_repository_follows_its_own_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exports(tmp_path, "outer.xml", "vendor/app/kept.xml", "vendor/app/out/skipped.xml")
    write(tmp_path, "vendor/app/.gitignore", "out/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path / "vendor" / "app", "init", "-q")
    monkeypatch.chdir(tmp_path)
    assert read(capsys, ".") == {"outer.xml", "vendor/app/kept.xml"}


@needs_git
def test_one_git_listing_serves_the_walk_and_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exports(tmp_path, "a/one.xml", "a/two.xml", "b/three.xml")
    git(tmp_path, "init", "-q")
    calls: list[Sequence[str]] = []
    real = gitfiles._start

    def counted(root: str, arguments: Sequence[str]) -> Any:
        calls.append(arguments)
        return real(root, arguments)

    monkeypatch.setattr(gitfiles, "_start", counted)  # every git process starts there (prefetched or not)
    monkeypatch.chdir(tmp_path)
    assert read(capsys, "a", "b/three.xml") == {"a/one.xml", "a/two.xml", "b/three.xml"}  # a walk plus context
    assert len(calls) == 1


# -- exclusion globs ----------------------------------------------------------------------------------------------
LAYOUT = ("update-sets/x.xml", "update-sets/sub/x.xml", "other/update-sets/x.xml", "archive/a.xml",
          "team/archive/b.xml", "team/c.bak.xml", "examples/x.xml")


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    exports(tmp_path, *LAYOUT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("patterns", "excluded"),
    [
        (["update-sets/*.xml"], {"update-sets/x.xml"}),  # anchored (a slash), `*` does not cross `/`
        (["update-sets/**/*.xml"], {"update-sets/x.xml", "update-sets/sub/x.xml"}),  # `**` does
        (["**/update-sets/*.xml"], {"update-sets/x.xml", "other/update-sets/x.xml"}),
        (["update-sets/"], {"update-sets/x.xml", "update-sets/sub/x.xml", "other/update-sets/x.xml"}),
        (["archive/"], {"archive/a.xml", "team/archive/b.xml"}),  # a folder name anywhere
        (["/archive/"], {"archive/a.xml"}),
        (["*.bak.xml"], {"team/c.bak.xml"}),  # no slash: a name anywhere
        (["./examples/x.xml"], {"examples/x.xml"}),  # ./ normalised (and anchored)
        (["./x.xml"], set()),  # anchored at the top: there is no ./x.xml
        (["**/x.xml", "!update-sets/sub/x.xml"], {"update-sets/x.xml", "other/update-sets/x.xml", "examples/x.xml"}),
        (["update-sets/", "!update-sets/sub/x.xml"], {"update-sets/x.xml", "update-sets/sub/x.xml",
                                                      "other/update-sets/x.xml"}),  # as git: the folder is out
    ],
)
def test_exclude_globs_have_gitignore_semantics(
    layout: Path, capsys: pytest.CaptureFixture[str], patterns: list[str], excluded: set[str]
) -> None:
    arguments = [part for pattern in patterns for part in ("--exclude", pattern)]
    assert read(capsys, *arguments, ".") == set(LAYOUT) - excluded
    config = "exclude:\n" + "".join(f"  - {json.dumps(pattern)}\n" for pattern in patterns)
    write(layout, ".snlint.yaml", config)
    assert read(capsys, ".") == set(LAYOUT) - excluded


def test_an_absolute_exclude_path_is_normalised(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert read(capsys, "--exclude", str(layout / "examples" / "x.xml"), ".") == set(LAYOUT) - {"examples/x.xml"}
    assert read(capsys, "--exclude", str(layout / "team") + "/", ".") == set(LAYOUT) - {"team/archive/b.xml",
                                                                                         "team/c.bak.xml"}


def test_named_files_are_excluded_too(layout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert read(capsys, "--exclude", "update-sets/*.xml", "update-sets/x.xml", "update-sets/sub/x.xml") == {
        "update-sets/sub/x.xml"}


def test_config_globs_are_relative_to_its_folder_and_exclude_to_the_current_one(
    layout: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(layout, ".snlint.yaml", "exclude: [update-sets/*.xml]\nper-path-ignores:\n  'team/*.xml': [CRD002]\n")
    monkeypatch.chdir(layout / "other")
    # the configuration's globs apply from its folder, whatever the current directory
    assert read(capsys, "..") == {"../" + name for name in LAYOUT} - {"../update-sets/x.xml", "../team/c.bak.xml"}
    # --exclude is relative to the current directory (other/)
    assert read(capsys, "--exclude", "update-sets/*.xml", "..") == {"../" + name for name in LAYOUT} - {
        "../update-sets/x.xml", "../team/c.bak.xml", "../other/update-sets/x.xml"}


# -- linear time --------------------------------------------------------------------------------------------------
def _timed(action: Any) -> float:
    """The best of three runs in CPU time of this process (the 2-core machine is shared: wall time would count
    other processes), without the garbage collector's pauses (they depend on the heap, not the input)."""
    import gc
    import time

    best = float("inf")
    gc.disable()
    try:
        for _ in range(3):
            started = time.process_time()
            action()
            best = min(best, time.process_time() - started)
    finally:
        gc.enable()
    return best


def test_the_git_listing_is_linear_in_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deep, wide listings: every folder is recorded once, however many files share it."""

    def listing_of(count: int) -> bytes:
        names = [f"team{index % 50}/{'/'.join(f'd{level}' for level in range(index % 40))}/x{index}.xml"
                 for index in range(count)]
        return "\0".join(names).encode()

    outputs = {count: listing_of(count) for count in (5_000, 50_000)}

    def measure(count: int) -> float:
        monkeypatch.setattr(gitfiles, "run_git", lambda root, *arguments, timeout=None: outputs[count])

        def action() -> None:
            gitfiles.listing.cache_clear()
            found = gitfiles.listing("/repo", (".xml",))
            assert isinstance(found, gitfiles.Listing) and len(found.files) == count

        return _timed(action)

    small, large = measure(5_000), measure(50_000)
    assert large / small < 25, (small, large)


def test_the_walk_is_linear_in_the_number_of_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from linter.discover import PathFilter, discover

    for count in (300, 3000):  # 20 files a folder: the file system's own cost per entry stays the same
        folder = tmp_path / str(count)
        for index in range(count):
            (folder / f"f{index // 20}").mkdir(parents=True, exist_ok=True)
            (folder / f"f{index // 20}" / f"x{index}.xml").write_bytes(b"<unload/>")
    exclusion = PathFilter([(str(tmp_path), ["*.bak.xml", "archive/", "update-sets/**/old.xml"])])
    monkeypatch.chdir(tmp_path)
    small = _timed(lambda: discover(["300"], exclusion))
    large = _timed(lambda: discover(["3000"], exclusion))
    assert len(discover(["3000"], exclusion)) == 3000
    assert large / small < 25, (small, large)
