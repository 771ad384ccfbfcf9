"""The context of a run on named files (the pre-commit case): the repository's other exports, which the
cross-file checks need to resolve aliases, connections and credentials. Their findings are not reported.

The context is read as safely as `snlint .` reads a folder, because it is the same walk (linter/discover.py): git's
view of the repository (tracked, or untracked and not ignored), no symlink out of the repository, regular files
only, the skipped folders and the exclusions; every file is then opened without blocking and size-checked by the
reader (engine.read_file). Reading it must stay cheap on a repository with tens of thousands of files, on every
commit, so:
- the walk is stamped: it takes each folder's files from git's listing and lstats each once, which both checks the
  file (regular, or a symlink that stays inside) and gives its stamp (size, modification time);
- a record file whose first bytes name a table no rule reads is skipped without parsing;
- the records are cached with the stamps as validated JSON (linter/cache.py), so a commit re-reads only what
  changed (pre-commit also splits long file lists into several runs, which then share the cache): the stamps of
  every file of the walk as columns, compared in C loops, and the records of the few files that hold any. The
  records are redacted before they get here: a secret field is kept as its SecretForm, never its value.
"""

from __future__ import annotations

import binascii
import os
import re
import stat
from array import array
from collections.abc import Callable, Sequence
from itertools import compress
from operator import ne, or_
from typing import Any

from linter import gitfiles
from linter.discover import XML, Files, Input, PathFilter, as_walked, display, walk
from linter.model import Position, Record, SecretForm, Value
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

__all__ = ["context_inputs", "read_context"]

_TABLE = re.compile(rb"<record_update\b[^>]*?\btable=\"([^\"]+)\"")
_ROOT = re.compile(rb"<(record_update|unload)\b")
_FORMAT = 2  # of the cached document; another value is a miss
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

Reader = Callable[[Sequence[Input], ReadOptions], list[ReadResult]]


def _relative(path: str) -> str:
    try:
        return display(os.path.relpath(path))
    except ValueError:  # another drive (Windows)
        return path


# The files of the context walk with their stamps, and which of them the run names: those are the run's own, but
# stay in the walk, so that its list of files is the same in every run of a repository (pre-commit's several runs).
Context = tuple[Files, set[str]]


def context_inputs(settings: Settings, given: Sequence[Input], exclusion: PathFilter) -> Context:
    """The context files: the configured `context` paths, else the enclosing git repository, walked by the walk's
    rules, stamped (one stat a file, which is also the cache's freshness check); and the given files as that walk
    shows them (the run reads them itself)."""
    if settings.context:
        paths = [path for path in settings.context if os.path.exists(path)]
    else:
        root = gitfiles.repository_root()
        if root is None:
            return Files(), set()
        paths = [_relative(root)]
    return (walk(paths, exclusion, settings.respect_gitignore, stamped=True),
            as_walked([item.path for item in given], paths))


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


# -- the cache: each context file's stamp (size, mtime), and the records of the few files that hold any ---------------
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


def _valid(path: str, data: object) -> bool:
    try:
        _decode(path, data)
    except (ValueError, TypeError):
        return False
    return True


# What the cache holds of a run's files: the files (their paths joined by NULs: no path holds one, so the usual
# case, the same files as the last run, is one compare), their stamps (_packed; a size of -1: not known), and the
# records of the few that hold any, by index, decoded (and so validated) only when used.
_Stamps = tuple[str, bytes, bytes, dict[int, Any]]


def _packed(sizes: Sequence[int], mtimes: Sequence[int], unknown: int = -1) -> tuple[bytes, bytes]:
    """Stamps as signed 64-bit integers, so that comparing all of them is one bytes compare and loading them no
    parse of thousands of JSON numbers. A stamp that does not fit (a modification time past 2262) gets the size
    `unknown`: -1 in the cache, -2 for this run's stamps, so that they never match and the file is read each time."""
    try:
        return array("q", sizes).tobytes(), array("q", mtimes).tobytes()
    except OverflowError:
        fits = [-_RANGE <= size < _RANGE and -_RANGE <= mtime < _RANGE
                for size, mtime in zip(sizes, mtimes, strict=True)]
        return (array("q", [size if ok else unknown for size, ok in zip(sizes, fits, strict=True)]).tobytes(),
                array("q", [mtime if ok else 0 for mtime, ok in zip(mtimes, fits, strict=True)]).tobytes())


_RANGE = 2**63
_STAMP = 8  # bytes a packed stamp


def _load(name: str, key: str) -> _Stamps | None:
    """The cached document, or None (a miss: missing, or not shaped as _store writes it).

    The stamps are not validated one by one: a stamp is only ever compared with os.stat's integers, so a value
    that is not the file's is simply a miss. Records are validated in full (_decode) before they are used."""
    from linter import cache

    document = cache.load(name, key)
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return None
    paths, sizes, mtimes, records = (document.get(field) for field in ("paths", "sizes", "mtimes", "records"))
    if not (isinstance(paths, str) and isinstance(sizes, str) and isinstance(mtimes, str)
            and isinstance(records, list)):
        return None
    try:
        sizes_data, mtimes_data = binascii.a2b_base64(sizes), binascii.a2b_base64(mtimes)
    except ValueError:  # binascii.Error
        return None
    count = len(sizes_data) // _STAMP
    if len(sizes_data) != len(mtimes_data) or len(sizes_data) % _STAMP:
        return None  # (one stamp a path: checked where the paths are split)
    held = {
        item[0]: item[1] for item in records
        if isinstance(item, list) and len(item) == 2 and type(item[0]) is int and 0 <= item[0] < count
    }
    return paths, sizes_data, mtimes_data, held


def _store(name: str, key: str, paths: str, sizes: bytes, mtimes: bytes, records: dict[int, Any]) -> None:
    from linter import cache

    cache.store(name, {
        "format": _FORMAT, "paths": paths,
        "sizes": binascii.b2a_base64(sizes, newline=False).decode("ascii"),
        "mtimes": binascii.b2a_base64(mtimes, newline=False).decode("ascii"),
        "records": [[index, records[index]] for index in sorted(records)],
    }, key)


def read_context(context: Context, options: ReadOptions, reader: Reader, use_cache: bool = True) -> list[Record]:
    """The records of the context files (context_inputs) in their order, from the cache where a file's stamp is
    unchanged (without `use_cache`, no cache is read or written)."""
    files, named = context
    paths, kinds = files.paths, files.kinds
    if not paths:
        return []
    from linter import cache

    cache_name, cache_key = cache.key(
        "context", os.getcwd(), sorted(options.tables), options.max_bytes, options.max_depth,
        options.table_globs, options.table_root,  # a `tables` entry changes the table of a JSON export's records
        sorted(options.secret_fields),
    )
    cached = _load(cache_name, cache_key) if use_cache else None
    joined = "\0".join(paths)
    were = _aligned(cached, joined, paths)
    changed = _changed(were, *_packed(files.sizes, files.mtimes, unknown=-2))
    unread = [index for index in changed if paths[index] not in named]  # the named files are the run's own
    found: list[tuple[int, list[Record]]] = []  # (index, records) of the files that hold any
    held = were[3]
    kept = sorted(held.keys() - set(changed))
    for index in kept:
        if paths[index] not in named:
            try:
                found.append((index, _decode(paths[index], held[index])))
            except (ValueError, TypeError):
                unread.append(index)  # an invalid entry is a miss
    tables = frozenset(table.encode("utf-8", "surrogatepass") for table in options.tables)
    stale = [index for index in unread if kinds[index] != XML or _worth_reading(paths[index], tables)]
    results = reader([Input(paths[index], kinds[index], explicit=False) for index in stale], options) if stale else []
    read: dict[int, list[Any] | None] = {index: [] for index in unread}  # encoded; None: not cacheable
    for index, result in zip(stale, results, strict=True):
        found.append((index, result.records))
        read[index] = _encode(paths[index], result.records)
    found.sort(key=_first)
    if use_cache and (read or cached is None or cached[0] != joined):
        _store(cache_name, cache_key, joined, *_next(context, were, changed, kept, read))
    return [record for _, records in found for record in records]


def _aligned(cached: _Stamps | None, joined: str, files: list[str]) -> _Stamps:
    """What `cached` holds of the `files` (`joined` by NULs)."""
    count = len(files)
    if cached is None:
        sizes, mtimes = _packed([-1], [0])
        return joined, sizes * count, mtimes * count, {}
    paths, sizes, mtimes, records = cached
    known = len(sizes) // _STAMP
    if paths == joined and known == count:  # the usual case: the same files as the last run
        return cached
    # files came or went: matched by path (a dict lookup a file, on the first run after the change)
    were = paths.split("\0") if paths else []
    if len(were) != known:
        return _aligned(None, joined, files)
    at = dict(zip(were, range(known), strict=True))
    old = [at.get(path, -1) for path in files]
    were_sizes, were_mtimes = array("q", sizes), array("q", mtimes)
    sizes, mtimes = _packed([were_sizes[was] if was >= 0 else -1 for was in old],
                            [were_mtimes[was] if was >= 0 else 0 for was in old])
    return joined, sizes, mtimes, {index: records[was] for index, was in enumerate(old) if was in records}


def _changed(were: _Stamps, sizes: bytes, mtimes: bytes) -> list[int]:
    """The files whose stamps differ from the cached ones. This runs on every commit over every file of the
    repository, so it compares blocks of stamps as bytes (C loops), and a block that differs stamp by stamp."""
    _, were_sizes, were_mtimes, _ = were
    if were_sizes == sizes and were_mtimes == mtimes:
        return []
    changed: list[int] = []
    step = _BLOCK * _STAMP
    for start in range(0, len(sizes), step):
        end = start + step
        if were_sizes[start:end] != sizes[start:end] or were_mtimes[start:end] != mtimes[start:end]:
            differ = map(or_, map(ne, array("q", were_sizes[start:end]), array("q", sizes[start:end])),
                         map(ne, array("q", were_mtimes[start:end]), array("q", mtimes[start:end])))
            changed.extend(compress(range(start // _STAMP, end // _STAMP), differ))
    return changed


_BLOCK = 64  # stamps


def _next(
    context: Context, were: _Stamps, changed: list[int], kept: list[int], read: dict[int, list[Any] | None]
) -> tuple[bytes, bytes, dict[int, Any]]:
    """The stamps and records to cache: this run's for the files it read or found unchanged; the cached ones for a
    changed file that the run names (not read as context: they are still true of what they were taken from).
    Nothing goes back into the cache unvalidated."""
    files, named = context
    _, were_sizes, were_mtimes, were_records = were
    sizes, mtimes = list(files.sizes), list(files.mtimes)
    old_sizes, old_mtimes = array("q", were_sizes), array("q", were_mtimes)
    records: dict[int, Any] = {}
    for index in kept:
        if index not in read:
            data = were_records[index]
            if files.paths[index] not in named or _valid(files.paths[index], data):
                records[index] = data
            else:
                sizes[index] = -1
    for index, encoded in read.items():
        if encoded is None:  # not cacheable: no stamp, read again next time
            sizes[index] = -1
        elif encoded:
            records[index] = encoded
    for index in changed:
        if index not in read:  # named: what the cache held of it
            data = were_records.get(index)
            sizes[index], mtimes[index] = old_sizes[index], old_mtimes[index]
            if data is not None:
                if _valid(files.paths[index], data):
                    records[index] = data
                else:
                    sizes[index] = -1
    return *_packed(sizes, mtimes), records


def _first(item: tuple[int, list[Record]]) -> int:
    return item[0]
