"""The context of a run on named files (the pre-commit case): the repository's other exports, which the
cross-file checks need to resolve aliases, connections and credentials. Their findings are not reported.

The context is read as safely as `snlint .` reads a folder, because it is the same walk (linter/discover.py): git's
view of the repository (tracked, or untracked and not ignored), no symlink out of the repository, regular files
only, the skipped folders and the exclusions; every file is then opened without blocking and size-checked by the
reader (engine.read_file). Reading it must stay cheap on a repository with tens of thousands of files, on every
commit, so:
- the walk is stamped: it takes each folder's files from git's listing and lstats each once, which both checks the
  file (regular, or a symlink that stays inside) and gives its stamp (size, modification and change times, inode);
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
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from operator import ne
from typing import Any

from linter import gitfiles
from linter.discover import XML, Files, Input, PathFilter, display, walk
from linter.model import Position, Record, SecretForm, Value
from linter.read.base import ReadOptions, ReadResult
from linter.settings import Settings

__all__ = ["context_inputs", "read_context"]

_TABLE = re.compile(rb"<record_update\b[^>]*?\btable=\"([^\"]+)\"")
_ROOT = re.compile(rb"<(record_update|unload)\b")
_FORMAT = 3  # of the cached document; another value is a miss
_COLUMNS = 4  # of a stamp: size, modification time, change time (ns), inode
_STAMP = 8  # bytes a packed value
_RANGE = 2**63  # of a packed signed value (an inode is packed unsigned)
_BLOCK = 64  # stamps compared as one block of bytes
_UNKNOWN = -1  # the size of a cached stamp that matches no file: read again
_UNFIT = -2  # the size of this run's stamp of a file whose stamp does not fit (a time past 2262): never matches
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

Reader = Callable[[Sequence[Input], ReadOptions], list[ReadResult]]


def _relative(path: str) -> str:
    try:
        return display(os.path.relpath(path))
    except ValueError:  # another drive (Windows)
        return path


def context_inputs(settings: Settings, given: Sequence[str], exclusion: PathFilter) -> Files:
    """The context files: the configured `context` paths, else the enclosing git repository, walked by the walk's
    rules, stamped (one stat a file, which is also the cache's freshness check). The files the run reads itself
    (`given`) stay in the walk, marked (Files.named): so its list of files is the same in every run of a
    repository (pre-commit's several runs), and their records take their place in it."""
    if settings.context:
        paths = [path for path in settings.context if os.path.exists(path)]
    else:
        root = gitfiles.repository_root()
        if root is None:
            return Files()
        paths = [_relative(root)]
    return walk(paths, exclusion, settings.respect_gitignore, stamped=True, named=given)


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


# -- the cache: each context file's stamp, and the records of the few files that hold any ----------------------------
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
_Stamps = tuple[str, bytes, dict[int, Any]]


def _packed(files: Files) -> bytes:
    """This run's stamps as 64-bit integers, column after column (the sizes, then the modification times, ...), so
    that comparing all of them is one bytes compare and loading them no parse of thousands of JSON numbers."""
    columns = [files.sizes, files.mtimes, files.ctimes, files.inodes]
    try:
        return _columns(columns)
    except OverflowError:
        fitting = [stamp if _fits(*stamp) else (_UNFIT, 0, 0, 0) for stamp in zip(*columns, strict=True)]
        return _columns([list(column) for column in zip(*fitting, strict=True)])


def _columns(columns: Sequence[Sequence[int]]) -> bytes:
    """Stamp columns packed: the times and sizes signed, the inodes unsigned (st_ino is below 2**64)."""
    size, mtime, ctime, inode = columns
    return b"".join((array("q", size).tobytes(), array("q", mtime).tobytes(), array("q", ctime).tobytes(),
                     array("Q", inode).tobytes()))


def _fits(size: int, mtime: int, ctime: int, inode: int) -> bool:
    return all(-_RANGE <= value < _RANGE for value in (size, mtime, ctime)) and 0 <= inode < 2 * _RANGE


def _unknown(count: int) -> bytes:
    """The stamps of `count` files not in the cache."""
    return array("q", [_UNKNOWN]).tobytes() * count + bytes(_STAMP * count * (_COLUMNS - 1))


def _load(name: str, key: str) -> _Stamps | None:
    """The cached document, or None (a miss: missing, or not shaped as _store writes it).

    The stamps are not validated one by one: a stamp is only ever compared with os.stat's integers, so a value
    that is not the file's is simply a miss. Records are validated in full (_decode) before they are used."""
    from linter import cache

    document = cache.load(name, key)
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return None
    paths, stamps, records = (document.get(field) for field in ("paths", "stamps", "records"))
    if not (isinstance(paths, str) and isinstance(stamps, str) and isinstance(records, list)):
        return None
    try:
        packed = binascii.a2b_base64(stamps)
    except ValueError:  # binascii.Error
        return None
    if len(packed) % (_STAMP * _COLUMNS):
        return None  # (one stamp a path: checked where the paths are split)
    count = len(packed) // (_STAMP * _COLUMNS)
    held = {
        item[0]: item[1] for item in records
        if isinstance(item, list) and len(item) == 2 and type(item[0]) is int and 0 <= item[0] < count
    }
    return paths, packed, held


def _store(name: str, key: str, paths: str, stamps: bytes, records: dict[int, Any]) -> None:
    from linter import cache

    cache.store(name, {
        "format": _FORMAT, "paths": paths, "stamps": binascii.b2a_base64(stamps, newline=False).decode("ascii"),
        "records": [[index, records[index]] for index in sorted(records)],
    }, key)


def read_context(
    files: Files, own: Mapping[str, list[Record]], options: ReadOptions, reader: Reader, use_cache: bool = True
) -> list[Record]:
    """The records of the run in the walk's order: the context files' (context_inputs), from the cache where a
    file's stamp is unchanged, and the run's own (`own`, by path) in the place of the files the walk marked as
    named (those the walk does not reach come first). So records that tie resolve as they do in a run on the whole
    repository, whichever of its files a run names. Without `use_cache`, no cache is read or written."""
    paths, kinds, named = files.paths, files.kinds, files.named
    placed = set(named.values())
    first = [record for path, records in own.items() if path not in placed for record in records]
    if not paths:
        return first
    from linter import cache

    cache_name, cache_key = cache.key(
        "context", os.getcwd(), sorted(options.tables), options.max_bytes, options.max_depth,
        options.table_globs, options.table_root,  # a `tables` entry changes the table of a JSON export's records
        sorted(options.secret_fields),
    )
    cached = _load(cache_name, cache_key) if use_cache else None
    joined = "\0".join(paths)
    were = _aligned(cached, joined, paths)
    stamps = _packed(files)
    changed = _changed(were[1], stamps, len(paths))
    unread = [index for index in changed if index not in named]  # the named files are the run's own
    found = [(index, own.get(path, [])) for index, path in named.items()]  # (index, records) of the files with any
    held = were[2]
    for index in sorted(held.keys() - set(changed)):
        if index not in named:
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
        _store(cache_name, cache_key, joined, *_next(files, were, stamps, changed, read))
    return first + [record for _, records in found for record in records]


def _aligned(cached: _Stamps | None, joined: str, files: list[str]) -> _Stamps:
    """What `cached` holds of the `files` (`joined` by NULs)."""
    count = len(files)
    if cached is None:
        return joined, _unknown(count), {}
    paths, stamps, records = cached
    known = len(stamps) // (_STAMP * _COLUMNS)
    if paths == joined and known == count:  # the usual case: the same files as the last run
        return cached
    # files came or went: matched by path (a dict lookup a file, on the first run after the change)
    were = paths.split("\0") if paths else []
    if len(were) != known:
        return _aligned(None, joined, files)
    at = dict(zip(were, range(known), strict=True))
    old = [at.get(path, -1) for path in files]
    values, aligned = array("q", stamps), array("q")
    for column in range(_COLUMNS):
        base, unknown = column * known, _UNKNOWN if column == 0 else 0
        aligned.extend([values[base + was] if was >= 0 else unknown for was in old])
    return joined, aligned.tobytes(), {index: records[was] for index, was in enumerate(old) if was in records}


def _changed(were: bytes, stamps: bytes, count: int) -> list[int]:
    """The files whose stamps differ from the cached ones (both `count` files' _packed columns). This runs on every
    commit over every file of the repository, so it compares blocks of stamps as bytes (C loops), and a block that
    differs stamp by stamp."""
    if were == stamps:
        return []
    changed: list[int] = []
    width, step = count * _STAMP, _BLOCK * _STAMP  # bytes a column, a block
    for start in range(0, width, step):
        spans = [(column + start, column + min(start + step, width)) for column in range(0, len(stamps), width)]
        if any(were[low:high] != stamps[low:high] for low, high in spans):
            old = zip(*(array("q", were[low:high]) for low, high in spans), strict=True)
            new = zip(*(array("q", stamps[low:high]) for low, high in spans), strict=True)
            changed.extend(compress(range(start // _STAMP, count), map(ne, old, new)))
    return changed


def _next(
    files: Files, were: _Stamps, stamps: bytes, changed: list[int], read: dict[int, list[Any] | None]
) -> tuple[bytes, dict[int, Any]]:
    """The stamps and records to cache. A file that neither changed nor holds records keeps this run's stamp; the
    others get one decision each: read by this run, its records (not cacheable, or a stamp that does not fit: no
    stamp, read again next time); else, a named file that changed, what the cache held of it (still true of what
    it was taken from); else what the cache held. Nothing goes back into the cache unvalidated: a named file's
    cached records were not decoded by this run, so they are validated here."""
    _, were_stamps, held = were
    count = len(files.paths)
    next_stamps, old_stamps = array("q", stamps), array("q", were_stamps)
    differ = set(changed)
    records: dict[int, Any] = {}
    for index in differ.union(held):
        if index in read:
            encoded = read[index]
            if encoded is None or next_stamps[index] == _UNFIT:
                next_stamps[index] = _UNKNOWN
            elif encoded:
                records[index] = encoded
            continue
        if index in differ:  # named: the stamp of what the cache holds of it
            next_stamps[index::count] = old_stamps[index::count]
        data = held.get(index)
        if data is not None:
            if index not in files.named or _valid(files.paths[index], data):
                records[index] = data
            else:
                next_stamps[index] = _UNKNOWN
    return next_stamps.tobytes(), records


def _first(item: tuple[int, list[Record]]) -> int:
    return item[0]
