"""Replacing files atomically (a temporary file in the same folder, then a rename): reports and baselines snlint
writes, and the exports `--fix` and `snlint record` edit."""

from __future__ import annotations

import os
import tempfile


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, text: str) -> None:
    """Replace `path` with `text` (a report, a baseline); a special file (/dev/stdout, /dev/null, a pipe) is written
    in place.

    The file gets the mode any new file gets (0666 less the umask), like a shell redirection; an error names
    `path` as given, not the temporary file."""
    # backslashreplace: a last resort, the reporters already escape what UTF-8 cannot encode
    data = text.encode("utf-8", "backslashreplace")
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            with open(path, "wb") as stream:
                stream.write(data)
            return
        _replace(path, data, 0o666 & ~_umask(), sync=False)
    except OSError as error:
        raise OSError(error.errno, f"cannot write: {error.strerror or error}", path) from error


def rewrite(path: str, data: bytes) -> None:
    """Replace the existing file `path` (an export being fixed) with `data`, keeping its mode, on disk before the
    rename (fsync)."""
    _replace(path, data, os.stat(path).st_mode & 0o7777, sync=True)


def _replace(path: str, data: bytes, mode: int, sync: bool) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".snlint-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        if not hasattr(os, "fchmod"):
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
