"""Text that is not on disk (an editor's unsaved buffer, a fix being checked) read by the real readers.

The readers read from a file descriptor; here that descriptor is an anonymous in-memory file (memfd), so the text,
which may hold secrets, is never written to a disk or a temporary file.
"""

from __future__ import annotations

import os
from typing import NamedTuple


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
