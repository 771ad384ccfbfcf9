"""Expand the command line's paths into the input files of a run: walk folders, honour source-control layouts
and exclusions, and pick the reader for each file from its name (the reader then sniffs the first bytes).

A walk reads only regular files inside the folder it was given: folder symlinks are not followed (no loops), a
file symlink that leads out of the folder is skipped, and FIFOs, sockets and devices are skipped. A path named
explicitly is always an input; the reader refuses it if it is not a regular file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatch

XML = "xml"
YAML = "yaml"
SUFFIXES = {".xml": XML, ".yaml": YAML, ".yml": YAML, ".json": YAML}
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".idea", ".vscode", "dist", "build", ".eggs"}
)
PROPERTIES = "sn_source_control.properties"
APP_FOLDERS = ("update", "author_elective_update")


@dataclass(frozen=True)
class Input:
    path: str  # as reached from the arguments, with / separators
    kind: str  # XML or YAML
    explicit: bool  # named on the command line (not found by walking a folder)


class Missing(Exception):
    """A path on the command line does not exist (a usage error)."""


def display(path: str) -> str:
    path = os.path.normpath(path)
    return path.replace(os.sep, "/") if os.sep != "/" else path


def excluded(path: str, patterns: Iterable[str]) -> bool:
    """True when a glob matches the path, a trailing part of it, or one of its folders."""
    norm = display(path)
    parts = norm.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if any(fnmatch("/".join(parts[i:]), pattern) or fnmatch(part, pattern) for i, part in enumerate(parts)):
            return True
    return False


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


def _walk(folder: str, exclude: tuple[str, ...], seen: set[tuple[int, int]], root: str,
          app: str | None = None) -> Iterator[str]:
    """Files under `folder`, sorted, without following folder symlinks (no loops) nor file symlinks that lead out
    of `root` (the real path of the folder named on the command line). `app`: the application folder named by an
    sn_source_control.properties above `folder` (path= may be nested, e.g. src/x_app)."""
    try:
        info = os.stat(folder)
    except OSError:
        return
    if (info.st_dev, info.st_ino) in seen:
        return
    seen.add((info.st_dev, info.st_ino))
    app = source_control_app(folder) or app
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        path = entry.path
        if excluded(path, exclude):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in SKIP_DIRS:
                    continue
                if app is not None and os.path.normpath(path) == app:
                    yield from _app_folder(path, exclude, seen, root)
                else:
                    yield from _walk(path, exclude, seen, root, app)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in SUFFIXES and _inside(entry, root):
                yield path
        except OSError:
            continue


def _app_folder(app: str, exclude: tuple[str, ...], seen: set[tuple[int, int]], root: str) -> Iterator[str]:
    """A source-control application folder: its sys_app file and the record folders, not dictionary/."""
    try:
        entries = sorted(os.scandir(app), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if excluded(entry.path, exclude):
            continue
        try:
            if entry.is_dir(follow_symlinks=False) and entry.name in APP_FOLDERS:
                yield from _walk(entry.path, exclude, seen, root)
            elif entry.is_file() and entry.name.lower().endswith(".xml") and _inside(entry, root):
                yield entry.path
        except OSError:
            continue


def kind_of(path: str) -> str:
    return SUFFIXES.get(os.path.splitext(path)[1].lower(), XML)


def discover(paths: Iterable[str], exclude: tuple[str, ...] = ()) -> list[Input]:
    """The files of a run, in argument order then sorted within folders; duplicates dropped."""
    found: dict[str, Input] = {}
    seen: set[tuple[int, int]] = set()
    for argument in paths:
        if not os.path.lexists(argument):
            raise Missing(argument)
        mode = os.stat(argument).st_mode if os.path.exists(argument) else 0
        if stat.S_ISDIR(mode):
            for path in _walk(argument, exclude, seen, os.path.realpath(argument)):
                key = os.path.normpath(path)
                if key not in found:
                    found[key] = Input(display(path), kind_of(path), explicit=False)
        else:
            if excluded(argument, exclude):
                continue
            key = os.path.normpath(argument)
            found[key] = Input(display(argument), kind_of(argument), explicit=True)
    return list(found.values())
