"""Expand the command line's paths into the input files of a run: walk folders, honour source-control layouts,
git's view of a repository and exclusions, and pick the reader for each file from its name (the reader then
sniffs the first bytes).

A walk reads only regular files inside the folder it was given: folder symlinks are not followed (no loops), a
file symlink that leads out of the folder is skipped, and FIFOs, sockets and devices are skipped. It skips VCS
metadata and dependency / tool caches (SKIP_DIRS), never build output (update sets are released from dist/).
Inside a git repository it follows git's view, as ruff does: tracked files always, untracked files unless git
ignores them (`respect_gitignore=False` reads everything). A path named explicitly is always an input (unless
excluded); the reader refuses it if it is not a regular file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from linter import gitfiles

XML = "xml"
YAML = "yaml"
SUFFIXES = {".xml": XML, ".yaml": YAML, ".yml": YAML, ".json": YAML}
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", "_darcs", ".jj", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".eggs", ".direnv"}
)
PROPERTIES = "sn_source_control.properties"
APP_FOLDERS = ("update", "author_elective_update")
_SUFFIX_TUPLE = tuple(SUFFIXES)


class Input(NamedTuple):
    path: str  # as reached from the arguments, with / separators
    kind: str  # XML or YAML
    explicit: bool  # named on the command line (not found by walking a folder)


class Missing(Exception):
    """A path on the command line does not exist (a usage error)."""


def display(path: str) -> str:
    path = os.path.normpath(path)
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _below(absolute: str, base: str) -> str | None:
    """`absolute` relative to the folder `base` (`/`-separated), or None when it is not below it."""
    if absolute == base:
        return ""
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not absolute.startswith(prefix):
        return None
    rest = absolute[len(prefix):]
    return rest.replace(os.sep, "/") if os.sep != "/" else rest


def _normalised(pattern: str, base: str) -> str:
    """A pattern as gitignore reads it: `./x` is `/x` (anchored), an absolute path below `base` is anchored there."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    if body.startswith("./"):
        body = "/" + body[2:].lstrip("/")
    elif os.path.isabs(body):
        relative = _below(os.path.normpath(body), base)
        if relative is not None:
            body = "/" + relative + ("/" if body.endswith(("/", os.sep)) and relative else "")
    return ("!" if negated else "") + body


class PathFilter:
    """Exclusion globs with gitignore semantics (pathspec's GitIgnoreSpec), each set relative to its own folder:
    a pattern with a `/` (but for a trailing one) is anchored to that folder, `*` does not cross `/`, `**` does,
    `dir/` matches a folder and all below it, `!` re-includes. Paths outside a set's folder never match it."""

    def __init__(self, sets: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        self._sets: list[tuple[str, Any]] = []
        for base, patterns in sets:
            if not patterns:
                continue
            from pathspec import GitIgnoreSpec

            folder = os.path.abspath(base)
            lines = [_normalised(pattern.strip(), folder) for pattern in patterns if pattern.strip()]
            self._sets.append((folder, GitIgnoreSpec.from_lines(lines)))

    def __bool__(self) -> bool:
        return bool(self._sets)

    def matches(self, path: str, folder: bool = False) -> bool:
        """True when `path` (relative to the current directory, or absolute) is excluded."""
        if not self._sets:
            return False
        absolute = os.path.abspath(path)
        for base, spec in self._sets:
            relative = _below(absolute, base)
            if relative and spec.match_file(relative + "/" if folder else relative):
                return True
        return False


NO_FILTER = PathFilter()


def source_control_app(folder: str) -> str | None:
    """The application folder named by `sn_source_control.properties` in `folder` (path=...), if any."""
    try:
        with open(os.path.join(folder, PROPERTIES), encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.strip()
                if line.startswith("path=") or line.startswith("path:"):
                    app = line[5:].strip().strip("/")
                    return os.path.normpath(os.path.join(folder, app)) if app else os.path.normpath(folder)
    except OSError:
        return None
    return None


def _inside(entry: os.DirEntry[str], root: str) -> bool:
    """False for a symlink that leads out of the folder being walked: snlint reads only the files it is given."""
    if not entry.is_symlink():
        return True
    target = os.path.realpath(entry.path)
    return os.path.commonpath([target, root]) == root


class _Walk:
    """One folder argument's walk: its real root, the exclusions, and git's view when it applies."""

    def __init__(self, root: str, exclude: PathFilter, gitignore: bool, seen: set[tuple[int, int]]) -> None:
        self.root = root
        self.exclude = exclude
        self.gitignore = gitignore
        self.seen = seen

    def view(self, folder: str) -> gitfiles.Listing | None:
        """git's listing of the work tree holding `folder`, or None (not in a repository, not respected, failed)."""
        if not self.gitignore:
            return None
        top = gitfiles.repository_root(folder)
        if top is None:
            return None
        found = gitfiles.listing(top, _SUFFIX_TUPLE)
        if isinstance(found, gitfiles.GitFailure):
            gitfiles.warn(found)
            return None
        return found

    def files(
        self, folder: str, view: gitfiles.Listing | None, found: list[tuple[str, str]], app_only: bool = False,
        app: str | None = None,
    ) -> None:
        """Append (path, kind) of the files under `folder` (a normalised path) to `found`, sorted, without following
        folder symlinks (no loops) nor file symlinks that lead out of the root; with `app_only`, a source-control
        application folder (its sys_app file and the record folders, not dictionary/); `app`, the application folder
        an sn_source_control.properties above names (its path= may be nested, e.g. src/x_app). Paths are joined as
        strings and collected in one list (no generator per folder level): a repository can hold tens of thousands
        of files, and this runs on every commit (pre-commit)."""
        try:
            info = os.stat(folder)
            entries = sorted(os.scandir(folder), key=_name)
        except OSError:
            return
        if (info.st_dev, info.st_ino) in self.seen:
            return
        self.seen.add((info.st_dev, info.st_ino))
        if self.gitignore and os.path.lexists(os.path.join(folder, ".git")):
            view = self.view(folder)  # a work tree of its own (the argument's, or a nested repository)
        absolute = os.path.abspath(folder)
        below = _below(absolute, view.root) if view is not None else None
        listed = view if below is not None else None  # git's view, when this folder is in its work tree
        git_prefix = below + "/" if below else ""
        prefix = "" if folder == os.curdir else folder.rstrip(os.sep) + os.sep
        absolute_prefix = absolute.rstrip(os.sep) + os.sep
        app = None if app_only else (source_control_app(folder) or app)
        exclude = self.exclude if self.exclude else None
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or (app_only and name not in APP_FOLDERS):
                        continue
                    if listed is not None and git_prefix + name not in listed.folders:
                        continue
                    if exclude and exclude.matches(absolute_prefix + name, folder=True):
                        continue
                    path = prefix + name
                    entering = app is not None and os.path.normpath(path) == app
                    self.files(path, view, found, app_only=entering, app=None if entering else app)
                    continue
                dot = name.rfind(".")
                suffix = name[dot:].lower() if dot > 0 else ""
                kind = SUFFIXES.get(suffix)
                if (
                    kind is not None
                    and (not app_only or suffix == ".xml")
                    and (listed is None or git_prefix + name in listed.files)
                    and entry.is_file()
                    and _inside(entry, self.root)
                    and not (exclude and exclude.matches(absolute_prefix + name))
                ):
                    found.append((prefix + name, kind))
            except OSError:
                continue


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def kind_of(path: str) -> str:
    return SUFFIXES.get(os.path.splitext(path)[1].lower(), XML)


def discover(paths: Iterable[str], exclude: PathFilter = NO_FILTER, respect_gitignore: bool = True) -> list[Input]:
    """The files of a run, in argument order then sorted within folders; duplicates dropped."""
    found: dict[str, Input] = {}
    seen: set[tuple[int, int]] = set()
    for argument in paths:
        try:  # one lstat per named file (pre-commit names thousands): a stat only for a symlink
            mode = os.lstat(argument).st_mode
        except OSError:
            raise Missing(argument) from None
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(argument).st_mode
            except OSError:  # a dangling symlink: named, the reader refuses it
                mode = 0
        if stat.S_ISDIR(mode):
            walk = _Walk(os.path.realpath(argument), exclude, respect_gitignore, seen)
            if exclude.matches(argument, folder=True):
                continue
            folder = os.path.normpath(argument)
            files: list[tuple[str, str]] = []
            walk.files(folder, walk.view(folder), files)
            for path, kind in files:
                if path not in found:
                    found[path] = Input(path.replace(os.sep, "/") if os.sep != "/" else path, kind, explicit=False)
        else:
            if exclude.matches(argument):
                continue
            key = os.path.normpath(argument)
            found[key] = Input(display(argument), kind_of(argument), explicit=True)
    return list(found.values())
