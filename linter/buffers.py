"""Text that is not on disk (an editor's unsaved buffer, a fix being checked) read by the real readers.

The readers read from a file descriptor; here that descriptor is an anonymous in-memory file (memfd), so the text,
which may hold secrets, is never written to a disk or a temporary file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from linter.read.base import ReadOptions, ReadResult
    from linter.settings import Settings


class NoMemoryFile(OSError):
    """This system has no anonymous in-memory files (memfd): a buffer can only be read from its saved file."""


class Buffer(NamedTuple):
    """A file's content held in memory: standard input, an editor's unsaved text, a fix being checked."""

    data: bytes
    size: int = 0  # the content's whole size when only its first bytes were kept (standard input over the limit)


def memory_file(buffer: Buffer) -> int:
    """A readable, seekable descriptor holding the buffer in memory only. Its size is the buffer's whole size:
    input beyond the size limit is counted, not kept (the file is sparse there), so a reader refuses it by size."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        raise NoMemoryFile("anonymous in-memory files (memfd) are not available on this system")
    fd: int = create("snlint-buffer", getattr(os, "MFD_CLOEXEC", 0))
    try:
        view = memoryview(buffer.data)
        while view:
            view = view[os.write(fd, view) :]
        if buffer.size > len(buffer.data):
            os.ftruncate(fd, buffer.size)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_options(settings: Settings | None = None) -> ReadOptions:
    """Read options that keep every table any built-in or configured rule reads."""
    from linter import checks
    from linter.engine import load_rules, make_profile, secret_fields
    from linter.read.base import ReadOptions
    from linter.settings import Settings

    settings = settings or Settings()
    rules = load_rules(settings)
    profile = make_profile(settings)
    return ReadOptions(
        tables=checks.tables_read(rules.values(), profile),
        max_bytes=settings.max_file_size,
        max_depth=settings.max_depth,
        secret_fields=secret_fields(rules, settings),
    )


def read_bytes(path: str, data: bytes, options: ReadOptions | None = None) -> ReadResult:
    """What the reader for `path`'s kind makes of `data` (secrets redacted), as if it were the file's content."""
    from linter.discover import Input, kind_of
    from linter.engine import read_file

    return read_file(Input(path, kind_of(path), explicit=True), options or read_options(), data=Buffer(data))
