"""The context of a run on named files (the pre-commit case): the repository's other exports, which the
cross-file checks need to resolve aliases, connections and credentials. Their findings are not reported.

Reading it must stay cheap on a repository with tens of thousands of files, so:
- the files are those git tracks or would track (ignored build output is not read), or the configured paths;
- a record file whose first bytes name a table no rule reads is skipped without parsing;
- the records of each context file are cached by (size, mtime), so a commit re-reads only what changed
  (pre-commit also splits long file lists into several runs, which then share the cache).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from linter.discover import SKIP_DIRS, SUFFIXES, XML, YAML, Input, discover, display, excluded
from linter.model import Record
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

_SUFFIXES = tuple(SUFFIXES)
_YAML_SUFFIXES = tuple(suffix for suffix, kind in SUFFIXES.items() if kind == YAML)
_TABLE = re.compile(rb"<record_update\b[^>]*?\btable=\"([^\"]+)\"")
_ROOT = re.compile(rb"<(record_update|unload)\b")

Reader = Callable[[Sequence[Input], ReadOptions], list[ReadResult]]


def repository_root(start: str = ".") -> str | None:
    """The enclosing git work tree (the folder holding .git), or None."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _git_files(root: str) -> list[str] | None:
    """The files git knows in `root` (tracked, plus untracked ones not ignored), relative to `root`."""
    import subprocess

    try:
        listing = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = listing.decode("utf-8", "surrogateescape").split("\0")
    return [name for name in names if name.lower().endswith(_SUFFIXES)]


def _relative(path: str) -> str:
    try:
        return display(os.path.relpath(path))
    except ValueError:  # another drive (Windows)
        return path


def context_inputs(settings: Settings, given: Sequence[Input]) -> list[Input]:
    """The context files: configured `context` paths, else the enclosing git repository; minus the given files.

    Paths from git are joined as strings (no per-file system call or normalisation): a repository can hold tens
    of thousands of files, and this runs on every commit.
    """
    here = os.getcwd()
    named = {os.path.normpath(os.path.join(here, item.path)) for item in given}
    absolute: list[str]
    if settings.context:
        found = discover([p for p in settings.context if os.path.exists(p)], settings.exclude)
        absolute = [os.path.normpath(os.path.join(here, item.path)) for item in found]
    else:
        root = repository_root()
        if root is None:
            return []
        listed = _git_files(root)
        if listed is None:
            found = discover([root], settings.exclude)
            absolute = [os.path.normpath(os.path.join(here, item.path)) for item in found]
        else:
            base = root.rstrip(os.sep) + os.sep
            absolute = [  # the folders a walk skips (node_modules, build, ...) are skipped here too
                base + name.replace("/", os.sep) for name in listed if SKIP_DIRS.isdisjoint(name.split("/")[:-1])
            ]
    prefix = here.rstrip(os.sep) + os.sep
    cut = len(prefix)
    inputs = []
    for path in absolute:
        if path in named or (settings.exclude and excluded(path, settings.exclude)):
            continue
        shown = display(path[cut:]) if path.startswith(prefix) else _relative(path)
        inputs.append(Input(shown, YAML if path.lower().endswith(_YAML_SUFFIXES) else XML, explicit=False))
    return inputs


def _worth_reading(path: str, tables: frozenset[str]) -> bool:
    """False for an XML file whose first bytes show it holds no record of a table a rule reads."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False
    if not _ROOT.search(head):
        return False  # not a ServiceNow export (they name their root on the first line)
    table = _TABLE.search(head)
    return table is None or table.group(1).decode("utf-8", "replace") in tables


Entry = tuple[int, int, list[Record]]


def read_context(items: Sequence[Input], options: ReadOptions, reader: Reader, use_cache: bool = True) -> list[Record]:
    """The records of the context files, from the cache where a file is unchanged."""
    from linter import cache

    cache_file = cache.path_for(
        "context", os.getcwd(), sorted(options.tables), options.oauth_fields, options.max_bytes, options.max_depth
    )
    loaded = cache.load(cache_file) if use_cache else None
    entries: dict[str, Entry] = loaded if isinstance(loaded, dict) else {}
    fresh: dict[str, Entry] = {}
    records: list[Record] = []
    stale: list[tuple[Input, int, int]] = []
    for item in items:
        try:
            info = os.stat(item.path)
        except OSError:
            continue
        entry = entries.get(item.path)
        if entry is not None and entry[0] == info.st_size and entry[1] == info.st_mtime_ns:
            fresh[item.path] = entry
            records.extend(entry[2])
        elif item.kind != XML or _worth_reading(item.path, options.tables):
            stale.append((item, info.st_size, info.st_mtime_ns))
        else:
            fresh[item.path] = (info.st_size, info.st_mtime_ns, [])
    results = reader([item for item, _, _ in stale], options) if stale else []
    for (item, size, mtime), result in zip(stale, results, strict=True):
        fresh[item.path] = (size, mtime, result.records)
        records.extend(result.records)
    if use_cache and (stale or not entries):
        # Keep what this run did not look at (the named files, in other runs context): pre-commit splits a long
        # file list into several runs, each naming other files. Deleted files drop out when the cache has grown
        # well past the repository.
        merged = {**entries, **fresh}
        cache.store(cache_file, merged if len(merged) <= 2 * len(items) + 1000 else fresh)
    return records
