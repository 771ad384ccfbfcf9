"""The context of a run on named files (the pre-commit case): the repository's other exports, which the
cross-file checks need to resolve aliases, connections and credentials. Their findings are not reported.

The context is read as safely as `snlint .` reads a folder, because it is the same walk (linter/discover.py): git's
view of the repository (tracked, or untracked and not ignored), no symlink out of the repository, regular files
only, the skipped folders and the exclusions; every file is then opened without blocking and size-checked by the
reader (engine.read_file). Reading it must stay cheap on a repository with tens of thousands of files, so:
- a record file whose first bytes name a table no rule reads is skipped without parsing;
- the records of each context file are cached by (size, mtime) as validated JSON (linter/cache.py), so a commit
  re-reads only what changed (pre-commit also splits long file lists into several runs, which then share the
  cache). The records are redacted before they get here: a secret field is kept as its SecretForm, never its value.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Sequence
from typing import Any

from linter import gitfiles
from linter.discover import XML, Input, PathFilter, discover, display
from linter.model import Position, Record, SecretForm, Value
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

__all__ = ["context_inputs", "read_context"]

_TABLE = re.compile(rb"<record_update\b[^>]*?\btable=\"([^\"]+)\"")
_ROOT = re.compile(rb"<(record_update|unload)\b")
_FORMAT = 1  # of the cached document; another value is a miss
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

Reader = Callable[[Sequence[Input], ReadOptions], list[ReadResult]]


def _relative(path: str) -> str:
    try:
        return display(os.path.relpath(path))
    except ValueError:  # another drive (Windows)
        return path


def context_inputs(settings: Settings, given: Sequence[Input], exclusion: PathFilter) -> list[Input]:
    """The context files: the configured `context` paths, else the enclosing git repository, walked by the walk's
    rules; minus the given files."""
    if settings.context:
        paths = [path for path in settings.context if os.path.exists(path)]
    else:
        root = gitfiles.repository_root()
        if root is None:
            return []
        paths = [_relative(root)]
    named = {_relative(os.path.abspath(item.path)) for item in given}  # as the walk shows paths
    return [
        Input(item.path, item.kind, explicit=False) if item.explicit else item  # a `context` path naming a file
        for item in discover(paths, exclusion, settings.respect_gitignore)
        if item.path not in named
    ]


def _worth_reading(path: str, tables: frozenset[bytes]) -> bool:
    """False for an XML file whose first bytes show it holds no record of a table a rule reads (`tables`, as
    UTF-8), or that is not a regular file by now: opened without blocking, so a FIFO swapped in cannot hang the
    run. This runs for every context file on a first run, so it does as little as it can."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 1024)
    except OSError:
        return False
    finally:
        os.close(fd)
    if not _ROOT.search(head):
        return False  # not a ServiceNow export (they name their root on the first line)
    table = _TABLE.search(head)
    return table is None or table.group(1) in tables


# -- the cached form of records: JSON, every value checked when read back ------------------------------------------
Entry = tuple[int, int, list[Record]]  # size, mtime (ns), records


def _where(position: Position) -> list[int]:
    return [position.line, position.column, position.end_line, position.end_column]


def _encode(path: str, records: Sequence[Record]) -> list[Any] | None:
    """The records of the file `path` as JSON data (positions without their path), or None when one points
    elsewhere (not cacheable). A secret field keeps only its SecretForm, whatever its text."""
    encoded = []
    for record in records:
        if record.position.path != path:
            return None
        fields = {}
        for name, value in record.fields.items():
            if value.position.path != path:
                return None
            secret = value.secret is not SecretForm.NONE
            fields[name] = ["" if secret else value.text, _where(value.position), value.display, value.secret.value]
        encoded.append([record.table, record.sys_id, _where(record.position), record.deleted, record.updated_on,
                        record.order, fields])
    return encoded


def _int(value: object) -> int:
    if type(value) is not int:
        raise ValueError("expected an integer")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value


def _position(path: str, value: object) -> Position:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("expected a position")
    line, column, end_line, end_column = (_int(number) for number in value)
    return Position(path, line, column, end_line, end_column)


def _decode(path: str, data: object) -> list[Record]:
    """Records from `_encode`'s data; ValueError when anything is not as `_encode` writes it."""
    if not isinstance(data, list):
        raise ValueError("expected a list of records")
    records = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 7 and isinstance(item[3], bool) and isinstance(item[6], dict)):
            raise ValueError("expected a record")
        table, sys_id, where, deleted, updated_on, order, raw_fields = item
        fields = {}
        for name, value in raw_fields.items():
            if not isinstance(value, list) or len(value) != 4:
                raise ValueError("expected a field")
            text, at, shown, secret = value
            form = SecretForm(_text(secret))
            if form is not SecretForm.NONE and text != "":
                raise ValueError("a secret field with a value")
            fields[name] = Value(_text(text), _position(path, at), None if shown is None else _text(shown), form)
        records.append(Record(_text(table), _text(sys_id), fields, _position(path, where), deleted,
                              _text(updated_on), _int(order)))
    return records


def _load(name: str, key: str) -> dict[str, Entry]:
    """The cached entries by path; an invalid document is a miss (empty)."""
    from linter import cache

    document = cache.load(name, key)
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return {}
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return {}
    try:
        loaded: dict[str, Entry] = {}
        for path, entry in entries.items():
            if not isinstance(entry, list) or len(entry) != 3:
                return {}
            data = entry[2]  # most context files hold no record a rule reads: no decoding for them
            loaded[path] = (_int(entry[0]), _int(entry[1]), [] if data == [] else _decode(path, data))
        return loaded
    except (ValueError, TypeError):
        return {}


def _store(name: str, key: str, entries: dict[str, Entry]) -> None:
    from linter import cache

    encoded: dict[str, list[Any]] = {}
    for path, (size, mtime, records) in entries.items():
        data = _encode(path, records)
        if data is not None:
            encoded[path] = [size, mtime, data]
    cache.store(name, {"format": _FORMAT, "entries": encoded}, key)


def read_context(items: Sequence[Input], options: ReadOptions, reader: Reader, use_cache: bool = True) -> list[Record]:
    """The records of the context files, from the cache where a file is unchanged (without `use_cache`, no cache
    is read or written)."""
    if not items:
        return []
    from linter import cache

    cache_name, cache_key = cache.key(
        "context", os.getcwd(), sorted(options.tables), options.max_bytes, options.max_depth,
        options.table_globs, options.table_root,  # a `tables` entry changes the table of a JSON export's records
        sorted(options.secret_fields),
    )
    entries = _load(cache_name, cache_key) if use_cache else {}
    tables = frozenset(table.encode("utf-8", "surrogatepass") for table in options.tables)
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
        elif item.kind != XML or _worth_reading(item.path, tables):
            stale.append((item, info.st_size, info.st_mtime_ns))
        else:
            fresh[item.path] = (info.st_size, info.st_mtime_ns, [])
    results = reader([item for item, _, _ in stale], options) if stale else []
    for (item, size, mtime), result in zip(stale, results, strict=True):
        fresh[item.path] = (size, mtime, result.records)
        records.extend(result.records)
    if use_cache:
        # Keep the entries this run did not look at while their files exist: the named files, which are context
        # in other runs (pre-commit splits a long file list into several runs, each naming other files).
        others = [path for path in entries if path not in fresh]
        kept = {path: entries[path] for path in others if os.path.lexists(path)}
        if stale or len(kept) != len(others) or not entries:
            _store(cache_name, cache_key, {**kept, **fresh})
    return records
