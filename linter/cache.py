"""snlint's on-disk cache (SNLINT_CACHE_DIR, else $XDG_CACHE_HOME/snlint, else ~/.cache/snlint): JSON documents
keyed by everything they depend on. Only an optimisation: any failure reads as a miss.

Nothing read back can run code: the files are JSON (never pickle), and the caller validates every value it takes
from one (an invalid document is a miss). The folder is 0700 and each file 0600; all file operations go through a
descriptor of the folder opened with O_NOFOLLOW, so a symlinked folder or file is refused (a miss, nothing written
through it); a file is written to a temporary created with O_EXCL | O_NOFOLLOW inside the folder, then renamed.
The folder is bounded: a file over MAX_FILE_BYTES is not stored, and the oldest files go when the folder would
outgrow MAX_TOTAL_BYTES. POSIX only: where the os module cannot open files relative to a folder (Windows), there is
no cache.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import os
import stat
from collections.abc import Iterator
from typing import Any

from linter import __version__

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
SUFFIX = ".json"
_OPEN_FLAGS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SUPPORTED = os.open in os.supports_dir_fd and os.unlink in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


def folder() -> str:
    return os.environ.get("SNLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "snlint"
    )


def key(kind: str, *parts: object) -> tuple[str, str]:
    """The cache file name and the whole key for `kind` and `parts` (snlint's version is always part of the key).

    The name is a CRC of the key: it only spreads keys over files. A document is stored with its whole key and
    load() returns it only to that key, so two keys never share a document, whatever their names (hashlib would
    cost more start-up than a small pre-commit run spends linting)."""
    text = repr((__version__, kind, *parts))
    return f"{kind}-{binascii.crc32(text.encode('utf-8', 'surrogatepass')):08x}{SUFFIX}", text


@contextlib.contextmanager
def _folder_fd(create: bool) -> Iterator[int | None]:
    """A descriptor of the cache folder (created 0700 when `create`), or None: missing, a symlink, not a folder,
    or someone else's. A folder of ours that others may read (an older snlint made it 0755) is made 0700."""
    path = folder()
    if create:
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
            os.mkdir(path, 0o700)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _OPEN_FLAGS)
    except OSError:  # missing, or a symlink (ELOOP / ENOTDIR)
        yield None
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            yield None
            return
        if info.st_mode & 0o077:
            os.fchmod(fd, 0o700)
        yield fd
    finally:
        os.close(fd)


def load(name: str, key: str = "") -> Any:
    """The JSON document stored as `name` under `key`, or None (missing, another key, a symlink, not ours, too
    large, not JSON)."""
    if not _SUPPORTED:
        return None
    try:
        with _folder_fd(create=False) as directory:
            if directory is None:
                return None
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _OPEN_FLAGS, dir_fd=directory)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_size > MAX_FILE_BYTES:
                    return None
                data = handle.read(info.st_size + 1)  # (a file grown since is cut short: not JSON, a miss)
        # store() writes ASCII (json.loads on bytes would first detect an encoding): anything else is a miss
        stored = json.loads(data.decode("ascii")) if len(data) <= MAX_FILE_BYTES else None
    except (OSError, ValueError, RecursionError):
        return None
    return stored.get("value") if isinstance(stored, dict) and stored.get("key") == key else None


def store(name: str, value: object, key: str = "") -> None:
    """Store `value` under `key` as JSON atomically; a read-only or full disk, or a refused folder, is ignored."""
    if not _SUPPORTED:
        return
    document = {"key": key, "value": value}
    try:  # ASCII, every other code point escaped: a text may hold any, even a lone surrogate (from a JSON export's
        # escapes, or a file name's undecodable bytes), and each reads back as it was
        data = json.dumps(document, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    except ValueError:  # a value JSON cannot hold: not stored
        return
    if len(data) > MAX_FILE_BYTES:
        return
    try:
        with _folder_fd(create=True) as directory:
            if directory is None:
                return
            _make_room(directory, len(data), keep=name)
            temporary = f".{name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600, dir_fd=directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary, dir_fd=directory)
                raise
    except OSError:
        pass


def _make_room(directory: int, incoming: int, keep: str) -> None:
    """Delete the least recently written cache files until `incoming` more bytes fit under MAX_TOTAL_BYTES, and
    the pickles of snlint 0.1 (never read)."""
    files: list[tuple[int, int, str]] = []  # (mtime, size, name)
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.endswith(".pickle"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.name, dir_fd=directory)
            elif entry.name != keep and entry.name.endswith((SUFFIX, ".tmp")) and entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                files.append((info.st_mtime_ns, info.st_size, entry.name))
    total = incoming + sum(size for _, size, _ in files)
    for _, size, name in sorted(files):
        if total <= MAX_TOTAL_BYTES:
            break
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=directory)
        total -= size
