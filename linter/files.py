"""Writing reports and baselines: atomically (a temporary file in the same folder, then a rename)."""

from __future__ import annotations

import os
import tempfile


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, text: str) -> None:
    """Replace `path` with `text`; a special file (/dev/stdout, /dev/null, a pipe) is written in place.

    The file gets the mode any new file gets (0666 less the umask), like a shell redirection; an error names
    `path` as given, not the temporary file."""
    try:
        if os.path.exists(path) and not os.path.isfile(path):
            with open(path, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
                stream.write(text)
            return
        folder = os.path.dirname(os.path.abspath(path))
        handle, temporary = tempfile.mkstemp(prefix=".snlint-", dir=folder)
    except OSError as error:
        raise OSError(error.errno, f"cannot write: {error.strerror or error}", path) from error
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, 0o666 & ~_umask())
        # backslashreplace: a last resort, the reporters already escape what UTF-8 cannot encode
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OSError(error.errno, f"cannot write: {error.strerror or error}", path) from error
        raise
